"""The year plan (年度党建工作计划表): every ISO week and every month of a year at one level (the
whole organisation's plans, or one 党支部's) with its plans, their items and how far the people
they are meant for have done them.

Completion is counted for the items people see (their plan has appeared): done / expected, where
expected is the active people an item is meant for (as service.for_person decides it: named, in a
branch named, or, for an item without audience, covered by its plan; and joined by its due time)
and done those of them who have done it. It is read in a fixed number of queries whatever the
number of plans, items and people: when each active person joined, by branch (counted against each
due time in memory), done per item and branch, and the few people named one by one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from studyhall import clock
from studyhall.accounts.levels import Tree
from studyhall.accounts.models import Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.plans import dates, kinds, service
from studyhall.plans.models import (
    ItemAudience,
    Plan,
    PlanItem,
    PlanPeriod,
    PlanStatus,
    Progress,
    ProgressState,
)
from studyhall.tabular import Sheet, xlsx_bytes


def weeks_in(year: int) -> int:
    """52 or 53: 28 December always lies in the year's last ISO week."""
    return date(year, 12, 28).isocalendar().week


def week_monday(year: int, number: int) -> date:
    return date.fromisocalendar(year, number, 1)


def week_month(monday: date) -> int:
    """The month a week is listed under: its Thursday's, as ISO weeks belong to their Thursday's
    year (week 1 of 2026 starts on 29 December 2025 and is January's)."""
    return (monday + timedelta(days=3)).month


def check_year(year: int) -> int:
    if not dates.year_ok(year):
        raise DomainError(_("No such year."), ErrorCode.NOT_FOUND)
    return year


# ---- whose plans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """Whose plans a year plan shows: the whole organisation's (branch_id None) or a 党支部's."""

    branch_id: int | None
    name: str


def level_for(session: Session, actor: User, branch_id: int | None) -> Level:
    """The level if the actor may see it: the whole organisation or any 党支部 for administrators,
    their own 党支部 for a secretary; anything else (the 机关党委 itself, a 党小组: plans are never
    theirs) is not found."""
    mine = actor.role == Role.ADMIN or (
        actor.role == Role.SECRETARY and branch_id is not None and branch_id == actor.branch_id
    )
    if mine and service.is_level(session, branch_id):
        if branch_id is None:
            return Level(None, _("The whole organisation"))
        return Level(branch_id, Tree.read(session).names[branch_id])
    raise DomainError(_("No such year plan."), ErrorCode.NOT_FOUND)


def own_level(session: Session, actor: User) -> Level:
    """Where the year plan opens: the organisation's for administrators, a secretary's 党支部."""
    return level_for(session, actor, None if actor.role == Role.ADMIN else actor.branch_id)


def levels(session: Session, actor: User) -> list[Level]:
    """The levels the actor may choose among."""
    if actor.role != Role.ADMIN:
        return [own_level(session, actor)]
    return [Level(None, _("The whole organisation"))] + [
        Level(branch_id, name) for branch_id, name in service.levels(session)
    ]


def same_level(branch_id: int | None) -> ColumnElement[bool]:
    return Plan.branch_id.is_(None) if branch_id is None else Plan.branch_id == branch_id


def in_year(year: int) -> ColumnElement[bool]:
    """The plans of a year: its ISO weeks' and its months'."""
    first_monday = week_monday(year, 1)
    last_monday = week_monday(year, weeks_in(year))
    return or_(
        and_(Plan.period == PlanPeriod.WEEK, Plan.start.between(first_monday, last_monday)),
        and_(Plan.period == PlanPeriod.MONTH, Plan.start.between(date(year, 1, 1), date(year, 12, 1))),
    )


# ---- completion ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    done: int
    expected: int

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.done + other.done, self.expected + other.expected)

    @property
    def percent(self) -> int | None:
        """Rounded down, so 100 means everyone; None when nobody is expected yet."""
        return self.done * 100 // self.expected if self.expected else None


NONE = Rate(0, 0)


def total(rates: Iterable[Rate]) -> Rate:
    return sum(rates, NONE)


@dataclass
class ItemLine:
    item: PlanItem
    rate: Rate | None  # None: its plan has not appeared, so nobody is expected to do it yet


@dataclass
class PlanCell:
    plan: Plan
    appeared: bool
    items: list[ItemLine]

    @property
    def rate(self) -> Rate | None:
        if not self.appeared:
            return None
        return total(line.rate for line in self.items if line.rate is not None)


def _rate_of(cells: Iterable[PlanCell]) -> Rate | None:
    rates = [rate for cell in cells if (rate := cell.rate) is not None]
    return total(rates) if rates else None


@dataclass
class WeekRow:
    number: int
    monday: date
    plans: list[PlanCell] = field(default_factory=list)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def month(self) -> int:
        return week_month(self.monday)

    @property
    def rate(self) -> Rate | None:
        return _rate_of(self.plans)


