"""What a person studies: a week of their items (this week's is on the home page), one item as its
kind shows it, and "我已学习". Anyone signed in studies: administrators and secretaries too, when an
item is meant for them."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from studyhall import clock, db
from studyhall.access import SIGNED_IN, allow
from studyhall.accounts import signed_in_user
from studyhall.errors import DomainError, ErrorCode
from studyhall.plans import dates, service
from studyhall.plans.models import Plan

bp = Blueprint("study", __name__, url_prefix="/study")


@bp.route("/")
@allow(SIGNED_IN)
def week() -> ResponseReturnValue:
    """A week by any day of it (?week=2026-04-13); this week without one; a day that is no date,
    or none the plans feature takes, is not found."""
    now = clock.now()
    today = service.local_today(now)
    day = dates.day_arg(request.args["week"]) if request.args.get("week") else today
    if day is None:
        abort(404)
    shown = service.study_week(db.session(), signed_in_user(), day, now=now)
    return render_template("plans/week.html", week=shown, now=now, today=today)


@bp.route("/items/<int:item_id>")
@allow(SIGNED_IN)
def item(item_id: int) -> ResponseReturnValue:
    now = clock.now()
    try:
        mine = service.item_for(db.session(), signed_in_user(), item_id, now=now)
    except DomainError:
        abort(404)
    return render_template("plans/item.html", mine=mine, now=now, week_url=_week_url(mine.plan, now))


@bp.route("/items/<int:item_id>/done", methods=["POST"])
@allow(SIGNED_IN)
def done(item_id: int) -> ResponseReturnValue:
    session, now = db.session(), clock.now()
    try:
        completion = service.report_done(session, signed_in_user(), item_id, now=now)
    except DomainError as error:
        session.rollback()
        if error.code is ErrorCode.NOT_FOUND:
            abort(404)
        flash(error.message, "error")
        return redirect(url_for("study.item", item_id=item_id))
    session.commit()
    if not completion.first:
        flash(_("You had done this already: its points were given then."), "info")
    elif completion.points:
        flash(_("Done: %(n)d points.", n=completion.points), "info")
    else:
        flash(_("Done."), "info")
    return redirect(_week_url(service.item_for(session, signed_in_user(), item_id, now=now).plan, now))


def _week_url(plan: Plan, now: datetime) -> str:
    """Where the plan's items are listed: the home page while it runs, else its week's page."""
    if plan.start <= service.local_today(now) <= service.period_end(plan.period, plan.start):
        return url_for("home.index", _anchor="study")
    return url_for("study.week", week=plan.start.isoformat())
