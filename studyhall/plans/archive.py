"""我的学习档案: what a person did in one year, month by month, as the party office files it on paper
each year: the read and watch items done, the reflections approved (优秀 marked), the meetings
attended, the tests taken and the year's points.

A person opens their own; a secretary those of the people of their 党支部, an administrator
anyone's (someone who has left too: the record is filed for them as well); anyone else's is not
found. Each kind of entry is one query for the whole year, and the points of all of them one more;
a test then asks its own rules (a few queries each) whether its score may show.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import QueryableAttribute, Session, selectinload

from studyhall import clock
from studyhall.accounts import levels
from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import points as exam_points
from studyhall.exams import service as exams
from studyhall.exams.models import Attempt, AttemptState, Exam
from studyhall.plans import meetings
from studyhall.plans import service as plans
from studyhall.plans.meeting_models import Meeting
from studyhall.plans.models import ItemKind, Plan, PlanItem, Progress, ProgressState
from studyhall.plans.reflection_models import Reflection, ReflectionState
from studyhall.points.models import Period, PointAward, PointTotal

FIRST_YEAR = 2000  # the ledger's first (points.periods.ALL_TIME_START)
# A month of more entries than this starts a new printed page; shorter ones are kept whole on one.
LONG_MONTH = 12


class EntryKind(enum.StrEnum):
    ITEM = "item"  # a read or watch item done
    REFLECTION = "reflection"  # a reflection approved
    MEETING = "meeting"  # a meeting attended
    TEST = "test"  # a test taken (its counted attempt)


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    at: datetime  # when it was done: approved, held, handed in
    title: str
    points: int  # what it earned in the ledger, corrections included
    item: PlanItem | None = None
    plan: Plan | None = None
    reflection: Reflection | None = None
    attempt: Attempt | None = None
    meeting: Meeting | None = None
    score_shown: bool = False  # the test's own rule for showing its person the score


@dataclass(frozen=True)
class Month:
    start: date  # the 1st
    entries: list[Entry]

    @property
    def long(self) -> bool:
        return len(self.entries) > LONG_MONTH


@dataclass(frozen=True)
class Archive:
    person: User
    branch: str  # 第一党支部 / 第一党小组
    year: int
    months: list[Month]
    points: int  # the year's points under every rule (sign-in, 学习强国-style daily ones too)
    counts: dict[EntryKind, int] = field(default_factory=dict)

    @property
    def excellent(self) -> int:
        """How many of the year's reflections were marked 优秀."""
        return sum(
            bool(entry.reflection and entry.reflection.excellent)
            for month in self.months
            for entry in month.entries
        )


def person_for(session: Session, actor: User, user_id: int) -> User:
    """Whose record the actor may open: their own, their 党支部's people for a secretary, anyone's
    for an administrator."""
    person = session.get(User, user_id)
    if person is None:
        raise DomainError(_("No such person."), ErrorCode.NOT_FOUND)
    visible = accounts.visible_branch_ids(session, actor)  # None: an administrator's, everyone
    if person.id == actor.id or visible is None or person.branch_id in visible:
        return person
    raise DomainError(_("No such person."), ErrorCode.NOT_FOUND)


def this_year(now: datetime) -> int:
    return plans.local_today(now).year


def years(person: User, shown: int, *, now: datetime) -> list[int]:
    """The years to choose from, latest first: from the one the person's account was made in (or
    the one shown, if earlier: an account imported after its person's first studies)."""
    first = max(FIRST_YEAR, min(shown, person.created_at.astimezone(clock.local_zone()).year))
    return list(range(this_year(now), first - 1, -1))


def _bounds(year: int) -> tuple[datetime, datetime]:
    zone = clock.local_zone()
    return (
        datetime.combine(date(year, 1, 1), time(), zone),
        datetime.combine(date(year + 1, 1, 1), time(), zone),
    )


def _within(column: QueryableAttribute[datetime | None], year: int) -> ColumnElement[bool]:
    start, end = _bounds(year)
    return and_(column >= start, column < end)


def archive(session: Session, actor: User, user_id: int, year: int, *, now: datetime) -> Archive:
    """The person's record for the year (a local calendar year), refused past this year."""
    person = person_for(session, actor, user_id)
    if not FIRST_YEAR <= year <= this_year(now):
        raise DomainError(_("No record for that year."), ErrorCode.NOT_FOUND)
    found = [
        *_items(session, person, year),
        *_meetings(session, person, year),
        *_reflections(session, person, year),
        *_tests(session, person, year, now=now),
    ]
    earned = _points(session, person, [sources for _entry, sources in found])
    entries = [
        replace(entry, points=sum(earned.get(source, 0) for source in sources)) for entry, sources in found
    ]
    zone = clock.local_zone()
    by_month: dict[date, list[Entry]] = defaultdict(list)
    for entry in sorted(entries, key=lambda entry: entry.at):
        by_month[entry.at.astimezone(zone).date().replace(day=1)].append(entry)
    counts = {kind: sum(entry.kind is kind for entry in entries) for kind in EntryKind}
    return Archive(
        person,
        levels.Tree.read(session).path(person.branch_id),
        year,
        [Month(start, listed) for start, listed in sorted(by_month.items())],
        _year_points(session, person, year),
        counts,
    )


