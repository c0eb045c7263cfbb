"""Who has done what of a plan: the progress table secretaries (their own 党支部) and administrators
(any 党支部, or the whole organisation) read, sort and export, and who is behind on it.

A person is behind on an item of theirs that they have not done, whether or not it is due yet
(overdue ones, past their due time, are marked apart). excused() is the one place that takes an
item off someone's list without their doing it; the table, the reminders on a click and the sweep
before due times (plans.reminders) all ask it. Someone absent (缺席) from an item's meeting is behind,
as they did not do it, and overdue once its due time has passed like anyone who has not done an
item, but is never reminded: the meeting is over.

Built in three queries whatever the size — the plan's items with their audience, the people in
scope, their progress rows on those items — and put together in memory: 1,000 people × 20 items
is 20,000 small tuples, and every count and sort needs them all.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, false, or_, select, true
from sqlalchemy.orm import Session, selectinload

from studyhall.accounts import levels, names
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.pagination import Page, of_list
from studyhall.plans import kinds
from studyhall.plans import service as plans
from studyhall.plans.models import Plan, PlanItem, PlanPeriod, Progress, ProgressState
from studyhall.tabular import Sheet, xlsx_bytes

PER_PAGE = 50


class CellState(enum.StrEnum):
    DONE = "done"
    STARTED = "started"  # opened, reading time counting, a reflection drafted; not yet due
    NOT_STARTED = "not_started"  # not yet due
    OVERDUE = "overdue"  # past its due time and not done, started or not
    EXCUSED = "excused"  # see excused()
    ABSENT = "absent"  # 缺席 from the item's meeting: not done, and over
    NOT_THEIRS = "not_theirs"  # the item is not meant for this person


BEHIND = (CellState.STARTED, CellState.NOT_STARTED, CellState.OVERDUE, CellState.ABSENT)
# Behind on what they can still do: what a reminder names.
TO_REMIND = (CellState.STARTED, CellState.NOT_STARTED, CellState.OVERDUE)
STATE_LABELS = {
    CellState.DONE: _l("Done"),
    CellState.STARTED: _l("Started, not done"),
    CellState.NOT_STARTED: _l("Not started"),
    CellState.OVERDUE: _l("Overdue"),
    CellState.EXCUSED: _l("Excused"),
    CellState.ABSENT: _l("Absent"),
    CellState.NOT_THEIRS: _l("Not for them"),
}


def excused(session: Session, items: Sequence[PlanItem], user_ids: Collection[int]) -> set[tuple[int, int]]:
    """The (item id, person id) pairs among these that count neither as done nor as behind: the
    person is not reminded and the table shows them excused — those on leave (请假) from the
    meeting of a meeting item, as its 三会一课 record says (plans.meetings)."""
    if not items:
        return set()
    wanted = set(user_ids)
    rows = session.execute(
        select(Progress.item_id, Progress.user_id).where(
            Progress.item_id.in_([item.id for item in items]), Progress.state == ProgressState.EXCUSED
        )
    )
    return {(item_id, user_id) for item_id, user_id in rows if user_id in wanted}


# ---- who an item is for ----------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """An item's people, as plans.service.for_person decides them, over the whole organisation:
    everyone (an organisation's item without audience), the people of some branches (each with the
    branches below it) and people named; of them, those who joined by its due time."""

    everyone: bool
    branch_ids: frozenset[int]
    user_ids: frozenset[int]
    due_at: datetime

    def includes(self, user_id: int, branch_id: int | None, created_at: datetime) -> bool:
        return plans.joined_in_time(created_at, self.due_at) and (
            self.everyone or branch_id in self.branch_ids or user_id in self.user_ids
        )

    def condition(self) -> ColumnElement[bool]:
        """The same, as a condition on User."""
        if self.everyone:
            return plans.joined_by(self.due_at)
        return and_(
            plans.joined_by(self.due_at),
            or_(
                User.branch_id.in_(self.branch_ids) if self.branch_ids else false(),
                User.id.in_(self.user_ids) if self.user_ids else false(),
            ),
        )


def audience_of(item: PlanItem, plan: Plan, below: Callable[[int], set[int]]) -> Audience:
    named_branches = [member.branch_id for member in item.audience if member.branch_id is not None]
    named_people = frozenset(member.user_id for member in item.audience if member.user_id is not None)
    if item.audience:
        branches = frozenset().union(*(below(branch_id) for branch_id in named_branches))
        return Audience(False, branches, named_people, item.due_at)
    if plan.branch_id is None:
        return Audience(True, frozenset(), frozenset(), item.due_at)
    return Audience(False, frozenset(below(plan.branch_id)), frozenset(), item.due_at)


def state_of(
    due_at: datetime, progress: tuple[ProgressState, datetime | None] | None, *, excused: bool, now: datetime
) -> CellState:
    if progress is not None and progress[0] is ProgressState.DONE:
        return CellState.DONE
    if progress is not None and progress[0] is ProgressState.ABSENT:
        return CellState.ABSENT
    if excused:
        return CellState.EXCUSED
    if due_at < now:
        return CellState.OVERDUE
    return CellState.STARTED if progress is not None else CellState.NOT_STARTED


# ---- whose progress the actor sees -----------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The people a table covers: one 党支部 with its 党小组, or (branch_id None) everyone."""

    branch_id: int | None
    name: str
    branch_ids: frozenset[int] | None  # None: the whole organisation

    def people(self) -> ColumnElement[bool]:
        return true() if self.branch_ids is None else User.branch_id.in_(self.branch_ids)

    def plans(self) -> ColumnElement[bool]:
        """The plans whose progress here means something: the organisation's, and the 党支部's."""
        if self.branch_ids is None:
            return true()
        return or_(Plan.branch_id.is_(None), Plan.branch_id.in_(self.branch_ids))


