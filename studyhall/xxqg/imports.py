"""Import a 学习强国 export (.xlsx or .csv): read it, match each row to a person, then save it as a
snapshot all at once, or not at all.

学习强国's organisation administrators export their members' points as a sheet with 姓名, the
member's organisation (所在组织) and the total, and often today's / this week's figures. Its
organisations are named by the 学习强国 administrator, often with the unit's name around the
branch's (中共某某市人民检察院第一党支部委员会), and an export may cover several units. So a row's
organisation first says whether the row is ours at all (see _Organisations); then the row is matched
by 工号 when the sheet has one, else by name among the people of the branch it names (and the groups
below it).
"""

from __future__ import annotations

import enum
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhall import clock, inputs
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Branch, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.tabular import (
    FileProblem,
    Limits,
    Problem,
    ProblemListing,
    Row,
    Sheet,
    find_header,
    list_problems,
    read_rows,
    xlsx_bytes,
)
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
DAY = "日期"  # the column of the export's day, and of problems with that day
# Any other column whose header names points (今日积分, 本周积分, 本月积分, 年度积分 …) is a period column.
PERIOD_MARK = "积分"
# An organisation of 学习强国's users: a small office exports dozens of rows, a province thousands.
LIMITS = Limits(rows=20_000, cells=20_000 * 20)
# A snapshot is a whole export: the latest one is the 学习强国 board and the base of every gain. An
# export holding fewer than this share of the latest one's people (one branch's, a sample) is
# named in the preview before it takes that place.
SHRINKS_BELOW = 0.8
# 学习强国 opened on 1 January 2019: no export is older.
FIRST_DAY = date(2019, 1, 1)
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
    why: str = ""  # why an unmatched row is left out
    fell_from: int | None = None  # the person's higher total in the export before this one


# The administrator's answer for an organisation that is not plainly ours (a form field's value).
NOT_OURS = "none"
ANYWHERE = "all"  # ours: match its rows by name among everyone


@dataclass
class Organisation:
    """An organisation the export names that is not plainly one of ours: its rows are left out
    unless the administrator says whose it is."""

    text: str
    rows: int = 0
    # Branches of ours whose name it ends with, after words that name no unit of ours
    # (外单位第一党支部: 第一党支部, after 外单位), as (id, path): offered first.
    like: list[tuple[int, str]] = field(default_factory=list)
    prefix: str = ""  # those words
    choice: str = NOT_OURS  # NOT_OURS, ANYWHERE or a branch's id

    @property
    def key(self) -> str:
        """Names its form field: its text may hold anything."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]


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
    labels: dict[str, str] = field(default_factory=dict)  # canonical column → the file's own header
    periods: list[str] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    already: Snapshot | None = None  # this very file, imported before
    same_day: Snapshot | None = None  # another export of the same day, saved
    previous: Snapshot | None = None  # the export before this one: its totals are the floor of these
    shrink: Shrink | None = None

    def with_outcome(self, outcome: Outcome) -> list[PlannedRow]:
        return [row for row in self.rows if row.outcome == outcome]

    def left_out(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.outcome in (Outcome.UNMATCHED, Outcome.SKIPPED)]

    def fell(self) -> list[PlannedRow]:
        """Matched rows whose total is lower than their person's in the previous export."""
        return [row for row in self.rows if row.fell_from is not None]

    def listing(self) -> ProblemListing:
        return list_problems(self.problems)

    def label(self, column: str) -> str:
        return self.labels.get(column, column)

    @property
    def ok(self) -> bool:
        """Ready to save: readable, dated, of a day with no export yet, and every row needing a
        choice has one."""
        return (
            not self.problems
            and self.exported_on is not None
            and self.same_day is None
            and not self.with_outcome(Outcome.CHOOSE)
        )


