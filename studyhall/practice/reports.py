"""What practice tells secretaries and administrators: the questions most often answered wrong (错题热度),
by category, and the week's best challenge streaks.

A mistake counts where the person can learn from it: a wrong practice answer (daily, sets, the
challenge, the book's reviews), and a wrong answer in a test once the test has been filed to its
owner's book (practice.book.file_tests: after its review opened). A test not yet filed is left out,
so the list never hints at a test's keys before its review does."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from studyhall import clock
from studyhall.accounts.levels import Tree
from studyhall.accounts.models import User
from studyhall.banks.models import Bank, Question
from studyhall.exams.models import Attempt, AttemptItem
from studyhall.points import periods
from studyhall.points.models import Period
from studyhall.practice import holding
from studyhall.practice.models import FiledAttempt, PracticeAnswer, PracticeRound, RoundKind
from studyhall.tabular import Sheet, xlsx_bytes

PER_PAGE = 20  # categories a page


class HeatPeriod(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


PERIOD_LABELS = {
    HeatPeriod.WEEK: _l("This week"),
    HeatPeriod.MONTH: _l("This month"),
    HeatPeriod.ALL: _l("All time"),
}
_PERIODS = {HeatPeriod.WEEK: Period.WEEK, HeatPeriod.MONTH: Period.MONTH}


def since(period: HeatPeriod, now: datetime) -> datetime | None:
    """The local midnight the period began (None: all time)."""
    if period not in _PERIODS:
        return None
    span = periods.current(_PERIODS[period], now, clock.local_zone())
    return datetime.combine(span.start, time(), clock.local_zone())


@dataclass(frozen=True)
class QuestionHeat:
    lineage: str
    stem: str  # the newest version's
    bank: str
    wrong: int
    answered: int

    @property
    def rate(self) -> float:
        return self.wrong / self.answered if self.answered else 0.0


@dataclass
class CategoryHeat:
    name: str  # "" for questions without a category
    wrong: int = 0
    answered: int = 0  # every answer to its questions, right ones included
    questions: list[QuestionHeat] = field(default_factory=list)  # those answered wrong, most first

    @property
    def rate(self) -> float:
        return self.wrong / self.answered if self.answered else 0.0


def _scoped(query: Select, user_id: object, branch_ids: Collection[int] | None) -> Select:
    query = query.join(User, User.id == user_id)
    return query if branch_ids is None else query.where(User.branch_id.in_(branch_ids))


def _tallies(
    session: Session, branch_ids: Collection[int] | None, start: datetime | None
) -> dict[str, list[int]]:
    """lineage → [wrong, answered], over practice and filed tests, by people in scope."""
    practice = _scoped(
        select(
            PracticeAnswer.lineage,
            func.count(),
            func.sum(case((PracticeAnswer.correct.is_(False), 1), else_=0)),
        ),
        PracticeAnswer.user_id,
        branch_ids,
    ).group_by(PracticeAnswer.lineage)
    tests = _scoped(
        select(
            AttemptItem.lineage,
            func.count(),
            func.sum(case((AttemptItem.awarded < AttemptItem.score, 1), else_=0)),
        )
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .join(FiledAttempt, FiledAttempt.attempt_id == Attempt.id)
        .where(AttemptItem.awarded.is_not(None)),  # never marked: neither right nor wrong
        Attempt.user_id,
        branch_ids,
    ).group_by(AttemptItem.lineage)
    if start is not None:
        practice = practice.where(PracticeAnswer.at >= start)
        tests = tests.where(Attempt.submitted_at >= start)
    found: dict[str, list[int]] = {}
    for query in (practice, tests):
        for lineage, answered, wrong in session.execute(query):
            tally = found.setdefault(lineage, [0, 0])
            tally[0] += wrong or 0
            tally[1] += answered
    return found


def heat(
    session: Session, branch_ids: Collection[int] | None, *, start: datetime | None
) -> list[CategoryHeat]:
    """The categories whose questions people in scope (None: everyone) answered wrong since `start`,
    most mistakes first (then the higher rate), each with those questions, most mistakes first. A
    question with several categories counts in each."""
    tallies = _tallies(session, branch_ids, start)
    categories: dict[str, CategoryHeat] = {}
    rows = session.execute(
        select(Question.lineage, Question.stem, Question.categories, Bank.name)
        .join(Bank, Bank.id == Question.bank_id)
        .where(Question.current, Question.lineage.in_(list(tallies)))
    )
    for lineage, stem, names, bank in rows:
        wrong, answered = tallies[lineage]
        for name in names or [""]:
            category = categories.setdefault(name, CategoryHeat(name))
            category.wrong += wrong
            category.answered += answered
            if wrong:
                category.questions.append(QuestionHeat(lineage, stem, bank, wrong, answered))
    found = [category for category in categories.values() if category.wrong]
    for category in found:
        category.questions.sort(key=lambda q: (-q.wrong, -q.rate, q.stem))
    return sorted(found, key=lambda c: (-c.wrong, -c.rate, c.name))


def hide_held(session: Session, found: list[CategoryHeat], *, now: datetime) -> list[CategoryHeat]:
    """The list as someone who may sit a test sees it: a question a test under way may ask keeps its
    figures but not its stem ("" here), which would tell which questions the test asks."""
    held = holding.held(session, {q.lineage for category in found for q in category.questions}, now=now)
    for category in found:
        category.questions = [replace(q, stem="") if q.lineage in held else q for q in category.questions]
    return found


def held_stem() -> str:
    return _("A question a test under way may ask: shown again once the test is over.")


def category_name(category: CategoryHeat) -> str:
    return category.name or _("No category")


def export(found: list[CategoryHeat]) -> bytes:
    """The whole list as .xlsx: the categories' figures on one sheet, each question answered
    wrong on another (so sorting or summing either mixes no totals with their parts)."""
    header = [_("Times wrong"), _("Times answered"), _("Error rate")]
    categories: list[list[object]] = [[_("Category"), *header]]
    categories += [[category_name(c), c.wrong, c.answered, c.rate] for c in found]
    questions: list[list[object]] = [[_("Category"), _("Question"), _("Bank"), *header]]
    questions += [
        [category_name(category), q.stem or held_stem(), q.bank, q.wrong, q.answered, q.rate]
        for category in found
        for q in category.questions
    ]
    return xlsx_bytes(
        Sheet(_("Categories"), categories, {"A": 24, "B": 12, "C": 12, "D": 12}, {"D": "0%"}),
        Sheet(_("Questions answered wrong"), questions, {"A": 16, "B": 60, "C": 16, "F": 12}, {"F": "0%"}),
    )


# ---- the challenge's weekly board ------------------------------------------------------------------


@dataclass(frozen=True)
class Streak:
    rank: int
    user_id: int
    name: str
    branch: str  # the person's 党支部 (and 党小组): two people may share a name
    streak: int  # right answers in the person's best challenge of the week
    reached_at: datetime  # when that streak's last right answer was given


def streak_board(
    session: Session, *, week_start: date, branch_ids: Collection[int] | None = None, limit: int = 20
) -> list[Streak]:
    """The week's best challenge per person (challenges started from Monday 00:00 to the next,
    local time), most right answers first; a tie goes to whoever reached it first. Nobody with a
    best of nought is listed."""
    zone = clock.local_zone()
    begins = datetime.combine(week_start, time(), zone)
    rounds = _scoped(
        select(
            PracticeRound.user_id,
            User.display_name,
            User.branch_id,
            func.count(PracticeAnswer.id),
            func.max(PracticeAnswer.at),
        )
        .join(PracticeAnswer, PracticeAnswer.round_id == PracticeRound.id)
        .where(
            PracticeRound.kind == RoundKind.CHALLENGE,
            PracticeRound.started_at >= begins,
            PracticeRound.started_at < begins + timedelta(days=7),
            PracticeAnswer.correct.is_(True),
            User.active.is_(True),
        ),
        PracticeRound.user_id,
        branch_ids,
    ).group_by(PracticeRound.id, PracticeRound.user_id, User.display_name, User.branch_id)
    best: dict[int, tuple[int, datetime, str, int | None]] = {}
    for user_id, name, branch_id, streak, reached_at in session.execute(rounds):
        held = best.get(user_id)
        if held is None or (-streak, reached_at) < (-held[0], held[1]):
            best[user_id] = (streak, reached_at, name, branch_id)
    ranked = sorted(best.items(), key=lambda pair: (-pair[1][0], pair[1][1], pair[0]))[:limit]
    tree = Tree.read(session)
    return [
        Streak(rank, user_id, name, tree.path(branch_id), streak, reached_at)
        for rank, (user_id, (streak, reached_at, name, branch_id)) in enumerate(ranked, start=1)
    ]
