"""Importing a year plan table (年度党建工作计划表) as offices keep it in Excel: read it, check every
row, then create its weeks' and months' plans as drafts all at once, or nothing.

The layout: one row per item, with the week (周次, or a day of it in 日期) or the month (月份) it
belongs to, the period's theme (主题), and the item: 内容 (its title), 形式 (its kind: 阅读, 观看,
a 三会一课 meeting by name, 心得, 测试), 完成时限, 分值, 说明 (a reading's text, a reflection's
question), 链接 (a video's address), 测试 (a test's title), 会议时间 and 地点. Headers are found by
name among the first rows (a title may sit above them) and their usual variants are accepted.

As offices draw them, a week's cells are often merged down the rows of its items: a row that names
no period belongs to the period of the row above it, and a row without a theme takes its period's.
A row naming a period and nothing else is a period not planned yet, and is passed over.

A period that already has a scheduled or published plan at the level is refused (the import never
changes one); one that has drafts has its first draft replaced (theme and items; its notes kept).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhall import clock, i18n, inputs
from studyhall.accounts import branch_order
from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams.models import Exam
from studyhall.plans import kinds, service, year
from studyhall.plans.kinds import ItemError
from studyhall.plans.models import ItemKind, MeetingKind, Plan, PlanPeriod, PlanStatus
from studyhall.plans.service import ItemSpec, PlanSpec
from studyhall.plans.year import Level
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

# Canonical column → the header texts offices use for it.
COLUMNS: dict[str, tuple[str, ...]] = {
    "周次": ("周次", "周", "第几周", "周数", "周别"),
    "月份": ("月份", "月", "月度"),
    "日期": ("开始日期", "日期", "时间", "起止日期", "起止时间", "学习时间", "时间安排"),
    "主题": ("主题", "学习主题", "本周主题", "本月主题", "计划主题"),
    "内容": ("内容", "学习内容", "项目", "学习项目", "任务", "学习任务", "事项", "工作内容"),
    "形式": ("形式", "类型", "学习形式", "方式", "学习方式", "任务类型"),
    "完成时限": ("完成时限", "截止", "截止时间", "截止日期", "完成时间", "时限", "完成期限"),
    "分值": ("分值", "积分", "分数", "学习积分"),
    "说明": ("说明", "要求", "学习要求", "备注", "正文"),
    "链接": ("链接", "网址", "地址", "视频地址", "视频链接"),
    "测试": ("测试", "测试名称", "关联测试", "试卷"),
    "会议时间": ("会议时间", "召开时间", "开会时间"),
    "地点": ("地点", "会议地点"),
}
REQUIRED = ("主题",)
PERIOD_COLUMNS = ("周次", "月份", "日期")
ITEM_COLUMNS = ("内容", "形式", "完成时限", "分值", "说明", "链接", "测试", "会议时间", "地点")
# A year of 53 weeks of 30 items is 1,590 rows; the months' add at most 360.
LIMITS = Limits(rows=3_000, cells=3_000 * 20)
MEETING_HOUR = 9  # a meeting given a day alone is at 09:00

# 形式 → kind (and the meeting's kind). An empty 形式 is a reading.
KIND_NAMES: dict[str, tuple[ItemKind, MeetingKind | None]] = {
    **dict.fromkeys(("阅读", "学习", "自学", "集中学习", "读", "read"), (ItemKind.READ, None)),
    **dict.fromkeys(("观看", "视频", "观看视频", "收看", "watch"), (ItemKind.WATCH, None)),
    **dict.fromkeys(
        ("心得", "心得体会", "撰写心得", "撰写心得体会", "reflection"), (ItemKind.REFLECTION, None)
    ),
    **dict.fromkeys(("测试", "考试", "测验", "知识测试", "在线测试", "答题", "test"), (ItemKind.TEST, None)),
    **dict.fromkeys(("支部党员大会", "党员大会"), (ItemKind.MEETING, MeetingKind.ASSEMBLY)),
    **dict.fromkeys(("支部委员会", "支委会", "支部委员会会议"), (ItemKind.MEETING, MeetingKind.COMMITTEE)),
    **dict.fromkeys(("党小组会", "党小组会议"), (ItemKind.MEETING, MeetingKind.GROUP)),
    **dict.fromkeys(("党课", "专题党课"), (ItemKind.MEETING, MeetingKind.LECTURE)),
    **dict.fromkeys(("主题党日", "主题党日活动"), (ItemKind.MEETING, MeetingKind.THEME_DAY)),
}
# Words that name a meeting without saying which one.
MEETING_WORDS = ("会议", "三会一课", "meeting")
# An item's field (kinds.ItemError.field) → the column it comes from.
FIELD_COLUMNS = {
    "title": "内容",
    "due_at": "完成时限",
    "points": "分值",
    "body_html": "说明",
    "link_url": "链接",
    "meeting_kind": "形式",
    "starts_at": "会议时间",
    "place": "地点",
    "prompt": "说明",
    "exam_id": "测试",
}


# ---- reading numbers and dates as offices write them ----------------------------------------


def _plain(text: str) -> str:
    """Full-width digits and punctuation (１２, ：, ～) as their ASCII forms, spaces as one."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _whole(text: str) -> int | None:
    """12, 十二, 二十三 → the number; anything else → None."""
    text = text.replace(" ", "").removesuffix(".0")
    if text.isdigit():  # ASCII digits only: "፩" and "²" pass isdigit() but not int()
        return inputs.row_id(text)
    return branch_order.chinese_number(text)


