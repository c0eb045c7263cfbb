"""The calendar feed (public: its address is its credential) and the person's page that makes,
shows once, replaces and revokes that address."""

from __future__ import annotations

import hashlib
from http import HTTPStatus
from urllib.parse import urlsplit

import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from studyhall import clock, db
from studyhall.access import PUBLIC, SIGNED_IN, allow
from studyhall.accounts import signed_in_user
from studyhall.accounts.throttle import Throttled
from studyhall.errors import DomainError
from studyhall.headers import no_store
from studyhall.plans import calendars

bp = Blueprint("calendar", __name__)
# The address just made, kept in the signed session cookie from the POST to the page it redirects
# to, which shows it once and forgets it.
JUST_MADE = "calendar_token"


@bp.route("/calendar/<token>.ics")
@allow(PUBLIC)
def feed(token: str) -> ResponseReturnValue:
    db_session, now = db.session(), clock.now()
    try:
        found, person = calendars.open_feed(db_session, token, request.remote_addr or "", now=now)
    except Throttled as refused:
        return _refusal(429, {"Retry-After": str(refused.minutes * 60)})
    except DomainError:
        return _refusal(404)  # unknown, revoked or a person who left: all the same to the asker
    if calendars.note_read(found, now=now):
        db_session.commit()
    built = calendars.build(
        db_session,
        person,
        domain=urlsplit(request.host_url).hostname or "studyhall",
        item_url=lambda item_id: url_for("study.item", item_id=item_id, _external=True),
        now=now,
    )
    response = current_app.response_class(built.body, mimetype="text/calendar")
    response.set_etag(hashlib.sha256(built.body).hexdigest()[:32])
    # Asked about at every refresh and kept by nobody on the way. No Last-Modified: what a person
    # sees also changes without any of its items changing (a plan appears, the person changes
    # 党支部), which only the ETag, a hash of the whole feed, always tells.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response.make_conditional(request)


def _refusal(status: int, headers: dict[str, str] | None = None) -> ResponseReturnValue:
    """A calendar shows no page: a bare status, the same whatever the address, and no session
    cookie (an error page would start one for its CSRF token)."""
    return current_app.response_class(HTTPStatus(status).phrase, status, headers, mimetype="text/plain")


def _qr_code(url: str) -> Markup:
    # An inline SVG, as a screen's admin page draws one: the phone's camera opens the address.
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=2))  # noqa: S704  # segno's own markup of our URL


@bp.route("/study/calendar")
@allow(SIGNED_IN)
@no_store  # the page that shows the address must not stay in a cache
def page() -> ResponseReturnValue:
    user = signed_in_user()
    live = calendars.live(db.session(), user)
    token = session.pop(JUST_MADE, None)
    address = webcal = qr_code = None
    if live is not None and isinstance(token, str) and calendars.opens(live, token):
        address = url_for("calendar.feed", token=token, _external=True)
        webcal = "webcal://" + address.split("://", 1)[1]
        qr_code = _qr_code(webcal)
    return render_template("plans/calendar.html", live=live, address=address, webcal=webcal, qr_code=qr_code)


@bp.route("/study/calendar/new", methods=["POST"])
@allow(SIGNED_IN)
def new() -> ResponseReturnValue:
    db_session = db.session()
    replacing = calendars.live(db_session, signed_in_user()) is not None
    try:
        issued = calendars.issue(db_session, signed_in_user(), now=clock.now())
    except DomainError as refused:
        db_session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("calendar.page"))
    db_session.commit()
    session[JUST_MADE] = issued.token
    if replacing:
        flash(_("Your calendar has a new address; the old one no longer works."), "success")
    else:
        flash(_("Your calendar address is ready: subscribe to it now."), "success")
    return redirect(url_for("calendar.page"))


@bp.route("/study/calendar/revoke", methods=["POST"])
@allow(SIGNED_IN)
def revoke() -> ResponseReturnValue:
    db_session = db.session()
    if calendars.revoke(db_session, signed_in_user(), now=clock.now()):
        db_session.commit()
        flash(_("Your calendar address no longer works. Remove the subscription from your phone."), "success")
    return redirect(url_for("calendar.page"))
