"""Sign-in and password pages; the administrators' people, branches, import and audit pages."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from studyhall import clock, db, demo
from studyhall.access import PUBLIC, SIGNED_IN, allow, referrer_target, safe_next
from studyhall.accounts import audit_text, service, signed_in_user, throttle, user_import
from studyhall.accounts.forms import (
    ROLE_LABELS,
    BranchForm,
    ChangePasswordForm,
    ImportConfirmForm,
    ImportUploadForm,
    LoginForm,
    RenameBranchForm,
    UserForm,
)
from studyhall.accounts.models import Role, User
from studyhall.accounts.throttle import Throttled
from studyhall.errors import DomainError
from studyhall.forms import SelectChoice, filled
from studyhall.headers import no_store
from studyhall.inputs import row_id
from studyhall.system import service as system
from studyhall.uploads import stage_upload, staged_upload

bp = Blueprint("accounts", __name__)
ADMIN = Role.ADMIN
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- sign-in ---------------------------------------------------------------------------------


# OWASP's device cookie: a browser that signed in to an account carries a signed note of it, and
# its tries at that account count against a limit of its own (see service.secret_limits).
DEVICE_COOKIE = "studyhall_device"
DEVICE_COOKIE_DAYS = 365


def _devices() -> URLSafeSerializer:
    if not current_app.secret_key:
        raise RuntimeError("the device cookie is signed with SECRET_KEY, which is not set")
    return URLSafeSerializer(current_app.secret_key, salt="studyhall.device")


def _known_device(username: str) -> str | None:
    """The device id in this browser's device cookie, if the cookie is genuine and names this account."""
    try:
        note = _devices().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return None
    if not isinstance(note, dict) or note.get("account") != username.strip().lower():
        return None
    return str(note.get("device") or "") or None