def plan_import(
    session: Session,
    filename: str,
    data: bytes,
    *,
    exported_on: date | None = None,
    choices: dict[int, int | None] | None = None,
    organisations: dict[str, str] | None = None,
    issuer: str = "",
    today: date,
) -> XxqgPlan:
    """Read and match every row; writes nothing. `exported_on` is the administrator's date, used
    when the file states none; `choices` maps a row to the person chosen for it (None: nobody);
    `organisations` maps an Organisation's key to the administrator's answer for it; `issuer` is
    the organisation's official name if known (STUDYHALL_PUBLICATION_ISSUER), a sign of its rows."""
    plan = XxqgPlan(filename, hashlib.sha256(data).hexdigest())
    plan.already = session.scalars(select(Snapshot).where(Snapshot.sha256 == plan.sha256)).first()
    try:
        rows = read_rows(filename, data, LIMITS)
        header_index, columns = find_header(rows, COLUMNS, REQUIRED)
    except FileProblem as problem:
        plan.problems.append(Problem(None, "", str(problem)))
        return plan
    header = rows[header_index]
    plan.labels = {name: header.get(position).replace(" ", "") for name, position in columns.items()}
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
    _date(plan, rows[:header_index], body, columns.get(DAY), exported_on, today)
    reader = _RowReader(columns, period_columns, plan)
    people = _People(session, _Organisations(session, organisations or {}, issuer))
    matched_on: dict[int, int] = {}
    for row in body:
        planned = reader.read(row)
        plan.rows.append(planned)
        if planned.outcome is Outcome.INVALID:
            continue
        people.match(planned)
        if planned.outcome is Outcome.CHOOSE and choices and planned.row in choices:
            _choose(planned, choices[planned.row], plan)
        if planned.person is not None:
            _once(planned, matched_on, plan)
    plan.organisations = people.organisations.asked()
    _identify_content(session, plan)
    _check_day(session, plan)
    _check_totals(session, plan)
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


def _check_day(session: Session, plan: XxqgPlan) -> None:
    """One export a day: a gain is counted between two exports, and between two of one day it
    would count whatever differs between the files, not study. The one saved is named, to be
    deleted first if this one replaces it."""
    if plan.already is not None or plan.exported_on is None:
        return
    query = select(Snapshot).where(Snapshot.exported_on == plan.exported_on).order_by(Snapshot.id)
    plan.same_day = session.scalars(query).first()


def _check_totals(session: Session, plan: XxqgPlan) -> None:
    """A 学习强国 total never goes down: a person whose total is lower than in the export before
    this one was probably matched to the wrong row (a namesake). Noted per row, not refused: the
    administrator knows."""
    if plan.already is not None or (plan.exported_on is not None and plan.exported_on < FIRST_DAY):
        return  # (a day before 学习强国 is refused already)
    day_before = None if plan.exported_on is None else plan.exported_on - timedelta(days=1)
    plan.previous = service.latest_snapshot(session, on_or_before=day_before)
    if plan.previous is None:
        return
    totals = service.totals(session, plan.previous)  # one export's, read whole: no list of thousands of ids
    for row in plan.with_outcome(Outcome.MATCHED):
        before = totals.get(row.person.user_id) if row.person is not None else None
        if row.total is not None and before is not None and row.total < before:
            row.fell_from = before


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
                    Problem(row.number, plan.label(DAY), _("“%(text)s” is not a date.", text=row.get(column)))
                )
        if len(found) > 1:
            (first, first_row), (second, second_row) = list(found.items())[:2]
            plan.problems.append(
                Problem(
                    second_row,
                    plan.label(DAY),
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
                DAY,
                _("The export is dated %(day)s, a day still to come.", day=plan.exported_on.isoformat()),
            )
        )
    elif plan.exported_on is not None and plan.exported_on < FIRST_DAY:
        plan.problems.append(
            Problem(
                None,
                DAY,
                _(
                    "The export is dated %(day)s, before 学习强国 opened (%(first)s).",
                    day=plan.exported_on.isoformat(),
                    first=FIRST_DAY.isoformat(),
                ),
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


class _RowReader:
    """Reads the rows under the header, each problem named by its row and the file's own header.
    The messages are translated once: once per bad cell, the 300,000 of a 20,000-row file with 15
    bad period columns took seconds."""

    def __init__(self, columns: dict[str, int], period_columns: dict[str, int], plan: XxqgPlan) -> None:
        self.columns, self.period_columns, self.plan = columns, period_columns, plan
        self.no_name = _("姓名 is empty.")
        self.no_total = _("The total is missing: the cell is empty.")
        self.not_points = _("“%(text)s” is not a number of points.")

    def read(self, row: Row) -> PlannedRow:
        def cell(name: str) -> str:
            return row.get(self.columns.get(name)).strip()

        plan = self.plan
        problems_before = len(plan.problems)
        name = cell("姓名")
        if not name:
            plan.problems.append(Problem(row.number, plan.label("姓名"), self.no_name))
        text = cell("总积分")
        total = _number(text)
        if total is None or total < 0:
            message = self.not_points % {"text": text} if text else self.no_total
            plan.problems.append(Problem(row.number, plan.label("总积分"), message))
        periods: dict[str, int] = {}
        for label, position in self.period_columns.items():
            text = row.get(position).strip()
            if not text:
                continue
            value = _number(text)
            if value is None:
                plan.problems.append(Problem(row.number, label, self.not_points % {"text": text}))
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
            Problem(
                planned.row, plan.label("姓名"), _("The person chosen is not one of this row's candidates.")
            )
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
                plan.label("工号" if planned.username else "姓名"),
                _(
                    "%(name)s (%(username)s) is matched by row %(row)d already.",
                    name=planned.person.name,
                    username=planned.person.username,
                    row=first,
                ),
            )
        )
        planned.outcome = Outcome.INVALID


