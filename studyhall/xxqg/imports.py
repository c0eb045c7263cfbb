"""Import a 学习强国 export (.xlsx or .csv): read it, match each row to a person, then save it as a
snapshot all at once, or not at all.

学习强国's organisation administrators export their members' points as a sheet with 姓名, the
member's organisation (所在组织) and the total, and often today's / this week's figures. Its
organisations are named by the 学习强国 administrator, so a row is matched by 工号 when the sheet has
one, else by name among the people of the branch its organisation names (and the groups below it).
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhall.accounts import service as accounts
from studyhall.accounts.models import Branch, User
from studyhall.accounts.user_import import Problem
from studyhall.errors import DomainError, ErrorCode
from studyhall.tabular import FileProblem, Limits, Row, Sheet, find_header, read_rows, xlsx_bytes
from studyhall.xxqg import service
from studyhall.xxqg.models import Snapshot, SnapshotRow

# Canonical column → the header texts 学习强国's exports (and the offices' own copies) use for it.
COLUMNS: dict[str, tuple[str, ...]] = {
    "工号": ("工号", "用户名", "账号", "帐号", "警号", "人员编号"),
    "姓名": ("姓名", "成员姓名", "用户姓名", "名字", "学员姓名"),
    "组织": (
        "所在组织",
        "组织",
        "所属组织",
        "组织名称",
        "党组织",
        "党支部",
        "所在党支部",
        "所在支部",
        "支部",
    ),
    "总积分": ("总积分", "学习积分", "累计积分", "积分总数", "学习总积分", "总分"),
    "日期": ("日期", "统计日期", "导出日期", "导出时间", "数据日期", "截止日期", "统计时间"),
}
REQUIRED = ("姓名", "总积分")
# Any other column whose header names points (今日积分, 本周积分, 本月积分, 年度积分 …) is a period column.
PERIOD_MARK = "积分"
# An organisation of 学习强国's users: a small office exports dozens of rows, a province thousands.
LIMITS = Limits(rows=20_000, cells=20_000 * 20)
# A snapshot is a whole export: the latest one is the 学习强国 board and the base of every gain. An
# export holding fewer than this share of the latest one's people (one branch's, a sample) is
# named in the preview before it takes that place.
SHRINKS_BELOW = 0.8
_PATH_SEPARATORS = re.compile(r"\s*[/／>＞\\|]\s*")
_DATE = re.compile(r"(20\d\d)\s*[-/.年_]\s*(\d{1,2})\s*[-/.月_]\s*(\d{1,2})|(20\d\d)(\d\d)(\d\d)")


class Outcome(enum.StrEnum):
    MATCHED = "matched"
    CHOOSE = "choose"  # several people fit: the administrator chooses
    SKIPPED = "skipped"  # the administrator chose nobody
    UNMATCHED = "unmatched"
    INVALID = "invalid"


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    username: str
    branch: str  # its path, 机关党委 / 第一党支部 / 第一党小组


@dataclass
class PlannedRow:
    row: int
    name: str
    organisation: str
    username: str
    total: int | None
    periods: dict[str, int]
    outcome: Outcome = Outcome.UNMATCHED
    person: Candidate | None = None
    candidates: list[Candidate] = field(default_factory=list)


@dataclass(frozen=True)
class Shrink:
    """The export about to become the latest holds far fewer people than the latest one."""

    latest: Snapshot
    before: int  # people the latest export holds
    now: int  # people this one would hold


@dataclass
class XxqgPlan:
    filename: str
    sha256: str
    exported_on: date | None = None
    dated_by: str = ""  # where the date was found: a column, the lines above the header, the file name
    date_asked: bool = False  # the file states no date: the administrator gives it
    periods: list[str] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    already: Snapshot | None = None  # this very file, imported before
    shrink: Shrink | None = None

    def with_outcome(self, outcome: Outcome) -> list[PlannedRow]:
        return [row for row in self.rows if row.outcome == outcome]

    def problems_for(self, row: int) -> list[Problem]:
        return [problem for problem in self.problems if problem.row == row]

    @property
    def ok(self) -> bool:
        """Ready to save: readable, dated, and every row needing a choice has one."""
        return not self.problems and self.exported_on is not None and not self.with_outcome(Outcome.CHOOSE)


def plan_import(
    session: Session,
    filename: str,
    data: bytes,
    *,
    exported_on: date | None = None,
    choices: dict[int, int | None] | None = None,
    today: date,
) -> XxqgPlan:
    """Read and match every row; writes nothing. `exported_on` is the administrator's date, used
    when the file states none; `choices` maps a row to the person chosen for it (None: nobody)."""
    plan = XxqgPlan(filename, hashlib.sha256(data).hexdigest())
    plan.already = session.scalars(select(Snapshot).where(Snapshot.sha256 == plan.sha256)).first()
    try:
        rows = read_rows(filename, data, LIMITS)
        header_index, columns = find_header(rows, COLUMNS, REQUIRED)
    except FileProblem as problem:
        plan.problems.append(Problem(None, "", str(problem)))
        return plan
    header = rows[header_index]
    period_columns = {
        label: position
        for position, cell in enumerate(header.cells)
        if position not in columns.values() and PERIOD_MARK in (label := cell.replace(" ", ""))
    }
    plan.periods = list(period_columns)
    body = rows[header_index + 1 :]
    if not body:
        plan.problems.append(Problem(None, "", _("The file has a header but no people.")))
        return plan
    _date(plan, rows[:header_index], body, columns.get("日期"), exported_on, today)
    people = _People(session)
    matched_on: dict[int, int] = {}
    for row in body:
        planned = _read_row(row, columns, period_columns, plan)
        plan.rows.append(planned)
        if planned.outcome is Outcome.INVALID:
            continue
        people.match(planned)
        if planned.outcome is Outcome.CHOOSE and choices and planned.row in choices:
            _choose(planned, choices[planned.row], plan)
        if planned.person is not None:
            _once(planned, matched_on, plan)
    _identify_content(session, plan)
    _check_coverage(session, plan)
    return plan


def _check_coverage(session: Session, plan: XxqgPlan) -> None:
    """Refuse an export that matches nobody (another organisation's, the sample on a real server):
    saved, it would empty the board. Note one that would replace the latest export with far fewer
    people."""
    if plan.already is not None or plan.problems:
        return
    matched = len(plan.with_outcome(Outcome.MATCHED))
    if not matched and not plan.with_outcome(Outcome.CHOOSE):
        plan.problems.append(
            Problem(
                None,
                "",
                _("No row matches anyone here: nothing would be saved. Is it this organisation's export?"),
            )
        )
        return
    latest = service.latest_snapshot(session)
    if latest is None or (plan.exported_on is not None and plan.exported_on < latest.exported_on):
        return  # an older export does not replace the latest
    before = service.people_count(session, latest)
    if matched < before * SHRINKS_BELOW:
        plan.shrink = Shrink(latest, before, matched)


def _identify_content(session: Session, plan: XxqgPlan) -> None:
    """Know the export by its rows, not by its bytes: the same export saved again, re-encoded, with a
    BOM, a blank line, its rows in another order, or dated differently by hand, is the same snapshot
    (plan.already). Two real exports never have every figure alike."""
    rows = sorted(
        [row.username, row.name, row.organisation, row.total or 0, sorted(row.periods.items())]
        for row in plan.rows
    )
    content = json.dumps(rows, ensure_ascii=False)
    plan.sha256 = hashlib.sha256(content.encode()).hexdigest()
    plan.already = session.scalars(select(Snapshot).where(Snapshot.sha256 == plan.sha256)).first()


def _date(
    plan: XxqgPlan, above: list[Row], body: list[Row], column: int | None, given: date | None, today: date
) -> None:
    """The export's day: from its date column, else a line above the header (导出时间：…), else
    the file name, else the administrator's."""
    found: dict[date, int] = {}
    if column is not None:
        for row in body:
            day = _day_in(row.get(column))
            if day is not None:
                found.setdefault(day, row.number)
            elif row.get(column):
                plan.problems.append(
                    Problem(row.number, "日期", _("“%(text)s” is not a date.", text=row.get(column)))
                )
        if len(found) > 1:
            (first, first_row), (second, second_row) = list(found.items())[:2]
            plan.problems.append(
                Problem(
                    second_row,
                    "日期",
                    _(
                        "The rows are of different days: %(first)s on row %(first_row)d, %(second)s here; "
                        "import one export at a time.",
                        first=first.isoformat(),
                        first_row=first_row,
                        second=second.isoformat(),
                    ),
                )
            )
            return
    sources = [
        (next(iter(found), None), _("the date column")),
        (
            next((day for row in above for cell in row.cells if (day := _day_in(cell))), None),
            _("the lines above the header"),
        ),
        (_day_in(plan.filename), _("the file name")),
    ]
    stated = [(day, str(source)) for day, source in sources if day is not None]
    plan.date_asked = not stated
    if stated:
        plan.exported_on, plan.dated_by = stated[0]
    elif given is not None:
        plan.exported_on, plan.dated_by = given, _("you")
    if plan.exported_on is not None and plan.exported_on > today:
        plan.problems.append(
            Problem(
                None,
                "日期",
                _("The export is dated %(day)s, a day still to come.", day=plan.exported_on.isoformat()),
            )
        )


def _day_in(text: str) -> date | None:
    match = _DATE.search(text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups() if part is not None)
    try:
        return date(year, month, day)
    except ValueError:
        return None


# 学习强国 totals run to tens of thousands; anything past this is not a score (and would not fit the
# database's integer columns).
MAX_POINTS = 10**9
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def _number(text: str) -> int | None:
    """A whole number of points as an export writes it (thousands separators, a spreadsheet's .0),
    within ±MAX_POINTS; None for anything else."""
    cleaned = text.replace(",", "").replace("，", "").strip()
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    if not _WHOLE_NUMBER.fullmatch(cleaned) or len(cleaned) > 12:
        return None
    value = int(cleaned)
    return value if abs(value) <= MAX_POINTS else None


def _read_row(
    row: Row, columns: dict[str, int], period_columns: dict[str, int], plan: XxqgPlan
) -> PlannedRow:
    def cell(name: str) -> str:
        return row.get(columns.get(name)).strip()

    problems_before = len(plan.problems)
    name = cell("姓名")
    if not name:
        plan.problems.append(Problem(row.number, "姓名", _("姓名 is empty.")))
    total = _number(cell("总积分"))
    if total is None or total < 0:
        plan.problems.append(
            Problem(row.number, "总积分", _("“%(text)s” is not a number of points.", text=cell("总积分")))
        )
    periods: dict[str, int] = {}
    for label, position in period_columns.items():
        text = row.get(position).strip()
        if not text:
            continue
        value = _number(text)
        if value is None:
            plan.problems.append(
                Problem(row.number, label, _("“%(text)s” is not a number of points.", text=text))
            )
        else:
            periods[label] = value
    planned = PlannedRow(row.number, name, cell("组织"), cell("工号"), total, periods)
    if len(plan.problems) > problems_before:
        planned.outcome = Outcome.INVALID
    return planned


def _choose(planned: PlannedRow, choice: int | None, plan: XxqgPlan) -> None:
    if choice is None:
        planned.outcome = Outcome.SKIPPED
        return
    chosen = next((candidate for candidate in planned.candidates if candidate.user_id == choice), None)
    if chosen is None:
        plan.problems.append(
            Problem(planned.row, "姓名", _("The person chosen is not one of this row's candidates."))
        )
        planned.outcome = Outcome.INVALID
    else:
        planned.outcome, planned.person = Outcome.MATCHED, chosen


def _once(planned: PlannedRow, matched_on: dict[int, int], plan: XxqgPlan) -> None:
    """A person has one row in a snapshot."""
    assert planned.person is not None
    first = matched_on.setdefault(planned.person.user_id, planned.row)
    if first != planned.row:
        plan.problems.append(
            Problem(
                planned.row,
                "工号" if planned.username else "姓名",
                _(
                    "%(name)s (%(username)s) is matched by row %(row)d already.",
                    name=planned.person.name,
                    username=planned.person.username,
                    row=first,
                ),
            )
        )
        planned.outcome = Outcome.INVALID


class _People:
    """The active people and the branch tree, read once for the whole file."""

    def __init__(self, session: Session) -> None:
        branches = list(session.execute(select(Branch.id, Branch.name, Branch.parent_id)))
        self.names = {branch_id: name for branch_id, name, _parent in branches}
        self.parent = {branch_id: parent for branch_id, _name, parent in branches}
        self.children: dict[int | None, list[int]] = {}
        for branch_id, _name, parent in branches:
            self.children.setdefault(parent, []).append(branch_id)
        self.by_username: dict[str, User] = {}
        self.by_name: dict[str, list[User]] = {}
        for person in session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)):
            self.by_username[person.username] = person
            self.by_name.setdefault(person.display_name, []).append(person)
        self.scopes: dict[str, set[int] | None] = {}

    def match(self, planned: PlannedRow) -> None:
        if planned.username:
            person = self.by_username.get(planned.username)
            if person is not None:
                planned.outcome, planned.person = Outcome.MATCHED, self._candidate(person)
            return
        named = self.by_name.get(planned.name, [])
        if planned.organisation not in self.scopes:
            self.scopes[planned.organisation] = self._scope(planned.organisation)
        scope = self.scopes[planned.organisation]
        within = [person for person in named if scope is None or person.branch_id in scope]
        if scope is not None and not within:
            # Nobody of that name in the branch: someone who moved, perhaps; never matched unasked.
            planned.candidates = [self._candidate(person) for person in named]
            planned.outcome = Outcome.CHOOSE if named else Outcome.UNMATCHED
        elif len(within) == 1:
            planned.outcome, planned.person = Outcome.MATCHED, self._candidate(within[0])
        elif within:
            planned.candidates = [self._candidate(person) for person in within]
            planned.outcome = Outcome.CHOOSE

    def _scope(self, organisation: str) -> set[int] | None:
        """The branches (with everything below them) the 组织 cell names; None when it names none.
        It may be a path (机关党委/第一党支部/第一党小组) or a longer name ending in the branch's own
        (市局机关第一党支部)."""
        parts = [part for part in _PATH_SEPARATORS.split(organisation) if part]
        if not parts:
            return None
        last = parts[-1]
        found = [branch_id for branch_id, name in self.names.items() if name == last]
        if not found:
            longest = max((name for name in self.names.values() if last.endswith(name)), key=len, default="")
            found = [branch_id for branch_id, name in self.names.items() if longest and name == longest]
        if len(found) > 1 and len(parts) > 1:
            # 第一党小组 is in every 党支部: the path's previous part says whose.
            found = [branch_id for branch_id in found if self._parent_name(branch_id) == parts[-2]] or found
        if not found:
            return None
        scope: set[int] = set()
        stack = found
        while stack:
            branch_id = stack.pop()
            scope.add(branch_id)
            stack.extend(self.children.get(branch_id, []))
        return scope

    def _parent_name(self, branch_id: int) -> str:
        parent = self.parent[branch_id]
        return self.names[parent] if parent is not None else ""

    def _path(self, branch_id: int | None) -> str:
        names: list[str] = []
        while branch_id is not None and branch_id in self.names and len(names) < len(self.names):
            names.append(self.names[branch_id])
            branch_id = self.parent[branch_id]
        return " / ".join(reversed(names))

    def _candidate(self, person: User) -> Candidate:
        return Candidate(person.id, person.display_name, person.username, self._path(person.branch_id))