def scope_for(session: Session, actor: User, branch_id: int | None = None) -> Scope:
    """What the actor asks to see: an administrator any 党支部 (None: the whole organisation), a
    secretary their own 党支部 (None: that one). Anything else is not found."""
    tree = levels.Tree.read(session)
    if actor.role == Role.SECRETARY and actor.branch_id is not None:
        if branch_id not in (None, actor.branch_id):
            raise DomainError(_("No such branch."), ErrorCode.NOT_FOUND)
        branch_id = actor.branch_id
    elif actor.role != Role.ADMIN or (branch_id is not None and branch_id not in tree.branches):
        raise DomainError(_("No such branch."), ErrorCode.NOT_FOUND)
    if branch_id is None:
        return Scope(None, _("The whole organisation"), None)
    return Scope(branch_id, tree.names[branch_id], frozenset(accounts.subtree_ids(session, branch_id)))


def _in_week(monday: date) -> ColumnElement[bool]:
    """A week's plans, and its month's (as a cadre's week shows them)."""
    return or_(
        and_(Plan.period == PlanPeriod.WEEK, Plan.start == monday),
        and_(Plan.period == PlanPeriod.MONTH, Plan.start == plans.period_start(PlanPeriod.MONTH, monday)),
    )


def week_plans(session: Session, scope: Scope, day: date, *, now: datetime) -> list[Plan]:
    """The plans people see in the week holding `day` that concern the scope: the organisation's
    first, then the 党支部's; a week's before its month's."""
    monday = plans.period_start(PlanPeriod.WEEK, day)
    return list(
        session.scalars(
            select(Plan)
            .where(_in_week(monday), plans.visible(now), scope.plans())
            .order_by(
                Plan.branch_id.is_not(None), case((Plan.period == PlanPeriod.WEEK, 0), else_=1), Plan.id
            )
        )
    )


def plan_in(session: Session, scope: Scope, plan_id: int, *, now: datetime) -> Plan:
    """A plan people see that concerns the scope; any other is not found."""
    found = session.scalars(select(Plan).where(Plan.id == plan_id, plans.visible(now), scope.plans())).first()
    if found is None:
        raise DomainError(_("No such plan."), ErrorCode.NOT_FOUND)
    return found


