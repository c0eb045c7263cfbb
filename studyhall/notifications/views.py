"""A person's notifications: the list, opening one (which marks it read), marking read."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from studyhall import clock, db
from studyhall.access import SIGNED_IN, allow, local_target
from studyhall.accounts import signed_in_user
from studyhall.errors import DomainError
from studyhall.notifications import service
from studyhall.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def _list_url() -> str:
    """Back to the list at the page the form was sent from."""
    page = request.form.get("page", type=int)
    return url_for("notifications.index", page=page) if page and page > 1 else url_for("notifications.index")


def _read_or_404(notification_id: int) -> Notification:
    try:
        return service.mark_read(db.session(), signed_in_user().id, notification_id, now=clock.now())
    except DomainError:
        abort(404)


@bp.route("/")
@allow(SIGNED_IN)
def index() -> ResponseReturnValue:
    page = service.page_of(db.session(), signed_in_user().id, page=request.args.get("page", 1, type=int))
    return render_template("notifications/index.html", page=page)


@bp.route("/<int:notification_id>")
@allow(SIGNED_IN)
def open_link(notification_id: int) -> ResponseReturnValue:
    """Follow a notification's link; it is read from then on."""
    found = _read_or_404(notification_id)
    db.session().commit()
    return redirect(local_target(found.link) or url_for("notifications.index"))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@allow(SIGNED_IN)
def read(notification_id: int) -> ResponseReturnValue:
    _read_or_404(notification_id)
    db.session().commit()
    return redirect(_list_url())


@bp.route("/read", methods=["POST"])
@allow(SIGNED_IN)
def read_all() -> ResponseReturnValue:
    session = db.session()
    marked = service.mark_all_read(session, signed_in_user().id, now=clock.now())
    session.commit()
    if marked:
        flash(_("%(n)d notifications marked read.", n=marked), "info")
    return redirect(_list_url())
