"""The screen itself (public: its address is its credential) and the administrators' register."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from studyhall import clock, db
from studyhall.access import PUBLIC, allow
from studyhall.accounts import signed_in_user
from studyhall.accounts.models import Role
from studyhall.display import service
from studyhall.display.forms import PRIVACY_LABELS, DisplayForm
from studyhall.display.models import Display, Privacy
from studyhall.display.panels import PANELS
from studyhall.errors import DomainError, ErrorCode
from studyhall.forms import filled, number

bp = Blueprint("display", __name__)


def _not_registered(*, as_json: bool) -> ResponseReturnValue:
    message = _("This screen is not registered.")
    if as_json:
        return jsonify(code=ErrorCode.NOT_FOUND, message=message), 404
    return render_template("display/unknown.html", message=message), 404


@bp.route("/display/<token>")
@allow(PUBLIC)
def screen(token: str) -> ResponseReturnValue:
    display = service.by_token(db.session(), token)
    if display is None:
        return _not_registered(as_json=False)
    response = current_app.make_response(
        render_template(
            "display/screen.html",
            display=display,
            version=service.app_version(),
            poll_seconds=current_app.config["DISPLAY_POLL_SECONDS"],
            zone=clock.local_zone().key,
        )
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/display/<token>/data.json")
@allow(PUBLIC)
def data(token: str) -> ResponseReturnValue:
    session = db.session()
    now = clock.now()
    key = service.board_key(session, token, now=now)
    known = service.known_etag(key) if key is not None else None
    response: WerkzeugResponse
    if key is not None and known is not None and known in request.if_none_match:
        response = current_app.response_class(status=304)  # nothing moved: no board built
        response.set_etag(known)
    else:
        display = service.by_token(session, token)
        if display is None or key is None:
            return _not_registered(as_json=True)
        payload = service.board(session, display, now=now)
        response = jsonify(payload)
        tag = service.etag(payload)
        service.remember_etag(key, tag)
        response.set_etag(tag)
        response = response.make_conditional(request)
    # Kept, but asked about every time: an unchanged board then costs a 304 and no body.
    response.headers["Cache-Control"] = "no-cache"
    return response


# ---- administrators ----------------------------------------------------------------------------


def address(display: Display) -> str:
    return url_for("display.screen", token=display.token, _external=True)


def _qr_code(url: str) -> Markup:
    # An inline SVG (no style attribute, so the CSP holds): a phone at the TV opens the address.
    return Markup(segno.make(url, error="m").svg_inline(scale=5, border=2))  # noqa: S704  # segno's own markup of our URL


def _spec(form: DisplayForm) -> service.ScreenSpec:
    return service.ScreenSpec(
        name=filled(form.name),
        panels=form.chosen_panels(),
        rotate_seconds=number(form.rotate_seconds),
        privacy=Privacy(form.privacy.data),
        notice=form.notice.data or "",
    )


@bp.route("/admin/displays/")
@allow(Role.ADMIN)
def admin_index() -> str:
    return render_template(
        "display/admin_index.html", screens=service.screens(db.session()), address=address, panels=PANELS
    )


@bp.route("/admin/displays/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def register() -> ResponseReturnValue:
    form = DisplayForm()
    if request.method == "GET":
        form.panel_fields()[0].data = 1
    elif form.validate_on_submit():
        session = db.session()
        try:
            display = service.register(session, signed_in_user(), _spec(form), now=clock.now())
        except DomainError as refused:
            flash(refused.message, "error")
        else:
            session.commit()
            flash(
                _("Screen “%(name)s” registered: open its address on the TV.", name=display.name), "success"
            )
            return redirect(url_for("display.edit", display_id=display.id))
    return render_template("display/form.html", form=form, display=None, privacy_labels=PRIVACY_LABELS)


def _display_or_404(display_id: int) -> Display:
    try:
        return service.get_or_error(db.session(), display_id)
    except DomainError:
        abort(404)


@bp.route("/admin/displays/<int:display_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit(display_id: int) -> ResponseReturnValue:
    display = _display_or_404(display_id)
    form = DisplayForm() if request.method == "POST" else DisplayForm.of(display)
    if request.method == "POST" and form.validate_on_submit():
        session = db.session()
        try:
            service.update(session, signed_in_user(), display_id, _spec(form), now=clock.now())
        except DomainError as refused:
            flash(refused.message, "error")
        else:
            session.commit()
            flash(
                _("Screen “%(name)s” saved; it shows the change at its next update.", name=display.name),
                "success",
            )
            return redirect(url_for("display.edit", display_id=display_id))
    url = address(display)
    return render_template(
        "display/form.html",
        form=form,
        display=display,
        address=url,
        qr_code=_qr_code(url) if display.revoked_at is None else None,
        privacy_labels=PRIVACY_LABELS,
    )


@bp.route("/admin/displays/<int:display_id>/revoke", methods=["POST"])
@allow(Role.ADMIN)
def revoke(display_id: int) -> ResponseReturnValue:
    _display_or_404(display_id)
    session = db.session()
    display = service.revoke(session, signed_in_user(), display_id, now=clock.now())
    session.commit()
    flash(_("Screen “%(name)s” revoked: its address no longer works.", name=display.name), "success")
    return redirect(url_for("display.edit", display_id=display_id))


@bp.route("/admin/displays/<int:display_id>/address", methods=["POST"])
@allow(Role.ADMIN)
def new_address(display_id: int) -> ResponseReturnValue:
    _display_or_404(display_id)
    session = db.session()
    display = service.new_address(session, signed_in_user(), display_id, now=clock.now())
    session.commit()
    flash(
        _("Screen “%(name)s” has a new address; the old one no longer works.", name=display.name), "success"
    )
    return redirect(url_for("display.edit", display_id=display_id))