# What an organisation's name says around the branch's own, removed before names are compared:
# 中共第一党支部委员会 is 第一党支部; 第一支部 is 第一党支部 too.
_FRAME = re.compile(r"^(中国共产党|中共)|(委员会|党委)$")
_PUNCTUATION = re.compile(r"[\s\-—–·・.,，、_]+")
_SHORT = (("党支部", "支部"), ("党小组", "小组"), ("党总支", "总支"), ("总支部", "总支"))
# A word in front of a branch's name that names no unit: 机关第一党支部 is the 机关's 第一党支部.
_FILLER = ("机关",)


def _short(name: str) -> str:
    """A name without punctuation, and 党支部 as 支部."""
    name = _PUNCTUATION.sub("", name)
    for long, short in _SHORT:
        name = name.replace(long, short)
    return name


def _core(name: str) -> str:
    """A name as compared: short, and without the 中共 … 委员会 around it."""
    return _FRAME.sub("", _short(name))


class _Organisations:
    """Which branch of ours each organisation named in the export is, if any.

    An export may cover several units, whose branches are named like ours (every unit has a 第一党支部):
    a row is ours only when its organisation names a branch of ours (its name or path) with nothing
    in front that is not ours: our top branch (机关党委), our unit's name (taken from the top branch
    and from STUDYHALL_PUBLICATION_ISSUER: 中共某某市人民检察院机关委员会 → 某某市人民检察院) or the branch's
    own parents. 中共某某市人民检察院第一党支部委员会 is our 第一党支部 when 某某市人民检察院 is our unit;
    外单位第一党支部 and 某区人民法院机关党支部 are not. An organisation that is not plainly ours is left
    out, with why, unless the administrator says which branch it is.
    """

    def __init__(self, session: Session, answers: dict[str, str], issuer: str = "") -> None:
        branches = list(session.execute(select(Branch.id, Branch.name, Branch.parent_id)))
        self.names = {branch_id: name for branch_id, name, _parent in branches}
        self.parent = {branch_id: parent for branch_id, _name, parent in branches}
        self.children: dict[int | None, list[int]] = {}
        for branch_id, _name, parent in branches:
            self.children.setdefault(parent, []).append(branch_id)
        self.cores = {branch_id: core for branch_id, name in self.names.items() if (core := _core(name))}
        ours = [name for branch_id, name in self.names.items() if self.parent[branch_id] is None]
        ours.append(issuer)
        self.ours = {*_FILLER}
        for name in ours:
            core = _core(name)
            self.ours |= {_short(name), core, core.removesuffix("机关")}
        self.ours.discard("")
        self.answers = answers
        self.found: dict[str, set[int] | Organisation | None] = {}

    def scope(self, text: str) -> set[int] | Organisation | None:
        """The branches (with everything below them) a row of this organisation is matched in;
        None: anywhere; an Organisation: nowhere, it is not plainly ours."""
        if text not in self.found:
            self.found[text] = self._scope(text)
        found = self.found[text]
        if isinstance(found, Organisation):
            found.rows += 1
            if found.choice == ANYWHERE:
                return None
            chosen = inputs.row_id(found.choice)
            if chosen is not None and chosen in self.names:
                return self._below({chosen})
        return found

    def asked(self) -> list[Organisation]:
        """The organisations not plainly ours, in the order the export names them."""
        return [found for found in self.found.values() if isinstance(found, Organisation)]

    def _scope(self, text: str) -> set[int] | Organisation | None:
        whole = "".join(_core(part) for part in _PATH_SEPARATORS.split(text))
        if not whole:
            return None
        sure: list[int] = []
        like: list[tuple[int, str]] = []
        for branch_id, core in self.cores.items():
            if whole.endswith(core):
                rest = self._unit(whole[: -len(core)], branch_id)
                if rest:
                    like.append((branch_id, rest))
                else:
                    sure.append(branch_id)
        if sure:
            # The most particular name: 机关第一党支部 rather than 第一党支部 when both exist.
            longest = max(len(self.cores[branch_id]) for branch_id in sure)
            return self._below({branch_id for branch_id in sure if len(self.cores[branch_id]) == longest})
        like.sort(key=lambda found: (len(found[1]), found[0]))
        organisation = Organisation(
            text,
            like=[(branch_id, self.path(branch_id)) for branch_id, _rest in like],
            prefix=like[0][1] if like else "",
        )
        organisation.choice = self.answers.get(organisation.key, NOT_OURS)
        return organisation

    def _unit(self, prefix: str, branch_id: int) -> str:
        """What is left of the words in front of a branch's name once ours are taken away: nothing
        when the organisation is ours."""
        words = set(self.ours)
        parent = self.parent[branch_id]
        for _step in range(len(self.names)):  # bounded: a tree has no loop, but a bug should not hang
            if parent is None:
                break
            words |= {_short(self.names[parent]), _core(self.names[parent])}
            parent = self.parent[parent]
        longest_first = sorted(filter(None, words), key=len, reverse=True)
        while prefix:
            word = next((word for word in longest_first if prefix.startswith(word)), None)
            if word is None:
                break
            prefix = prefix[len(word) :]
        return prefix

    def _below(self, found: set[int]) -> set[int]:
        scope: set[int] = set()
        stack = list(found)
        while stack:
            branch_id = stack.pop()
            if branch_id not in scope:
                scope.add(branch_id)
                stack.extend(self.children.get(branch_id, []))
        return scope

    def path(self, branch_id: int | None) -> str:
        names: list[str] = []
        while branch_id is not None and branch_id in self.names and len(names) < len(self.names):
            names.append(self.names[branch_id])
            branch_id = self.parent[branch_id]
        return " / ".join(reversed(names))