def _remember_device(response: WerkzeugResponse, username: str) -> WerkzeugResponse:
    note = {"account": username.strip().lower(), "device": secrets.token_urlsafe(16)}
    response.set_cookie(
        DEVICE_COOKIE,
        _devices().dumps(note),
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _login_page(form: LoginForm, status: int = 200) -> tuple[str, int]:
    session = db.session()
    no_accounts = service.count_admins(session) == 0
    demo_logins = demo.logins_by_role() if system.is_demo(session) else []
    page = render_template(
        "accounts/login.html",
        form=form,
        no_accounts=no_accounts,
        demo_logins=demo_logins,
        demo_password=demo.PASSWORD,
        role_labels=ROLE_LABELS,
    )
    return page, status


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    session = db.session()
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return _login_page(form)
    username = filled(form.username)
    try:
        outcome = service.sign_in(
            session,
            username,
            filled(form.password),
            device=_known_device(username),
            address=request.remote_addr,
            now=clock.now(),
        )
    except Throttled as refused:
        flash(refused.message, "error")
        return _login_page(form, 429)
    if outcome.user is None:
        flash(_("Wrong 工号 or password."), "error")
        if warning := throttle.tries_left_warning(outcome.ticket, now=clock.now()):
            flash(warning, "error")
        return _login_page(form)
    service.begin_session(session, outcome.user, now=clock.now())
    session.commit()
    language = cookie.get("lang")
    cookie.clear()  # nothing from before sign-in carries over, except the chosen language
    if language:
        cookie["lang"] = language
    login_user(outcome.user)
    return _remember_device(redirect(safe_next(form.next.data)), username)


@bp.route("/logout", methods=["POST"])
@allow(SIGNED_IN)
def logout() -> ResponseReturnValue:
    session = db.session()
    service.end_session(session, signed_in_user())
    session.commit()
    logout_user()
    cookie.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password", methods=["GET", "POST"])
@allow(SIGNED_IN)
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        session = db.session()
        user = signed_in_user()
        try:
            service.change_password(
                session,
                user,
                filled(form.current),
                filled(form.new),
                device=_known_device(user.username),
                address=request.remote_addr,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            flash(error.message, "error")
            if isinstance(error, Throttled):
                return render_template("accounts/change_password.html", form=form), 429
        else:
            session.commit()
            login_user(user)  # the old session id is void now: issue the new one
            flash(_("Your password has been changed."), "info")
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/language", methods=["POST"])
@allow(PUBLIC)
def language() -> ResponseReturnValue:
    code = request.form.get("lang", "")
    if code in current_app.config["LANGUAGES"]:
        cookie["lang"] = code
    return redirect(safe_next(request.form.get("next")))


# ---- branches --------------------------------------------------------------------------------


def _branch_choices(empty_label: str) -> list[SelectChoice]:
    return [SelectChoice("", empty_label)] + [
        SelectChoice(str(node.branch.id), "\u3000" * node.depth + node.branch.name)
        for node in service.branch_tree(db.session())
    ]


def _commit_or_flash(action: Callable[[Session], object], success: str) -> bool:
    """Run a service call in the request's transaction; commit it, or roll back and say why."""
    session = db.session()
    try:
        action(session)
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return False
    session.commit()
    flash(success, "info")
    return True


@bp.route("/admin/branches", methods=["GET", "POST"])
@allow(ADMIN)
def branches() -> ResponseReturnValue:
    form = BranchForm()
    form.parent_id.choices = _branch_choices(_("(top level)"))
    if form.validate_on_submit():
        name, parent_id = filled(form.name), row_id(form.parent_id.data)
        if _commit_or_flash(
            lambda s: service.create_branch(s, signed_in_user(), name, parent_id, now=clock.now()),
            _("Branch “%(name)s” created.", name=name),
        ):
            return redirect(url_for("accounts.branches"))
    return render_template("accounts/branches.html", form=form, tree=service.branch_tree(db.session()))


@bp.route("/admin/branches/<int:branch_id>/rename", methods=["POST"])
@allow(ADMIN)
def rename_branch(branch_id: int) -> ResponseReturnValue:
    form = RenameBranchForm()
    if form.validate_on_submit():
        _commit_or_flash(
            lambda s: service.rename_branch(
                s, signed_in_user(), branch_id, filled(form.name), now=clock.now()
            ),
            _("Branch renamed."),
        )
    else:
        flash(_("A branch needs a name."), "error")
    return redirect(url_for("accounts.branches"))


@bp.route("/admin/branches/<int:branch_id>/move", methods=["POST"])
@allow(ADMIN)
def move_branch(branch_id: int) -> ResponseReturnValue:
    parent_id = row_id(request.form.get("parent_id"))
    _commit_or_flash(
        lambda s: service.move_branch(s, signed_in_user(), branch_id, parent_id, now=clock.now()),
        _("Branch moved."),
    )
    return redirect(url_for("accounts.branches"))


@bp.route("/admin/branches/<int:branch_id>/order", methods=["POST"])
@allow(ADMIN)
def order_branch(branch_id: int) -> ResponseReturnValue:
    text = request.form.get("sort_order", "").strip()
    sort_order = row_id(text)
    if text and sort_order is None:
        flash(
            _("The order is a whole number (1, 2, 3 …), or empty to follow the number in the name."), "error"
        )
    else:
        _commit_or_flash(
            lambda s: service.set_branch_order(s, signed_in_user(), branch_id, sort_order, now=clock.now()),
            _("Order saved."),
        )
    return redirect(url_for("accounts.branches"))


@bp.route("/admin/branches/<int:branch_id>/delete", methods=["POST"])
@allow(ADMIN)
def delete_branch(branch_id: int) -> ResponseReturnValue:
    _commit_or_flash(
        lambda s: service.delete_branch(s, signed_in_user(), branch_id, now=clock.now()), _("Branch deleted.")
    )
    return redirect(url_for("accounts.branches"))


# ---- people ----------------------------------------------------------------------------------


@bp.route("/admin/users")
@allow(ADMIN, Role.SECRETARY)
def users() -> ResponseReturnValue:
    session = db.session()
    role = request.args.get("role", "")
    branch_id = row_id(request.args.get("branch"))
    visible = service.visible_branch_ids(session, signed_in_user())
    if visible is not None and branch_id not in visible:
        branch_id = None
    page = service.list_users(
        session,
        signed_in_user(),
        page=request.args.get("page", 1, type=int),
        search=request.args.get("q", ""),
        branch_id=branch_id,
        role=Role(role) if role in {r.value for r in Role} else None,
    )
    branch_options = [
        node for node in service.branch_tree(session) if visible is None or node.branch.id in visible
    ]
    return render_template(
        "accounts/users.html",
        page=page,
        branch_options=branch_options,
        role_labels=ROLE_LABELS,
        branch_path=service.branch_path,
    )


def _user_or_404(user_id: int) -> User:
    return db.session().get(User, user_id) or abort(404)


def _user_form(form: UserForm) -> UserForm:
    form.branch_id.choices = _branch_choices(_("(none)"))
    return form


@bp.route("/admin/users/new", methods=["GET", "POST"])
@allow(ADMIN)
@no_store
def new_user() -> ResponseReturnValue:
    form = _user_form(UserForm())
    if form.validate_on_submit():
        password = form.password.data or service.generate_password()
        session = db.session()
        try:
            user = service.create_user(
                session,
                signed_in_user(),
                username=filled(form.username),
                display_name=filled(form.display_name),
                role=Role(form.role.data),
                branch_id=row_id(form.branch_id.data),
                password=password,
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            flash(error.message, "error")
        else:
            session.commit()
            return render_template(
                "accounts/password_shown.html", user=user, password=None if form.password.data else password
            )
    return render_template("accounts/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit_user(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    form = _user_form(UserForm(obj=None if request.method == "POST" else user))
    if request.method == "GET":
        form.branch_id.data = str(user.branch_id or "")
        form.role.data = user.role.value
    form.username.data = user.username  # the 工号 is the account's identity and never changes
    if form.validate_on_submit() and _commit_or_flash(
        lambda s: service.update_user(
            s,
            signed_in_user(),
            user,
            display_name=filled(form.display_name),
            role=Role(form.role.data),
            branch_id=row_id(form.branch_id.data),
            now=clock.now(),
        ),
        _("Saved."),
    ):
        return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=user)


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@allow(ADMIN)
def set_active(user_id: int) -> ResponseReturnValue:
    active = request.form.get("active") == "1"
    user = _user_or_404(user_id)
    _commit_or_flash(
        lambda s: service.set_active(s, signed_in_user(), user, active, now=clock.now()),
        _("%(name)s can sign in again.", name=user.display_name)
        if active
        else _("%(name)s can no longer sign in; their history stays.", name=user.display_name),
    )
    return redirect(referrer_target() or url_for("accounts.users"))


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
@allow(ADMIN)
@no_store
def reset_password(user_id: int) -> ResponseReturnValue:
    session = db.session()
    user = _user_or_404(user_id)
    password = service.reset_password(session, signed_in_user(), user, now=clock.now())
    session.commit()
    return render_template("accounts/password_shown.html", user=user, password=password)


# ---- bulk import -----------------------------------------------------------------------------


@bp.route("/admin/users/import", methods=["GET", "POST"])
@allow(ADMIN)
def import_users() -> ResponseReturnValue:
    form = ImportUploadForm()
    if form.validate_on_submit():
        return _preview(stage_upload(form.file.data), create_branches=False)
    return render_template("accounts/import_upload.html", form=form)


def _preview(token: str, *, create_branches: bool) -> ResponseReturnValue:
    staged = staged_upload(token)
    if staged is None:
        return redirect(url_for("accounts.import_users"))
    plan = user_import.plan_import(
        db.session(), staged.filename, staged.data, create_branches=create_branches
    )
    confirm = ImportConfirmForm(token=token, create_branches=create_branches)
    return render_template(
        "accounts/import_preview.html",
        plan=plan,
        confirm=confirm,
        filename=staged.filename,
        role_labels=ROLE_LABELS,
    )


@bp.route("/admin/users/import/confirm", methods=["POST"])
@allow(ADMIN)
@no_store
def confirm_import() -> ResponseReturnValue:
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    session = db.session()
    token = filled(form.token)
    staged = staged_upload(token)
    if staged is None:
        return redirect(url_for("accounts.import_users"))
    plan = user_import.plan_import(
        session, staged.filename, staged.data, create_branches=form.create_branches.data
    )
    if request.form.get("action") == "recheck" or not plan.ok:
        return _preview(token, create_branches=form.create_branches.data)
    result = user_import.apply_import(session, signed_in_user(), plan, now=clock.now())
    session.delete(staged)
    session.commit()
    return render_template("accounts/import_done.html", result=result)


@bp.route("/admin/users/import/template.xlsx")
@allow(ADMIN)
def import_template() -> Response:
    return Response(
        user_import.template_workbook(),
        mimetype=XLSX,
        headers={"Content-Disposition": "attachment; filename=users-template.xlsx"},
    )


@bp.route("/admin/users/import/passwords.xlsx", methods=["POST"])
@allow(ADMIN)
@no_store
def import_passwords() -> Response:
    # The passwords travel back from the page that showed them once; the server keeps no copy.
    rows = list(
        zip(
            request.form.getlist("username"),
            request.form.getlist("name"),
            request.form.getlist("password"),
            strict=False,
        )
    )
    return Response(
        user_import.passwords_workbook(rows),
        mimetype=XLSX,
        headers={"Content-Disposition": "attachment; filename=initial-passwords.xlsx"},
    )


# ---- audit log -------------------------------------------------------------------------------


def _local_day(value: str | None) -> datetime | None:
    try:
        day = datetime.strptime(value or "", "%Y-%m-%d")
    except ValueError:
        return None
    if not datetime.min.year < day.year < datetime.max.year:  # would overflow, moved to UTC or a day on
        return None
    return day.replace(tzinfo=clock.local_zone())


@bp.route("/admin/audit")
@allow(ADMIN)
def audit() -> ResponseReturnValue:
    session = db.session()
    since = _local_day(request.args.get("since"))
    until = _local_day(request.args.get("until"))
    page = service.list_audit(
        session,
        actor=request.args.get("actor", ""),
        action=request.args.get("action", ""),
        since=since,
        until=until + timedelta(days=1) if until else None,
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "accounts/audit.html",
        page=page,
        actions=service.audit_actions(session),
        action_label=audit_text.action_label,
        describe=audit_text.Describer(session, page.items),
    )