# ---- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    state: CellState
    done_at: datetime | None = None
    overdue: bool = False  # behind and past the due time (an absence included, once due)

    @property
    def behind(self) -> bool:
        return self.state in BEHIND

    @property
    def to_remind(self) -> bool:
        return self.state in TO_REMIND


@dataclass
class Row:
    user_id: int
    name: str
    username: str
    branch: str  # 第一党支部 / 第一党小组
    branch_key: tuple[int, int]  # the tree's order: 党支部, then 党小组 (members of the 党支部 itself first)
    cells: list[Cell]  # one per item of the plan
    done: int = field(init=False)
    behind: int = field(init=False)
    overdue: int = field(init=False)

    def __post_init__(self) -> None:
        # Counted once: sorting and the page read them for every person.
        self.done = sum(cell.state is CellState.DONE for cell in self.cells)
        self.behind = sum(cell.behind for cell in self.cells)
        self.overdue = sum(cell.overdue for cell in self.cells)


@dataclass(frozen=True)
class ItemCount:
    item: PlanItem
    people: int  # whom it is for, in scope
    done: int
    behind: int


# Each sort's key; people equal by it stay in 工号 order, whichever way it runs.
SORTS: dict[str, Callable[[Row], tuple[object, ...]]] = {
    "name": lambda row: names.name_key(row.name),
    "username": lambda row: (row.username,),
    "branch": lambda row: (row.branch_key,),
    "done": lambda row: (row.done,),
    "behind": lambda row: (row.behind, row.overdue),
}
DEFAULT_SORT = "branch"


@dataclass
class Table:
    plan: Plan
    scope: Scope
    items: list[PlanItem]
    rows: list[Row]  # everyone in scope with an item of the plan, sorted
    counts: list[ItemCount]
    sort: str = DEFAULT_SORT
    descending: bool = False
    behind_rows: list[Row] = field(init=False)
    remind_rows: list[Row] = field(init=False)  # behind on something they can still do

    def __post_init__(self) -> None:
        self.behind_rows = [row for row in self.rows if row.behind]
        self.remind_rows = [row for row in self.behind_rows if any(cell.to_remind for cell in row.cells)]

    def page(self, number: int, per_page: int = PER_PAGE) -> Page[Row]:
        return of_list(self.rows, number, per_page)

    @property
    def overdue_people(self) -> int:
        return sum(1 for row in self.rows if row.overdue)


