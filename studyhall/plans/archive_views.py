"""我的学习档案 pages: a person's own, and (for a secretary or an administrator) one of the people
they answer for; printable on A4."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from studyhall import clock, db
from studyhall.access import SIGNED_IN, allow
from studyhall.accounts import signed_in_user
from studyhall.errors import DomainError
from studyhall.plans import archive, dates

bp = Blueprint("archive", __name__, url_prefix="/study/archive")


@bp.route("/")
@allow(SIGNED_IN)
def mine() -> ResponseReturnValue:
    return _page(signed_in_user().id)


@bp.route("/<int:user_id>")
@allow(SIGNED_IN)
def person(user_id: int) -> ResponseReturnValue:
    return _page(user_id)


def _page(user_id: int) -> ResponseReturnValue:
    """The record for ?year=2026, this year without one; a year that is no year is not found."""
    session, now, actor = db.session(), clock.now(), signed_in_user()
    year = dates.year_arg(request.args["year"]) if request.args.get("year") else archive.this_year(now)
    if year is None:
        abort(404)
    try:
        record = archive.archive(session, actor, user_id, year, now=now)
    except DomainError:
        abort(404)
    return render_template(
        "plans/archive.html",
        record=record,
        own=record.person.id == actor.id,
        years=archive.years(record.person, record.year, now=now),
        printed=now,
        entry_kinds=archive.EntryKind,
    )