@dataclass
class MonthRow:
    month: int
    first: date
    plans: list[PlanCell] = field(default_factory=list)
    weeks: list[WeekRow] = field(default_factory=list)

    @property
    def rate(self) -> Rate | None:
        """Of the month's own plans."""
        return _rate_of(self.plans)

    @property
    def weeks_rate(self) -> Rate | None:
        """Of its weeks' plans together: the month's summary of its weeks."""
        return _rate_of(cell for week in self.weeks for cell in week.plans)

    @property
    def weeks_planned(self) -> int:
        return sum(1 for week in self.weeks if week.plans)


@dataclass
class YearGrid:
    year: int
    level: Level
    weeks: list[WeekRow]
    months: list[MonthRow]

    @property
    def rate(self) -> Rate | None:
        return _rate_of(
            [*(c for w in self.weeks for c in w.plans), *(c for m in self.months for c in m.plans)]
        )


def year_grid(session: Session, actor: User, year: int, branch_id: int | None, *, now: datetime) -> YearGrid:
    """The year plan of a level as the actor may see it (level_for refuses the others)."""
    level = level_for(session, actor, branch_id)
    check_year(year)
    plans = list(
        session.scalars(
            select(Plan)
            .where(same_level(level.branch_id), in_year(year))
            .options(selectinload(Plan.items).selectinload(PlanItem.audience))
            .order_by(Plan.start, Plan.id)
        )
    )
    rates = _Completion(session, year, level.branch_id, now).rates(plans)
    weeks = [WeekRow(number, week_monday(year, number)) for number in range(1, weeks_in(year) + 1)]
    months = [MonthRow(month, date(year, month, 1)) for month in range(1, 13)]
    by_monday = {week.monday: week for week in weeks}
    for plan in plans:
        appeared = service.appeared(plan, now)
        cell = PlanCell(
            plan, appeared, [ItemLine(item, rates.get(item.id) if appeared else None) for item in plan.items]
        )
        if plan.period is PlanPeriod.WEEK:
            by_monday[plan.start].plans.append(cell)
        else:
            months[plan.start.month - 1].plans.append(cell)
    for week in weeks:
        months[week.month - 1].weeks.append(week)
    return YearGrid(year, level, weeks, months)


class _Completion:
    """Done and expected for every item of a year's appeared plans at a level, in four queries."""

    def __init__(self, session: Session, year: int, branch_id: int | None, now: datetime) -> None:
        self.session = session
        self.shown = and_(same_level(branch_id), in_year(year), service.visible(now))
        tree = Tree.read(session)
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for child, parent in tree.parent.items():
            self.children[parent].append(child)
        self._subtrees: dict[int, frozenset[int]] = {}

    def subtree(self, branch_id: int) -> frozenset[int]:
        if branch_id not in self._subtrees:
            found, stack = set(), [branch_id]
            while stack:
                current = stack.pop()
                if current not in found:
                    found.add(current)
                    stack.extend(self.children.get(current, []))
            self._subtrees[branch_id] = frozenset(found)
        return self._subtrees[branch_id]

    def rates(self, plans: list[Plan]) -> dict[int, Rate]:
        if not plans:
            return {}
        # When each active person joined, per branch (None: people in no branch, whom only
        # "everyone" includes), in order: those in time for a due time are counted by bisection.
        people: dict[int | None, list[datetime]] = defaultdict(list)
        for branch_id, created_at in self.session.execute(
            select(User.branch_id, User.created_at).where(User.active.is_(True)).order_by(User.created_at)
        ):
            people[branch_id].append(created_at)
        everyone = sorted(joined for joined_in in people.values() for joined in joined_in)
        done: dict[int, dict[int | None, int]] = defaultdict(dict)
        query = (
            select(Progress.item_id, User.branch_id, func.count())
            .join(User, User.id == Progress.user_id)
            .join(PlanItem, PlanItem.id == Progress.item_id)
            .join(Plan, Plan.id == PlanItem.plan_id)
            .where(
                self.shown,
                Progress.state == ProgressState.DONE,
                User.active.is_(True),
                service.joined_by(PlanItem.due_at),
            )
            .group_by(Progress.item_id, User.branch_id)
        )
        for item_id, branch_id, count in self.session.execute(query):
            done[item_id][branch_id] = count
        # People named one by one (few): whether each has done it, and their branch.
        named: dict[int, list[tuple[int | None, bool]]] = defaultdict(list)
        query_named = (
            select(ItemAudience.item_id, User.branch_id, Progress.state)
            .join(User, User.id == ItemAudience.user_id)
            .join(PlanItem, PlanItem.id == ItemAudience.item_id)
            .join(Plan, Plan.id == PlanItem.plan_id)
            .outerjoin(Progress, and_(Progress.item_id == ItemAudience.item_id, Progress.user_id == User.id))
            .where(self.shown, User.active.is_(True), service.joined_by(PlanItem.due_at))
        )
        for item_id, branch_id, state in self.session.execute(query_named):
            named[item_id].append((branch_id, state == ProgressState.DONE))
        people_in: dict[frozenset[int], list[datetime]] = {}
        found: dict[int, Rate] = {}
        for plan in plans:
            for item in plan.items:
                branches = self._audience(plan, item)
                item_done = done.get(item.id, {})
                if branches is None:
                    found[item.id] = Rate(sum(item_done.values()), bisect_right(everyone, item.due_at))
                    continue
                if branches not in people_in:
                    people_in[branches] = sorted(
                        joined for branch in branches for joined in people.get(branch, [])
                    )
                rate = Rate(
                    sum(count for branch, count in item_done.items() if branch in branches),
                    bisect_right(people_in[branches], item.due_at),
                )
                # Named people outside the branches named: counted once each.
                outside = [is_done for branch, is_done in named.get(item.id, []) if branch not in branches]
                found[item.id] = rate + Rate(sum(outside), len(outside))
        return found

    def _audience(self, plan: Plan, item: PlanItem) -> frozenset[int] | None:
        """The branches whose people an item is for (people named one by one apart); None: everyone
        (an item without audience in the organisation's plan)."""
        if item.audience:
            return frozenset(
                branch
                for member in item.audience
                if member.branch_id is not None
                for branch in self.subtree(member.branch_id)
            )
        if plan.branch_id is None:
            return None
        return self.subtree(plan.branch_id)


