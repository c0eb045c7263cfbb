"""练习设置: administrators open banks to practice and build the weekly and topic sets."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from studyhall import clock, db
from studyhall.access import allow
from studyhall.accounts import signed_in_user
from studyhall.accounts.models import Role
from studyhall.banks.models import Bank
from studyhall.errors import DomainError
from studyhall.practice import service, sets, setup
from studyhall.practice.forms import SetForm
from studyhall.practice.models import PracticeSet, SetKind
from studyhall.questions import types

bp = Blueprint("practice_admin", __name__, url_prefix="/admin/practice")
ADMIN = Role.ADMIN


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {
        "kind_labels": sets.KIND_LABELS,
        "type_labels": types.LABELS,
        "key_text": lambda question: types.get(question.type).answer_text(question.answer),
        "set_status_labels": {
            sets.SetStatus.DRAFT: _("Draft"),
            sets.SetStatus.UPCOMING: _("Upcoming"),
            sets.SetStatus.OPEN: _("Open"),
            sets.SetStatus.ENDED: _("Ended"),
        },
    }


def _bank_or_404(bank_id: int) -> Bank:
    try:
        return setup.bank_or_error(db.session(), bank_id)
    except DomainError:
        abort(404)


def _set_or_404(set_id: int) -> PracticeSet:
    try:
        return sets.set_or_error(db.session(), set_id)
    except DomainError:
        abort(404)


# ---- banks -----------------------------------------------------------------------------------


@bp.route("/")
@allow(ADMIN)
def index() -> ResponseReturnValue:
    session = db.session()
    return render_template(
        "practice/admin_index.html",
        banks=setup.banks(session),
        held=setup.held_by_bank(session, now=clock.now()),
    )


@bp.route("/banks/<int:bank_id>/open", methods=["GET", "POST"])
@allow(ADMIN)
def open_bank(bank_id: int) -> ResponseReturnValue:
    """POST opens the bank, or asks to confirm (a redirect here: a reload of the question is a GET);
    GET asks, listing the tests still to come that draw on it."""
    session = db.session()
    bank = _bank_or_404(bank_id)
    if request.method == "GET":
        tests = setup.tests_to_come(session, bank, now=clock.now())
        return render_template("practice/admin_confirm.html", bank=bank, tests=tests)
    try:
        setup.open_bank(
            session, signed_in_user(), bank, confirmed=request.form.get("confirmed") == "1", now=clock.now()
        )
    except setup.ConfirmNeeded:
        session.rollback()
        return redirect(url_for("practice_admin.open_bank", bank_id=bank.id))
    session.commit()
    flash(_("%(bank)s is open for practice.", bank=bank.name), "info")
    return redirect(url_for("practice_admin.index"))


@bp.route("/banks/<int:bank_id>/close", methods=["POST"])
@allow(ADMIN)
def close_bank(bank_id: int) -> ResponseReturnValue:
    session = db.session()
    bank = _bank_or_404(bank_id)
    setup.close_bank(session, signed_in_user(), bank, now=clock.now())
    session.commit()
    flash(_("%(bank)s is closed to practice.", bank=bank.name), "info")
    return redirect(url_for("practice_admin.index"))


# ---- sets ------------------------------------------------------------------------------------


@bp.route("/sets")
@allow(ADMIN)
def set_list() -> ResponseReturnValue:
    session = db.session()
    return render_template(
        "practice/admin_sets.html",
        page=sets.listing(session, request.args.get("page", 1, type=int)),
        today=service.today(clock.now()),
        status=sets.status,
    )


@bp.route("/sets/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_set() -> ResponseReturnValue:
    return _form(None)


@bp.route("/sets/<int:set_id>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit_set(set_id: int) -> ResponseReturnValue:
    return _form(_set_or_404(set_id))


def _form(found: PracticeSet | None) -> ResponseReturnValue:
    session, now = db.session(), clock.now()
    form = SetForm()
    form.set_banks(setup.banks(session))
    if request.method == "GET":
        if found is not None:
            form.fill(found)
        else:
            form.kind.data = SetKind.WEEKLY.value
            form.first_day.data, form.last_day.data = sets.this_week(service.today(now))
    problem = None
    if form.validate_on_submit():
        try:
            saved = sets.save(
                session, signed_in_user(), form.to_spec(), set_id=found.id if found else None, now=now
            )
        except DomainError as error:
            session.rollback()
            problem = error
            if isinstance(error, sets.SetError):
                for name, reason in error.problems.items():
                    form[name].errors.append(reason)
        else:
            session.commit()
            flash(_("Practice set saved."), "info")
            return redirect(url_for("practice_admin.set_detail", set_id=saved.id))
    page = render_template(
        "practice/admin_set_form.html",
        form=form,
        found=found,
        problem=problem,
        begun=found is not None and sets.begun(session, found),
        categories=sets.categories_by_bank(session),
        tests=setup.tests_asking(session, set(found.lineages), now=now) if found else [],
    )
    return page, 422 if request.method == "POST" else 200  # a POST that gets here saved nothing


@bp.route("/sets/<int:set_id>")
@allow(ADMIN)
def set_detail(set_id: int) -> ResponseReturnValue:
    session, now = db.session(), clock.now()
    found = _set_or_404(set_id)
    return render_template(
        "practice/admin_set.html",
        found=found,
        status=sets.status(found, service.today(now)),
        questions=sets.questions(session, found),
        bank_names=sets.bank_names(session, found),
        begun=sets.begun(session, found),
        tests=setup.tests_asking(session, set(found.lineages), now=now),
    )


@bp.route("/sets/<int:set_id>/redraw", methods=["POST"])
@allow(ADMIN)
def redraw_set(set_id: int) -> ResponseReturnValue:
    session = db.session()
    found = _set_or_404(set_id)
    try:
        sets.redraw(session, signed_in_user(), found, now=clock.now())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        flash(_("Questions drawn again."), "info")
    return redirect(url_for("practice_admin.set_detail", set_id=set_id))


@bp.route("/sets/<int:set_id>/publish", methods=["POST"])
@allow(ADMIN)
def publish_set(set_id: int) -> ResponseReturnValue:
    session = db.session()
    try:
        sets.publish(session, signed_in_user(), _set_or_404(set_id), now=clock.now())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        flash(_("Practice set published: cadres see it from its first day."), "info")
    return redirect(url_for("practice_admin.set_detail", set_id=set_id))


@bp.route("/sets/<int:set_id>/unpublish", methods=["POST"])
@allow(ADMIN)
def unpublish_set(set_id: int) -> ResponseReturnValue:
    session = db.session()
    found = _set_or_404(set_id)
    people = sets.people_begun(session, found)
    if found.published_at and people and request.form.get("confirmed") != "1":
        # Those part-way through could no longer finish: say so before doing it.
        return render_template("practice/admin_unpublish_confirm.html", found=found, people=people)
    sets.unpublish(session, signed_in_user(), found, now=clock.now())
    session.commit()
    flash(_("Practice set back to draft: nobody can start it or answer in it."), "info")
    return redirect(url_for("practice_admin.set_detail", set_id=set_id))