class _People:
    """The active people, read once for the whole file, and the organisations of their branches."""

    def __init__(self, session: Session, organisations: _Organisations) -> None:
        self.organisations = organisations
        # Translated once: an export of another unit leaves out thousands of rows.
        self.not_ours = _(
            "Its organisation is not plainly ours (see “Organisations that are not plainly ours” above)."
        )
        self.no_username = _("Nobody here has this 工号.")
        self.no_name = _("Nobody here has this name.")
        self.by_username: dict[str, User] = {}
        self.by_name: dict[str, list[User]] = {}
        for person in session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)):
            self.by_username[person.username] = person
            self.by_name.setdefault(person.display_name, []).append(person)

    def match(self, planned: PlannedRow) -> None:
        scope = self.organisations.scope(planned.organisation)
        if isinstance(scope, Organisation):
            planned.why = self.not_ours
            return
        if planned.username:
            person = self.by_username.get(planned.username)
            if person is None:
                planned.why = self.no_username
            else:
                planned.outcome, planned.person = Outcome.MATCHED, self._candidate(person)
            return
        named = self.by_name.get(planned.name, [])
        within = [person for person in named if scope is None or person.branch_id in scope]
        if scope is not None and not within:
            # Nobody of that name in the branch: someone who moved, perhaps; never matched unasked.
            planned.candidates = [self._candidate(person) for person in named]
            planned.outcome = Outcome.CHOOSE if named else Outcome.UNMATCHED
            planned.why = self.no_name
        elif len(within) == 1:
            planned.outcome, planned.person = Outcome.MATCHED, self._candidate(within[0])
        elif within:
            planned.candidates = [self._candidate(person) for person in within]
            planned.outcome = Outcome.CHOOSE
        else:
            planned.why = self.no_name

    def _candidate(self, person: User) -> Candidate:
        return Candidate(
            person.id, person.display_name, person.username, self.organisations.path(person.branch_id)
        )


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