# ---- the .xlsx export ------------------------------------------------------------------------
# Its headers are the import's names (year_import.COLUMNS) where it has the same column.


def title(year_: int) -> str:
    return _("%(year)d Party building work plan", year=year_)


def _percent(rate: Rate | None) -> str:
    return "—" if rate is None or rate.percent is None else f"{rate.percent}%"


def _status(cell: PlanCell) -> str:
    if cell.appeared:
        return _("Status: published")
    if cell.plan.status is PlanStatus.SCHEDULED and cell.plan.publish_at is not None:
        local = cell.plan.publish_at.astimezone(clock.local_zone())
        return _("Scheduled for %(time)s", time=f"{local:%Y-%m-%d %H:%M}")
    return _("Status: draft")


def _kind(item: PlanItem) -> str:
    if item.meeting_kind is not None:
        return str(kinds.MEETING_LABELS[item.meeting_kind])
    return str(kinds.get(item.kind).label)


def _item_cells(line: ItemLine | None) -> tuple[object, ...]:
    if line is None:
        return ("", "", "", "", "")
    item = line.item
    due = item.due_at.astimezone(clock.local_zone())
    counted = "" if line.rate is None else f"{line.rate.done}/{line.rate.expected}"
    return (item.title, _kind(item), f"{due:%Y-%m-%d %H:%M}", item.points, counted)


def _plan_rows(
    first: tuple[object, ...], cells: list[PlanCell], after: tuple[object, ...]
) -> list[tuple[object, ...]]:
    """A period's rows: one per item (a plan without items, and a period without plans, on one)."""
    if not cells:
        return [(*first, "", "", "", *after, *_item_cells(None))]
    return [
        (*first, cell.plan.theme, _status(cell), _percent(cell.rate), *after, *_item_cells(line))
        for cell in cells
        for line in _lines(cell)
    ]


def _lines(cell: PlanCell) -> list[ItemLine | None]:
    return [*cell.items] or [None]


ITEM_HEADERS = ("内容", "形式", "完成时限", "分值", "已完成/应完成")


def export_workbook(grid: YearGrid) -> bytes:
    """The year plan as a workbook: a sheet of its weeks and one of its months."""
    heading = (f"{title(grid.year)}（{grid.level.name}）",)
    weeks: list[tuple[object, ...]] = [heading, ("周次", "日期", "主题", "状态", "完成率", *ITEM_HEADERS)]
    for week in grid.weeks:
        days = f"{week.monday.isoformat()}至{week.sunday.isoformat()}"
        weeks += _plan_rows((week.number, days), week.plans, ())
    months: list[tuple[object, ...]] = [
        heading,
        ("月份", "主题", "状态", "完成率", "各周完成率", *ITEM_HEADERS),
    ]
    for month in grid.months:
        months += _plan_rows((f"{month.month}月",), month.plans, (_percent(month.weeks_rate),))
    widths = dict(zip("ABCDEFGHIJ", (8, 24, 24, 12, 8, 36, 10, 16, 6, 12), strict=True))
    return xlsx_bytes(Sheet("每周计划", weeks, widths), Sheet("月度计划", months, widths))