def table(
    session: Session,
    scope: Scope,
    plan: Plan,
    *,
    now: datetime,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> Table:
    """The plan's people in scope × its items, each cell's state, counts per person and per item,
    sorted by `sort` (one of SORTS; an unknown one is the default)."""
    items = list(
        session.scalars(
            select(PlanItem)
            .where(PlanItem.plan_id == plan.id)
            .order_by(PlanItem.position)
            .options(selectinload(PlanItem.audience))
        )
    )
    below = accounts.subtrees(session)
    audiences = [audience_of(item, plan, below) for item in items]
    tree = levels.Tree.read(session)
    people = [
        person
        for person in session.execute(
            select(User.id, User.display_name, User.username, User.branch_id, User.created_at).where(
                User.active, scope.people()
            )
        )
        if any(audience.includes(person.id, person.branch_id, person.created_at) for audience in audiences)
    ]
    progress: dict[tuple[int, int], tuple[ProgressState, datetime | None]] = {
        (item_id, user_id): (state, done_at)
        for item_id, user_id, state, done_at in session.execute(
            select(Progress.item_id, Progress.user_id, Progress.state, Progress.done_at)
            .join(User, User.id == Progress.user_id)
            .where(Progress.item_id.in_([item.id for item in items]), User.active, scope.people())
        )
    }
    off = excused(session, items, [person.id for person in people])
    order = _branch_order(tree)
    columns = [(item.id, item.due_at, audience) for item, audience in zip(items, audiences, strict=True)]
    rows = []
    for person in people:
        cells = []
        for item_id, due_at, audience in columns:
            if not audience.includes(person.id, person.branch_id, person.created_at):
                cells.append(Cell(CellState.NOT_THEIRS))
                continue
            found = progress.get((item_id, person.id))
            state = state_of(due_at, found, excused=(item_id, person.id) in off, now=now)
            done_at = found[1] if found and state is CellState.DONE else None
            cells.append(Cell(state, done_at, state in BEHIND and due_at < now))
        rows.append(
            Row(
                person.id,
                person.display_name,
                person.username,
                tree.path(person.branch_id),
                order(person.branch_id),
                cells,
            )
        )
    sort = sort if sort in SORTS else DEFAULT_SORT
    rows.sort(key=lambda row: row.username)
    rows.sort(key=SORTS[sort], reverse=descending)  # stable both ways
    counts = [
        ItemCount(
            item,
            sum(row.cells[index].state is not CellState.NOT_THEIRS for row in rows),
            sum(row.cells[index].state is CellState.DONE for row in rows),
            sum(row.cells[index].behind for row in rows),
        )
        for index, item in enumerate(items)
    ]
    return Table(plan, scope, items, rows, counts, sort, descending)


def _branch_order(tree: levels.Tree) -> Callable[[int | None], tuple[int, int]]:
    units = {branch_id: index for index, branch_id in enumerate(tree.branches)}
    groups = {branch_id: index for index, branch_id in enumerate(tree.groups)}

    def key(branch_id: int | None) -> tuple[int, int]:
        if branch_id is None:
            return (len(units), -1)
        unit = tree.unit_of(branch_id, levels.Level.BRANCH)
        group = tree.unit_of(branch_id, levels.Level.GROUP)
        return (
            units.get(unit, len(units)) if unit is not None else len(units),
            groups.get(group, -1) if group else -1,
        )

    return key


# ---- the .xlsx -------------------------------------------------------------------------------

# What Excel allows in no sheet name.


def cell_text(cell: Cell) -> str:
    if cell.state is CellState.DONE and cell.done_at is not None:
        return _("Done %(time)s", time=format_datetime(cell.done_at, "MM-dd HH:mm"))
    if cell.state is CellState.NOT_THEIRS:
        return "—"
    return str(STATE_LABELS[cell.state])


def week_text(plan: Plan) -> str:
    end = plans.period_end(plan.period, plan.start)
    return f"{plan.start.isoformat()}~{end.isoformat()}"


@dataclass(frozen=True)
class Export:
    data: bytes
    filename: str
    fallback: str  # ASCII, for a client that reads no other


def export(found: Table) -> Export:
    """The whole table (every page, in its order) and the per-item counts, as .xlsx: the sheet and
    the file name say the branch (or the organisation) and the week."""
    items = found.items
    header: list[object] = [_("Full name"), _("工号"), _("Branch")]
    header += [f"{item.position}. {item.title}" for item in items]
    header += [_("Done"), _("Not done"), _("Overdue")]
    rows: list[list[object]] = [header]
    rows += [
        [
            row.name,
            row.username,
            row.branch,
            *(cell_text(cell) for cell in row.cells),
            row.done,
            row.behind,
            row.overdue,
        ]
        for row in found.rows
    ]
    per_item: list[list[object]] = [
        [_("Item"), _("Kind"), _("Due"), _("People"), _("Done"), _("Not done")]
    ] + [
        [
            f"{count.item.position}. {count.item.title}",
            str(kinds.get(count.item.kind).label),
            format_datetime(count.item.due_at, "yyyy-MM-dd HH:mm"),
            count.people,
            count.done,
            count.behind,
        ]
        for count in found.counts
    ]
    week = week_text(found.plan)
    title = f"{found.scope.name} {found.plan.start.isoformat()}"
    data = xlsx_bytes(
        Sheet(title, rows, {"A": 12, "B": 12, "C": 24}),
        Sheet(_("Per item"), per_item, {"A": 40, "C": 18}),
    )
    fallback = f"progress-{found.scope.branch_id or 'all'}-{found.plan.start.isoformat()}.xlsx"
    filename = _(
        "Study progress %(scope)s %(week)s %(theme)s.xlsx",
        scope=found.scope.name,
        week=week,
        theme=found.plan.theme,
    )
    return Export(data, filename, fallback)