def sample_workbook(session: Session, now: datetime, demo_people: list[tuple[str, str]]) -> bytes:
    """A made-up export in the shape 学习强国's organisation administrators download, exported now:
    of the active people of the latest export, each with their total grown as a reader's would
    since, so that it imports as the next whole export would; with no export yet, of the demo
    organisation's `demo_people` (姓名, 所在组织), which match on a demo server. Its 工号 column is
    the office's addition (学习强国 has none), so that namesakes match without asking."""
    local = now.astimezone(clock.local_zone())
    latest = service.latest_snapshot(session)
    people = (
        _grown(session, latest, local.date())
        if latest is not None
        else [
            ("", name, organisation, 16842 - 1207 * step)
            for step, (name, organisation) in enumerate(demo_people)
        ]
    )
    rng = random.Random(local.date().toordinal())  # the same figures all day
    rows: list[tuple[object, ...]] = [
        ("学习强国 组织成员积分（示例文件，非真实数据）",),
        (f"导出时间：{local:%Y-%m-%d %H:%M}",),
        ("序号", "姓名", "所在组织", "总积分", "今日积分", "本周积分", "本月积分", "工号"),
    ]
    people.sort(key=lambda person: -person[3])
    for number, (username, name, organisation, total) in enumerate(people, start=1):
        # A keen reader earns 30–40 points a day, up to 45 or so.
        daily = rng.randint(15, 45)
        today = rng.randint(0, daily)
        week = today + daily * local.weekday()
        month = today + daily * (local.day - 1)
        rows.append((number, name, organisation, total, today, week, month, username))
    notes = [
        ("列", "说明"),
        ("姓名", "必填。与本系统中的姓名一致；有“工号”列时按工号匹配。"),
        (
            "所在组织",
            "学习强国中的组织。须能对应本系统的党支部或党小组（名称或路径，可带本单位名称，如“中共某某市人民检察院"
            "第一党支部委员会”）；其他单位的组织不导入，可在预览中指明是本单位的哪个组织。",
        ),
        ("总积分", "必填，也可写作“学习积分”。比上次导出少时，预览会提示核对。"),
        ("今日积分、本周积分…", "其他以“积分”结尾的列按原名保存。"),
        ("工号", "可选。学习强国的导出中没有，可自行添加：同名人员较多时按工号匹配更准确。"),
        ("导出时间", "取自日期列、表头上方的文字或文件名；都没有时在预览中填写。每天只保存一份导出。"),
    ]
    widths = dict(zip("ABCDEFGH", (6, 10, 30, 10, 10, 10, 10, 12), strict=True))
    return xlsx_bytes(Sheet("组织成员积分（示例）", rows, widths), Sheet("说明", notes, {"A": 20, "B": 70}))


def _grown(session: Session, latest: Snapshot, today: date) -> list[tuple[str, str, str, int]]:
    """The active people of an export (工号, 姓名, 所在组织 as a path, total), each total grown by
    what a reader earns in the days since it."""
    rng = random.Random(latest.id)
    days = max((today - latest.exported_on).days, 1)
    organisations = _Organisations(session, {})  # for the paths of their branches
    query = (
        select(User.username, User.display_name, User.branch_id, SnapshotRow.total)
        .join(SnapshotRow, SnapshotRow.user_id == User.id)
        .where(SnapshotRow.snapshot_id == latest.id, User.active.is_(True))
        .order_by(SnapshotRow.line)
    )
    return [
        (
            username,
            name,
            organisations.path(branch_id).replace(" / ", "/"),
            total + days * rng.randint(15, 45),
        )
        for username, name, branch_id, total in session.execute(query)
    ]