def week_number(text: str) -> int | None:
    """第12周, 12, W12, 第十二周 → 12."""
    plain = _plain(text).replace(" ", "").lower()
    return _whole(plain.removeprefix("第").removeprefix("w").removesuffix("周").removesuffix("週"))


def month_number(text: str) -> int | None:
    """3, 3月, 03, 三月, 3月份 → 3."""
    return _whole(_plain(text).replace(" ", "").removesuffix("份").removesuffix("月"))


_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?!\d)")  # 20260309
_SHORT = re.compile(r"(\d{1,2})\s*[/.月]\s*(\d{1,2})\s*[日号]?")
_DAY_ONLY = re.compile(r"\s*(\d{1,2})\s*[日号]?\s*")
# A time after a day: 15:00, 15:00:00, T15:00:00 (a date cell), 15时30分, 15点.
_TIME = re.compile(r"\s*T?\s*(\d{1,2})\s*[:时点]\s*(\d{1,2})?(?::\d{1,2}(?:\.\d+)?)?\s*分?")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?(?![\d.])")
_RANGE = re.compile(r"\s*(?:至|到|~|-|—|–|―)\s*")
_NOTE = re.compile(r"\([^)]*\)")  # (周一), as some tables add
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (past its 1900 leap-year bug)
# Which year a day written without one (3月20日) is in, from its month and day.
YearFor = Callable[[int, int], int]


@dataclass(frozen=True)
class Moment:
    day: date
    at: time | None  # None: a day alone


def _valid_day(year_: int, month: int, day: int) -> date | None:
    try:
        return date(year_, month, day)
    except ValueError:
        return None


