"""学习进度: a plan's progress per 党支部 for its secretary, per 党支部 or for the whole organisation
for administrators (progress.scope_for: anything else is not found), sorted by the column asked
for, exported to .xlsx, and the people behind reminded with one click."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from studyhall import clock, db
from studyhall.access import allow
from studyhall.accounts import levels, signed_in_user
from studyhall.accounts.models import Role
from studyhall.errors import DomainError
from studyhall.headers import attachment
from studyhall.inputs import row_id
from studyhall.plans import dates, progress, reminders
from studyhall.plans import service as plans
from studyhall.plans.models import Plan, PlanPeriod

bp = Blueprint("progress", __name__, url_prefix="/plans/progress")
VIEWERS = (Role.ADMIN, Role.SECRETARY)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {"state_labels": progress.STATE_LABELS, "period_end": plans.period_end}


@dataclass(frozen=True)
class Chosen(plans.Weekdays):
    scope: progress.Scope
    plans: list[Plan]  # the week's plans for the scope
    plan: Plan | None  # the one shown: asked for, or the week's first


def _chosen(now: datetime) -> Chosen:
    """The scope, week and plan the query string asks for; anything the actor may not see is a 404."""
    session = db.session()
    try:
        scope = progress.scope_for(session, signed_in_user(), row_id(request.args.get("branch")))
        plan_id = row_id(request.args.get("plan"))
        plan = progress.plan_in(session, scope, plan_id, now=now) if plan_id else None
    except DomainError:
        abort(404)
    week = request.args.get("week")
    day = dates.day_arg(week) if week else plan.start if plan else plans.local_today(now)
    if day is None:
        abort(404)  # no date, or none the plans feature takes
    monday = plans.period_start(PlanPeriod.WEEK, day)
    found = progress.week_plans(session, scope, monday, now=now)
    if plan is not None and plan not in found:
        found.append(plan)  # a month's plan asked for from a week of another month
    return Chosen(monday, scope, found, plan or (found[0] if found else None))


def _sort() -> tuple[str, bool]:
    sort = request.args.get("sort", progress.DEFAULT_SORT)
    return (sort if sort in progress.SORTS else progress.DEFAULT_SORT), request.args.get("dir") == "desc"


def _args(chosen: Chosen) -> dict[str, str]:
    """What links to the same table (its sorts, pages, export, week) carry."""
    args = {"week": chosen.monday.isoformat()}
    if chosen.scope.branch_id is not None:
        args["branch"] = str(chosen.scope.branch_id)
    if chosen.plan is not None:
        args["plan"] = str(chosen.plan.id)
    return args


@bp.route("/")
@allow(*VIEWERS)
def index() -> ResponseReturnValue:
    session, now = db.session(), clock.now()
    chosen = _chosen(now)
    sort, descending = _sort()
    found = (
        progress.table(session, chosen.scope, chosen.plan, now=now, sort=sort, descending=descending)
        if chosen.plan
        else None
    )
    tree = levels.Tree.read(session)
    return render_template(
        "plans/progress.html",
        chosen=chosen,
        table=found,
        page=found.page(request.args.get("page", 1, type=int)) if found else None,
        sort=sort,
        descending=descending,
        args=_args(chosen),
        branch_choices=[(unit, tree.names[unit]) for unit in tree.branches]
        if signed_in_user().role == Role.ADMIN
        else [],
        now=now,
    )


@bp.route("/export.xlsx")
@allow(*VIEWERS)
def export() -> ResponseReturnValue:
    now = clock.now()
    chosen = _chosen(now)
    if chosen.plan is None:  # an old link, or a week's plan gone back to draft
        flash(_("No study plan has been published for this week."), "info")
        return redirect(
            url_for("progress.index", week=chosen.monday.isoformat(), branch=chosen.scope.branch_id)
        )
    sort, descending = _sort()
    found = progress.table(db.session(), chosen.scope, chosen.plan, now=now, sort=sort, descending=descending)
    sheet = progress.export(found)
    return attachment(sheet.data, XLSX, sheet.filename, sheet.fallback)


@bp.route("/remind", methods=["POST"])
@allow(*VIEWERS)
def remind() -> ResponseReturnValue:
    session = db.session()
    plan_id = row_id(request.form.get("plan"))
    branch_id = row_id(request.form.get("branch"))
    if plan_id is None:
        abort(404)
    try:
        done = reminders.remind_behind(session, signed_in_user(), plan_id, branch_id, now=clock.now())
    except DomainError:
        abort(404)
    session.commit()
    if not done.behind:
        flash(_("Nobody is behind on this plan."), "info")
    elif not done.reminded:
        flash(
            _("Everyone behind had been reminded of this plan today already; nobody was reminded again."),
            "info",
        )
    else:
        flash(_("Reminded %(n)d people.", n=done.reminded), "info")
        if done.behind > done.reminded:
            flash(
                _("%(n)d had been reminded of this plan today already.", n=done.behind - done.reminded),
                "info",
            )
    # Back to the table as it was sorted (url_for leaves out what is None).
    return redirect(
        url_for(
            "progress.index",
            plan=plan_id,
            branch=branch_id,
            sort=request.form.get("sort") or None,
            dir=request.form.get("dir") or None,
        )
    )
