"""错题热度: the questions most often answered wrong, for a secretary's own 党支部 and for
administrators (the whole organisation or any 党支部), as plans.progress.scope_for decides: any
other branch is not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from studyhall import clock, db
from studyhall.access import allow
from studyhall.accounts import levels, signed_in_user
from studyhall.accounts.models import Role
from studyhall.errors import DomainError
from studyhall.headers import attachment
from studyhall.inputs import row_id
from studyhall.pagination import of_list
from studyhall.plans import progress
from studyhall.practice import reports, service

bp = Blueprint("practice_reports", __name__, url_prefix="/practice/reports")
VIEWERS = (Role.ADMIN, Role.SECRETARY)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Chosen:
    scope: progress.Scope
    period: reports.HeatPeriod
    start: datetime | None  # the period's first local midnight; None: all time
    today: date
    found: list[reports.CategoryHeat]

    @property
    def first(self) -> str | None:
        return self.start.date().isoformat() if self.start else None

    @property
    def days(self) -> str:
        """The days the list covers, as the page and the export's file name say them."""
        today = self.today.isoformat()
        return (
            _("%(first)s to %(last)s", first=self.first, last=today)
            if self.first
            else _("until %(day)s", day=today)
        )

    def args(self) -> dict[str, str]:
        """What links to the same list (its pages, its export) carry."""
        args = {"period": self.period.value}
        if self.scope.branch_id is not None:
            args["branch"] = str(self.scope.branch_id)
        return args


def _chosen() -> Chosen:
    session = db.session()
    try:
        scope = progress.scope_for(session, signed_in_user(), row_id(request.args.get("branch")))
    except DomainError:
        abort(404)
    asked = request.args.get("period", "")
    period = reports.HeatPeriod(asked) if asked in set(reports.HeatPeriod) else reports.HeatPeriod.ALL
    now = clock.now()
    start = reports.since(period, now)
    found = reports.heat(session, scope.branch_ids, start=start)
    if signed_in_user().role != Role.ADMIN:  # a secretary sits tests too; administrators set them
        found = reports.hide_held(session, found, now=now)
    return Chosen(scope, period, start, service.today(now), found)


@bp.route("/heat")
@allow(*VIEWERS)
def heat() -> ResponseReturnValue:
    chosen = _chosen()
    tree = levels.Tree.read(db.session())
    return render_template(
        "practice/heat.html",
        chosen=chosen,
        page=of_list(chosen.found, request.args.get("page", 1, type=int), reports.PER_PAGE),
        period_labels=reports.PERIOD_LABELS,
        category_name=reports.category_name,
        held_stem=reports.held_stem,
        branch_choices=[(unit, tree.names[unit]) for unit in tree.branches]
        if signed_in_user().role == Role.ADMIN
        else [],
    )


@bp.route("/heat/export.xlsx")
@allow(*VIEWERS)
def heat_export() -> ResponseReturnValue:
    chosen = _chosen()
    data = reports.export(chosen.found)
    # The days in the name: a file saved this week and one saved next week are told apart.
    fallback = (
        f"heat-{chosen.scope.branch_id or 'all'}-{chosen.first or 'start'}-{chosen.today.isoformat()}.xlsx"
    )
    filename = _("Most-wrong questions %(scope)s %(days)s.xlsx", scope=chosen.scope.name, days=chosen.days)
    return attachment(data, XLSX, filename, fallback)