def _moment_at(text: str, year_for: YearFor) -> tuple[Moment, str] | None:
    """The day (and time) at the start of `text`, and what follows it."""
    if found := _SERIAL.match(text):
        value = float(found.group())
        if not 20_000 <= value <= 80_000:  # 1954 to 2119: the days a plan may name
            return None
        minutes = round((value - int(value)) * 24 * 60)
        at = time(minutes // 60, minutes % 60) if 0 < minutes < 24 * 60 else None
        return Moment(EXCEL_EPOCH + timedelta(days=int(value)), at), text[found.end() :]
    if (found := _FULL.match(text)) or (found := _COMPACT.match(text)):
        parsed = _valid_day(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    elif found := _SHORT.match(text):
        month, day_of_month = int(found.group(1)), int(found.group(2))
        parsed = _valid_day(year_for(month, day_of_month), month, day_of_month)
    else:
        return None
    if parsed is None:
        return None
    rest = text[found.end() :]
    at = None
    if clock_time := _TIME.match(rest):
        hour, minute = int(clock_time.group(1)), int(clock_time.group(2) or 0)
        if hour > 23 or minute > 59:
            return None
        # A date cell's midnight (2026-03-20T00:00:00) is a day alone: nobody plans for midnight.
        at = time(hour, minute) if (hour, minute) != (0, 0) else None
        rest = rest[clock_time.end() :]
    return Moment(parsed, at), rest.strip()


def parse_span(text: str, default_year: int) -> tuple[date, date | None] | None:
    """A day or a range of days as tables write them: 2026-03-09, 2026年3月9日, 3月9日, 3.9, an
    Excel serial (46090), 3月9日-3月15日, 3.9-3.15, 3月9日至15日, 2026/3/9～2026/3/15. None: not a day."""
    plain = _NOTE.sub("", _plain(text)).strip()
    first = _moment_at(plain, lambda _month, _day: default_year)
    if first is None:
        return None
    start, rest = first[0].day, first[1]
    if not rest:
        return start, None
    separator = _RANGE.match(rest)
    if separator is None:
        return None
    rest = rest[separator.end() :]
    second = _moment_at(rest, lambda _month, _day: start.year)
    if second is not None and not second[1]:
        return start, second[0].day
    if (lone := _DAY_ONLY.fullmatch(rest)) is not None:  # 3月9日至15日: the same month
        end = _valid_day(start.year, start.month, int(lone.group(1)))
        return (start, end) if end is not None else None
    return None


def parse_moment(text: str, near: date) -> Moment | None:
    """A day, with or without its time: 2026-03-20 15:00, 3月20日, 3.20 15:00, an Excel serial.
    A day written without its year is the one nearest `near` (a week at the turn of the year)."""

    def nearest(month: int, day_of_month: int) -> int:
        days = [
            day
            for y in (near.year - 1, near.year, near.year + 1)
            if (day := _valid_day(y, month, day_of_month))
        ]
        return min(days, key=lambda day: abs(day - near)).year if days else near.year

    found = _moment_at(_NOTE.sub("", _plain(text)).strip(), nearest)
    if found is None or found[1]:
        return None
    return found[0]


# ---- the plan of an import -------------------------------------------------------------------


@dataclass
class PlannedItem:
    row: int
    spec: ItemSpec


@dataclass
class PlannedPeriod:
    period: PlanPeriod
    start: date
    first_row: int
    column: str  # the column that named it on its first row
    theme: str = ""
    theme_row: int | None = None
    items: list[PlannedItem] = field(default_factory=list)
    replaces: Plan | None = None  # the draft it replaces

    @property
    def end(self) -> date:
        return service.period_end(self.period, self.start)

    @property
    def name(self) -> str:
        return service.period_name(self.period, self.start)


@dataclass
class YearImport:
    filename: str
    year: int
    level: Level
    periods: list[PlannedPeriod] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # canonical column → the file's header

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.periods)

    def listing(self) -> ProblemListing:
        return list_problems(sorted(self.problems, key=lambda problem: problem.row or 0))

    def label(self, column: str) -> str:
        return self.labels.get(column, column)

    @property
    def items(self) -> int:
        return sum(len(period.items) for period in self.periods)

    @property
    def replacing(self) -> int:
        return sum(1 for period in self.periods if period.replaces is not None)


def plan_import(
    session: Session, actor: User, filename: str, data: bytes, *, year_: int, branch_id: int | None
) -> YearImport:
    """Read and check every row of the file for the year and level; writes nothing. The level
    must be the actor's to plan for (year.level_for refuses others)."""
    result = YearImport(filename, year.check_year(year_), year.level_for(session, actor, branch_id))
    try:
        rows = read_rows(filename, data, LIMITS)
        header_index, columns = find_header(rows, COLUMNS, REQUIRED)
    except FileProblem as problem:
        result.problems.append(Problem(None, "", str(problem)))
        return result
    header = rows[header_index]
    result.labels = {name: header.get(position).replace(" ", "") for name, position in columns.items()}
    if not any(name in columns for name in PERIOD_COLUMNS):
        result.problems.append(
            Problem(None, "", _("No column says which week or month a row is for: add 周次, 月份 or 日期."))
        )
        return result
    _check_title(rows[:header_index], result)
    body = rows[header_index + 1 :]
    reader = _Reader(session, actor, result, columns)
    for row in body:
        reader.read(row)
    reader.finish()
    if not result.periods and not result.problems:
        result.problems.append(
            Problem(None, "", _("The file plans nothing: no row gives a theme or an item."))
        )
    return result


_YEAR_IN_TITLE = re.compile(r"(20\d\d)\s*年度?.*计划")


def _check_title(above: list[Row], result: YearImport) -> None:
    """A title above the header (2025年度党建工作计划表) names the year the table is for."""
    for row in above:
        for cell in row.cells:
            found = _YEAR_IN_TITLE.search(cell)
            if found and int(found.group(1)) != result.year:
                result.problems.append(
                    Problem(
                        None,
                        "",
                        _(
                            "Row %(row)d says the table is for %(file)s, but you are importing the plan of "
                            "%(year)d: choose %(file)s, or correct the file.",
                            row=row.number,
                            file=found.group(1),
                            year=result.year,
                        ),
                    )
                )
                return


class _Reader:
    def __init__(self, session: Session, actor: User, result: YearImport, columns: dict[str, int]) -> None:
        self.session = session
        self.result = result
        self.columns = columns
        self.by_key: dict[tuple[PlanPeriod, date], PlannedPeriod] = {}
        self.current: PlannedPeriod | None = None  # the period of the row above
        self.above_failed = False  # the row above named a period wrongly
        self.tests: dict[str, list[Exam]] = {}
        for exam in service.tests_to_link(session, actor):
            self.tests.setdefault(exam.title.strip(), []).append(exam)

    def cell(self, row: Row, name: str) -> str:
        return row.get(self.columns.get(name)).strip()

    def problem(self, row: int, column: str, message: str) -> None:
        self.result.problems.append(Problem(row, self.result.label(column), message))

    def read(self, row: Row) -> None:
        named = any(self.cell(row, name) for name in PERIOD_COLUMNS)
        if named:
            found = self._period(row)
            self.current, self.above_failed = found, found is None
        elif self.current is None:
            if not self.above_failed:
                # Named at the leftmost of the file's period columns: where the eye starts.
                first = min(
                    (name for name in PERIOD_COLUMNS if name in self.columns), key=self.columns.__getitem__
                )
                self.problem(
                    row.number, first, _("Say which week or month this row is for (周次, 月份 or 日期).")
                )
            return
        period = self.current
        if period is None:
            return
        theme = self.cell(row, "主题")
        has_item = any(self.cell(row, name) for name in ITEM_COLUMNS)
        if theme:
            self._theme(row, period, theme)
        if has_item:
            self._item(row, period)
        if (theme or has_item) and (period.period, period.start) not in self.by_key:
            self.by_key[(period.period, period.start)] = period

    # -- which period ------------------------------------------------------------------------

    def _period(self, row: Row) -> PlannedPeriod | None:
        year_ = self.result.year
        week_text, month_text, day_text = (self.cell(row, name) for name in PERIOD_COLUMNS)
        monday: date | None = None
        first_of_month: date | None = None
        before = len(self.result.problems)
        if week_text:
            number = week_number(week_text)
            if number is None:
                self.problem(row.number, "周次", _("“%(text)s” is not a week number.", text=week_text))
            elif not 1 <= number <= year.weeks_in(year_):
                self.problem(
                    row.number,
                    "周次",
                    _(
                        "%(year)d has %(weeks)d weeks: there is no week %(n)d.",
                        year=year_,
                        weeks=year.weeks_in(year_),
                        n=number,
                    ),
                )
            else:
                monday = year.week_monday(year_, number)
        if day_text:
            span = parse_span(day_text, year_)
            if span is None:
                self.problem(row.number, "日期", _("“%(text)s” is not a date.", text=day_text))
            else:
                monday, first_of_month = self._from_days(row, span, monday, week_text)
        if month_text:
            month = month_number(month_text)
            if month is None or not 1 <= month <= 12:
                self.problem(row.number, "月份", _("“%(text)s” is not a month.", text=month_text))
            elif monday is not None:
                if month not in {monday.month, (monday + timedelta(days=6)).month}:
                    self.problem(
                        row.number,
                        "月份",
                        _(
                            "Week %(n)d (%(days)s) is not in month %(month)d.",
                            n=monday.isocalendar().week,
                            days=i18n.period_text(monday, monday + timedelta(days=6)),
                            month=month,
                        ),
                    )
            elif first_of_month is not None:
                if first_of_month.month != month:
                    self.problem(
                        row.number, "月份", _("The dates are of month %(n)d.", n=first_of_month.month)
                    )
            elif not week_text:
                first_of_month = date(year_, month, 1)
        if len(self.result.problems) > before:
            return None
        if monday is not None:
            key = (PlanPeriod.WEEK, monday)
            column = "周次" if week_text else "日期"
        elif first_of_month is not None:
            key = (PlanPeriod.MONTH, first_of_month)
            column = "月份" if month_text and not day_text else "日期"
        else:
            return None
        return self.by_key.get(key) or PlannedPeriod(key[0], key[1], row.number, column)

    def _from_days(
        self, row: Row, span: tuple[date, date | None], monday: date | None, week_text: str
    ) -> tuple[date | None, date | None]:
        """The week (or the month) the 日期 cell names, checked against the 周次 and the year."""
        first, last = span
        year_ = self.result.year
        day_text = self.cell(row, "日期")
        whole_month = (
            last is not None and first.day == 1 and last == service.period_end(PlanPeriod.MONTH, first)
        )
        if whole_month and not week_text:
            if first.year != year_:
                self.problem(row.number, "日期", _("%(text)s is not in %(year)d.", text=day_text, year=year_))
            return None, first
        week_of_first = service.period_start(PlanPeriod.WEEK, first)
        if last is not None and (
            last < first or service.period_start(PlanPeriod.WEEK, last) != week_of_first
        ):
            self.problem(row.number, "日期", _("%(text)s is neither one week nor one month.", text=day_text))
            return monday, None
        found, wanted = week_of_first.isocalendar(), monday.isocalendar() if monday else None
        if wanted is not None and week_of_first != monday:
            # Week numbers of two years (a file of last year's imported into this year's) are
            # told apart by their years.
            reason = (
                _(
                    "%(text)s is in week %(found)d, not week %(n)d.",
                    text=day_text,
                    found=found.week,
                    n=wanted.week,
                )
                if found.year == wanted.year
                else _(
                    "%(text)s is in week %(found)d of %(found_year)d, not week %(n)d of %(year)d.",
                    text=day_text,
                    found=found.week,
                    found_year=found.year,
                    n=wanted.week,
                    year=wanted.year,
                )
            )
            self.problem(row.number, "日期", reason)
            return monday, None
        if found.year != year_:
            days = {first.year, (last or first).year}
            # 2025-12-29 is a day of 2025 but of week 1 of 2026: say which week, not just the year.
            reason = (
                _(
                    "%(text)s is in week %(n)d of %(found_year)d, not in the weeks of %(year)d.",
                    text=day_text,
                    n=found.week,
                    found_year=found.year,
                    year=year_,
                )
                if year_ in days
                else _("%(text)s is not in %(year)d.", text=day_text, year=year_)
            )
            self.problem(row.number, "日期", reason)
            return None, None
        return week_of_first, None

    # -- what the period holds ---------------------------------------------------------------

    def _theme(self, row: Row, period: PlannedPeriod, theme: str) -> None:
        if len(theme) > 200:
            self.problem(row.number, "主题", _("The theme is longer than 200 characters."))
        elif period.theme and period.theme != theme:
            self.problem(
                row.number,
                "主题",
                _(
                    "%(period)s has the theme “%(theme)s” on row %(row)d: a week or month has one theme.",
                    period=period.name,
                    theme=period.theme,
                    row=period.theme_row or period.first_row,
                ),
            )
        elif not period.theme:
            period.theme, period.theme_row = theme, row.number

    def _item(self, row: Row, period: PlannedPeriod) -> None:
        before = len(self.result.problems)
        title = self.cell(row, "内容")
        if not title:
            self.problem(row.number, "内容", _("Say what the item is (its title)."))
        elif len(title) > 200:
            self.problem(row.number, "内容", _("The title is longer than 200 characters."))
        kind, meeting_kind = self._kind(row)
        due = self._due(row, period)
        points = self._points(row)
        meeting_time = self._meeting_time(row, period) if kind is ItemKind.MEETING else None
        exam_id = self._test(row, title, period) if kind is ItemKind.TEST else None
        if len(period.items) >= service.MAX_ITEMS:
            self.problem(
                row.number,
                "内容",
                _(
                    "%(period)s has %(n)d items already, the most a plan holds.",
                    period=period.name,
                    n=service.MAX_ITEMS,
                ),
            )
        if len(self.result.problems) > before or kind is None or due is None or points is None:
            return
        text = self.cell(row, "说明") or title
        spec = ItemSpec(
            kind=kind,
            title=title,
            due_at=due,
            points=points,
            body_html=text,
            link_url=self.cell(row, "链接"),
            meeting_kind=meeting_kind,
            starts_at=meeting_time,
            place=self.cell(row, "地点")[:200],
            prompt=text,
            exam_id=exam_id,
        )
        try:
            where = service.item_name(len(period.items) + 1, title)
            kinds.get(kind).check(self.session, spec, where)
            service.check_times(spec, period.period, period.start, where)
        except ItemError as refused:
            self.problem(row.number, FIELD_COLUMNS.get(refused.field, "内容"), refused.reason)
            return
        if len(spec.link_url) > 500:
            self.problem(row.number, "链接", _("The address is longer than 500 characters."))
            return
        period.items.append(PlannedItem(row.number, spec))

    def _kind(self, row: Row) -> tuple[ItemKind | None, MeetingKind | None]:
        text = self.cell(row, "形式")
        if not text:
            return ItemKind.READ, None
        plain = _plain(text)
        found = KIND_NAMES.get(plain) or KIND_NAMES.get(plain.lower())
        if found is not None:
            return found
        if plain.lower() in MEETING_WORDS:
            self.problem(
                row.number,
                "形式",
                _("Say which meeting: 支部党员大会, 支部委员会, 党小组会, 党课 or 主题党日."),
            )
        else:
            self.problem(
                row.number,
                "形式",
                _(
                    "“%(text)s” is not a kind of item: write 阅读, 观看, 心得, 测试, or the meeting "
                    "(支部党员大会, 支部委员会, 党小组会, 党课, 主题党日).",
                    text=text,
                ),
            )
        return None, None

    def _due(self, row: Row, period: PlannedPeriod) -> datetime | None:
        text = self.cell(row, "完成时限")
        if not text:
            return service.default_due(period.period, period.start)
        found = parse_moment(text, period.start)
        if found is None:
            self.problem(row.number, "完成时限", _("“%(text)s” is not a date.", text=text))
            return None
        return datetime.combine(found.day, found.at or time(22), clock.local_zone())

    def _points(self, row: Row) -> int | None:
        text = self.cell(row, "分值")
        if not text:
            return 1
        number = _plain(text).removesuffix("分").removesuffix(".0")
        whole = inputs.row_id(number)
        if whole is None or whole > service.MAX_ITEM_POINTS:
            self.problem(
                row.number,
                "分值",
                _(
                    "“%(text)s”: points are a whole number from 0 to %(n)d.",
                    text=text,
                    n=service.MAX_ITEM_POINTS,
                ),
            )
            return None
        return whole

    def _meeting_time(self, row: Row, period: PlannedPeriod) -> datetime | None:
        text = self.cell(row, "会议时间")
        if not text:
            return None  # the kind's check names the missing time
        found = parse_moment(text, period.start)
        if found is None:
            self.problem(row.number, "会议时间", _("“%(text)s” is not a date.", text=text))
            return None
        return datetime.combine(found.day, found.at or time(MEETING_HOUR), clock.local_zone())

    def _test(self, row: Row, title: str, period: PlannedPeriod) -> int | None:
        """The test the row names (测试, else its 内容) by title; of several so named, the one
        opening nearest the period."""
        name = self.cell(row, "测试") or title
        column = "测试" if self.cell(row, "测试") else "内容"
        found = self.tests.get(name)
        if not found:
            self.problem(row.number, column, _("There is no test called “%(name)s”.", name=name))
            return None
        start = datetime.combine(period.start, time(0), clock.local_zone())
        return min(found, key=lambda exam: abs(exam.opens_at - start)).id

    # -- the periods together ----------------------------------------------------------------

    def finish(self) -> None:
        periods = sorted(self.by_key.values(), key=lambda p: (p.start, p.period is PlanPeriod.WEEK))
        existing: dict[tuple[PlanPeriod, date], list[Plan]] = {}
        query = (
            select(Plan)
            .where(year.same_level(self.result.level.branch_id), year.in_year(self.result.year))
            .order_by(Plan.id)
        )
        for plan in self.session.scalars(query):
            existing.setdefault((plan.period, plan.start), []).append(plan)
        for period in periods:
            if not period.theme:
                self.problem(
                    period.first_row,
                    "主题",
                    _("%(period)s has no theme: give it on one of its rows.", period=period.name),
                )
            plans = existing.get((period.period, period.start), [])
            if kept := [plan for plan in plans if plan.status is not PlanStatus.DRAFT]:
                self.problem(
                    period.first_row,
                    period.column,
                    _(
                        "%(period)s already has a scheduled or published plan, “%(theme)s”: the import "
                        "never changes one. Take its rows out of the file.",
                        period=period.name,
                        theme=kept[0].theme,
                    ),
                )
            elif plans:
                period.replaces = plans[0]
        self.result.periods = periods


# ---- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    created: int
    replaced: int
    items: int


def apply_import(session: Session, actor: User, plan: YearImport, *, now: datetime) -> Imported:
    """Create (or replace) every period's draft in the caller's transaction; the caller commits,
    or rolls back all of it on a DomainError."""
    if not plan.ok:
        raise DomainError(_("The file still has problems; nothing was imported."), ErrorCode.INVALID)
    created = replaced = 0
    for period in plan.periods:
        spec = PlanSpec(
            period.period,
            period.start,
            period.theme,
            plan.level.branch_id,
            items=[item.spec for item in period.items],
        )
        if period.replaces is None:
            service.save_plan(session, actor, spec, now=now)
            created += 1
            continue
        draft = session.get(Plan, period.replaces.id, with_for_update=True, populate_existing=True)
        if draft is None or draft.status is not PlanStatus.DRAFT:
            raise DomainError(
                _("%(period)s’s draft changed since the preview: check the file again.", period=period.name),
                ErrorCode.REFUSED,
            )
        spec.notes = draft.notes
        service.save_plan(session, actor, spec, plan_id=draft.id, now=now)
        replaced += 1
    accounts.record(
        session,
        actor,
        "plan.import",
        f"{plan.year} {plan.level.name}: {plan.filename}",
        now=now,
        year=plan.year,
        branch_id=plan.level.branch_id,
        created=created,
        replaced=replaced,
        items=plan.items,
    )
    return Imported(created, replaced, plan.items)


# ---- the template ----------------------------------------------------------------------------


def template_workbook(year_: int) -> bytes:
    """The downloadable template: the table with example rows for `year_` (they import as they
    are) and a sheet of notes."""
    week = 10  # early March, every year
    monday = year.week_monday(year_, week)
    header = (
        "周次",
        "月份",
        "日期",
        "主题",
        "内容",
        "形式",
        "完成时限",
        "分值",
        "说明",
        "链接",
        "会议时间",
        "地点",
    )
    examples: list[dict[str, object]] = [
        {
            "周次": f"第{week}周",
            "日期": monday,
            "主题": "学习贯彻宪法精神",
            "内容": "学习《中华人民共和国宪法》第一章总纲",
            "形式": "阅读",
            "完成时限": monday + timedelta(days=4),
            "分值": 2,
            "说明": "通读第一章，重点理解第一条至第五条。",
        },
        {
            "内容": "观看宪法宣传教育专题片",
            "形式": "观看",
            "分值": 1,
            "链接": "http://intranet.example/video/xianfa",
        },
        {
            "内容": "支部党员大会：专题学习宪法",
            "形式": "支部党员大会",
            "分值": 2,
            "会议时间": f"{monday + timedelta(days=2)} 15:00",
            "地点": "三楼会议室",
        },
        {"内容": "撰写学习心得", "形式": "心得", "分值": 3, "说明": "结合本职工作谈谈学习宪法的体会。"},
        {
            "月份": "4月",
            "主题": "深入学习党章党规",
            "内容": "学习《中国共产党章程》",
            "形式": "阅读",
            "分值": 2,
        },
    ]
    rows: list[tuple[object, ...]] = [
        (f"{year_}年度党建工作计划表",),
        header,
        *(tuple(example.get(name, "") for name in header) for example in examples),
    ]
    notes = [
        ("列", "必填", "说明"),
        ("周次", "周次、月份、日期至少一列", "第几周（ISO 周，周一至周日）：12、第12周、第十二周。"),
        ("月份", "", "月度计划写月份（3、3月），不写周次和日期；与周次同写时须是该周所在的月份。"),
        (
            "日期",
            "",
            "该周内的一天或起止日期（2026-03-09、3月9日、3.9-3.15、Excel 日期），没有周次时用它确定所在周；"
            "整月的起止日期（3月1日-3月31日）表示月度计划。",
        ),
        (
            "主题",
            "是",
            "每周（每月）一个主题。同一周的各行可只在第一行填写，或合并单元格；同一周写了两个不同主题会报错。",
        ),
        (
            "内容",
            "有学习任务时必填",
            "学习任务的标题。只有周次和主题的行建立没有任务的计划；什么都没写的周跳过。",
        ),
        (
            "形式",
            "否",
            "阅读（默认）、观看、心得、测试，或会议名称：支部党员大会、支部委员会、党小组会、党课、主题党日。",
        ),
        ("完成时限", "否", "默认该周周日（该月最后一天）22:00；只写日期时为当天 22:00。"),
        ("分值", "否", "完成可得积分，0–100，默认 1。"),
        ("说明", "否", "阅读的正文（不填则用内容）、心得体会的题目（不填则用内容）。"),
        ("链接", "观看必填", "视频的内网地址（http:// 或 https://）。"),
        ("测试", "测试时填写", "已有测试的名称；不填时按“内容”查找。同名测试取开放时间最近的一个。"),
        ("会议时间", "会议必填", "如 2026-03-11 15:00；只写日期时为当天 9:00。"),
        ("地点", "否", "会议地点。"),
        (
            "导入规则",
            "",
            "先预览，每个问题都标明行号和列名，有问题时什么也不导入。导入的计划均为草稿：已定时或已发布计划的周（月）"
            "不会被改动（预览中报错）；已有草稿的周（月）替换其主题和任务。",
        ),
    ]
    widths = dict(zip("ABCDEFGHIJKL", (10, 8, 12, 20, 32, 12, 12, 6, 30, 30, 18, 12), strict=True))
    return xlsx_bytes(Sheet("年度计划", rows, widths), Sheet("填写说明", notes, {"A": 10, "B": 18, "C": 80}))