@dataclass(frozen=True)
class Saved:
    snapshot: Snapshot
    created: bool  # False: this file was imported before, and nothing changed
    people: int


def apply_import(session: Session, actor: User, plan: XxqgPlan, *, now: datetime) -> Saved:
    """Save a checked plan as one snapshot in the caller's transaction (the caller commits); the
    same file a second time changes nothing."""
    if plan.already is not None:
        return Saved(plan.already, False, 0)
    if not plan.ok or plan.exported_on is None:
        raise DomainError(_("The file still has problems; nothing was imported."), ErrorCode.INVALID)
    matched = plan.with_outcome(Outcome.MATCHED)
    snapshot = Snapshot(
        exported_on=plan.exported_on,
        sha256=plan.sha256,
        filename=plan.filename[:255],
        periods=plan.periods,
        unmatched=len(plan.rows) - len(matched),
        created_at=now,
        created_by_id=actor.id,
    )
    session.add(snapshot)
    try:
        session.flush()
    except IntegrityError:
        # The same file confirmed twice at once (two tabs, a double click): the other one saved it.
        session.rollback()
        return Saved(session.scalars(select(Snapshot).where(Snapshot.sha256 == plan.sha256)).one(), False, 0)
    session.add_all(
        SnapshotRow(
            snapshot_id=snapshot.id,
            user_id=row.person.user_id,
            line=row.row,
            total=row.total,
            periods=row.periods,
        )
        for row in matched
        if row.person is not None and row.total is not None
    )
    accounts.record(
        session,
        actor,
        "xxqg.import",
        f"{plan.exported_on.isoformat()} {plan.filename}",
        now=now,
        exported_on=plan.exported_on.isoformat(),
        matched=len(matched),
        unmatched=snapshot.unmatched,
    )
    return Saved(snapshot, True, len(matched))