Found = tuple[Entry, list[str]]  # an entry, and the ledger sources of its points


def _items(session: Session, person: User, year: int) -> list[Found]:
    """Read and watch items done in the year (a reflection, a meeting and a test item are listed as
    the reflection, the meeting and the test)."""
    rows = session.execute(
        select(Progress, PlanItem, Plan)
        .join(PlanItem, PlanItem.id == Progress.item_id)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(
            Progress.user_id == person.id,
            Progress.state == ProgressState.DONE,
            PlanItem.kind.in_([ItemKind.READ, ItemKind.WATCH]),
            _within(Progress.done_at, year),
        )
    )
    return [
        (
            Entry(
                EntryKind.ITEM, progress.done_at or progress.started_at, item.title, 0, item=item, plan=plan
            ),
            [f"plan_item:{item.id}"],
        )
        for progress, item, plan in rows
    ]


def _meetings(session: Session, person: User, year: int) -> list[Found]:
    """Meetings the person was recorded present at in the year (the 三会一课 records), with what
    their attendance gave: the meeting's points and, for the meeting of a plan's meeting item, the
    item's."""
    return [
        (
            Entry(
                EntryKind.MEETING,
                meeting.starts_at,
                meeting.topic,
                0,
                item=meeting.item,
                plan=meeting.item.plan if meeting.item else None,
                meeting=meeting,
            ),
            [meetings.source(meeting)] + ([f"plan_item:{meeting.item.id}"] if meeting.item else []),
        )
        for meeting in meetings.attended(session, person, year)
    ]


def _reflections(session: Session, person: User, year: int) -> list[Found]:
    """Reflections approved in the year; their points are the item's (for writing it) and the
    approval's."""
    rows = session.execute(
        select(Reflection, PlanItem, Plan)
        .join(PlanItem, PlanItem.id == Reflection.item_id)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(
            Reflection.user_id == person.id,
            Reflection.state == ReflectionState.APPROVED,
            _within(Reflection.reviewed_at, year),
        )
    )
    return [
        (
            Entry(
                EntryKind.REFLECTION,
                reflection.reviewed_at or reflection.saved_at,
                item.title,
                0,
                item=item,
                plan=plan,
                reflection=reflection,
            ),
            [f"plan_item:{item.id}", f"reflection:{reflection.id}"],
        )
        for reflection, item, plan in rows
    ]


def _tests(session: Session, person: User, year: int, *, now: datetime) -> list[Found]:
    """Tests handed in during the year, one entry each for the attempt that counts; its score only
    where the test's rules show it to its person now (exams.service.score_shown: never while it
    could tell a key still in use). Points: the test's, and those of a plan's test item for it."""
    attempts = session.scalars(
        select(Attempt)
        .where(
            Attempt.user_id == person.id,
            Attempt.state == AttemptState.SUBMITTED,
            _within(Attempt.submitted_at, year),
        )
        .options(selectinload(Attempt.items), selectinload(Attempt.exam))
        .order_by(Attempt.exam_id, Attempt.number)
    ).all()
    by_exam: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        by_exam[attempt.exam_id].append(attempt)
    linked: dict[int | None, list[str]] = defaultdict(list)
    for item_id, exam_id in session.execute(
        select(PlanItem.id, PlanItem.exam_id)
        .join(Progress, and_(Progress.item_id == PlanItem.id, Progress.user_id == person.id))
        .where(
            Progress.state == ProgressState.DONE,
            PlanItem.kind == ItemKind.TEST,
            PlanItem.exam_id.in_(list(by_exam)),
        )
    ):
        linked[exam_id].append(f"plan_item:{item_id}")
    found: list[Found] = []
    for exam_id, taken in by_exam.items():
        exam: Exam = taken[0].exam
        counted = exams.counted_attempt(exam, taken)
        if counted is None or counted.submitted_at is None:
            continue
        entry = Entry(
            EntryKind.TEST,
            counted.submitted_at,
            exam.title,
            0,
            attempt=counted,
            score_shown=exams.score_shown(session, exam, taken, now=now),
        )
        found.append((entry, [exam_points.source(exam), *linked[exam_id]]))
    return found


def _points(session: Session, person: User, sources: Iterable[list[str]]) -> dict[str, int]:
    """What each source gave the person in the ledger, corrections included."""
    wanted = sorted({source for listed in sources for source in listed})
    if not wanted:
        return {}
    rows = session.execute(
        select(PointAward.source, func.sum(PointAward.points))
        .where(PointAward.user_id == person.id, PointAward.source.in_(wanted))
        .group_by(PointAward.source)
    )
    return {source: int(total or 0) for source, total in rows}


def _year_points(session: Session, person: User, year: int) -> int:
    total = session.scalar(
        select(PointTotal.points).where(
            PointTotal.period == Period.YEAR.value,
            PointTotal.start == date(year, 1, 1),
            PointTotal.user_id == person.id,
        )
    )
    return int(total or 0)