def sample_workbook(today: date, people: list[tuple[str, str]]) -> bytes:
    """A made-up export in the shape 学习强国's organisation administrators download, for these
    people (姓名, 所在组织), dated today so that it imports as it is."""
    rows: list[tuple[object, ...]] = [
        ("学习强国 组织成员积分（示例文件，非真实数据）",),
        (f"导出时间：{today.isoformat()} 18:00",),
        ("序号", "姓名", "所在组织", "总积分", "今日积分", "本周积分", "本月积分"),
    ]
    for number, (name, organisation) in enumerate(people, start=1):
        # Plausible, decreasing figures: a keen reader earns 30–40 points a day.
        step = number - 1
        rows.append(
            (number, name, organisation, 16842 - 1207 * step, 42 - 3 * step, 210 - 14 * step, 905 - 61 * step)
        )
    notes = [
        ("列", "说明"),
        ("姓名", "必填。与本系统中的姓名一致；有“工号”列时按工号匹配。"),
        ("所在组织", "学习强国中的组织；按名称找到本系统的党支部或党小组，在其中按姓名匹配。"),
        ("总积分", "必填，也可写作“学习积分”。"),
        ("今日积分、本周积分…", "其他以“积分”结尾的列按原名保存。"),
        ("导出时间", "取自日期列、表头上方的文字或文件名；都没有时在预览中填写。"),
    ]
    widths = dict(zip("ABCDEFG", (6, 10, 30, 10, 10, 10, 10), strict=True))
    return xlsx_bytes(Sheet("组织成员积分（示例）", rows, widths), Sheet("说明", notes, {"A": 20, "B": 70}))
