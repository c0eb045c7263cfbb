"""Papers: drawing questions for one person (now, or ahead in a stock), showing them without keys,
and marking responses."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol, TypedDict

from flask_babel import gettext as _
from sqlalchemy import Label, Row, bindparam, delete, func, insert, literal, select, true
from sqlalchemy.orm import Session

from studyhall.banks.models import Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams.models import Attempt, AttemptItem, Exam, ExamItem, ExamPaper, ExamRule
from studyhall.questions import types

USAGE_WINDOW = 100  # papers: how far back "least used" looks


@dataclass(frozen=True)
class Drawn:
    # The whole version (a live draw), or the columns a cadre is shown (a stocked paper).
    question: Question | Row
    score: float
    option_order: list[int]


@dataclass(frozen=True)
class Line:
    """One position of a paper as drawn, before anything of the question but its id is read."""

    question_id: int
    lineage: str
    score: float
    option_order: list[int]


@dataclass(frozen=True)
class Pools:
    """What a test's papers are drawn from, read once for any number of papers. Each question is a
    row of (id, lineage, type, option count) and, for the rules, what the rules select by."""

    fixed: list[tuple[Row, float]]  # the hand-picked questions and their scores
    rules: list[tuple[ExamRule, list[Row]]]  # each rule and the questions it may draw


def draw(session: Session, exam: Exam, rng: random.Random) -> list[Drawn]:
    """A paper for one person: the hand-picked questions, then each rule's draw, the questions
    least used on this test's recent papers first (ties broken at random), shuffled as the exam
    says.

    Pools are chosen from a few columns of each question and only the chosen questions are
    loaded whole: every start without a stocked paper draws, and a thousand cadres start within
    seconds."""
    lines = _choose(exam, _pools(session, exam), _recent_usage(session, exam), rng)
    ids = [line.question_id for line in lines]
    questions = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(ids)))}
    return [Drawn(questions[line.question_id], line.score, line.option_order) for line in lines]


def _pools(session: Session, exam: Exam) -> Pools:
    fixed: list[tuple[Row, float]] = []
    if exam.items:
        current = {
            row.lineage: row
            for row in session.execute(
                select(Question.id, Question.lineage, Question.type, _option_count(), Question.retired).where(
                    Question.lineage.in_([item.lineage for item in exam.items]), Question.current
                )
            )
        }
        for item in exam.items:
            row = current.get(item.lineage)
            if row is None or row.retired:
                raise DomainError(
                    _("A hand-picked question of this test is no longer available."), ErrorCode.POOL
                )
            fixed.append((row, item.score))
    candidates = _candidates(session, exam.rules)
    return Pools(
        fixed,
        [
            (rule, [row for row in candidates[rule.bank_id, rule.type or None] if _admits(rule, row)])
            for rule in exam.rules
        ],
    )


def pools_holding(
    session: Session, exam_ids: Collection[int], lineages: Collection[str] | None = None
) -> dict[int, set[str]]:
    """The lineages each test's papers may hold — its hand-picked questions and whatever its rules
    admit, as a draw would choose them — limited to `lineages` when given. Three queries for any
    number of tests: who else may still show a question, and what a test's pool shares."""
    held: dict[int, set[str]] = defaultdict(set)
    if not exam_ids:
        return held
    picked = select(ExamItem.exam_id, ExamItem.lineage).where(ExamItem.exam_id.in_(exam_ids))
    if lineages is not None:
        picked = picked.where(ExamItem.lineage.in_(lineages))
    for exam_id, lineage in session.execute(picked):
        held[exam_id].add(lineage)
    rules = list(session.scalars(select(ExamRule).where(ExamRule.exam_id.in_(exam_ids))))
    candidates = _candidates(session, rules, lineages)
    for rule in rules:
        held[rule.exam_id].update(
            row.lineage for row in candidates[rule.bank_id, rule.type or None] if _admits(rule, row)
        )
    return held


def _choose(exam: Exam, pools: Pools, usage: Counter[str], rng: random.Random) -> list[Line]:
    """One paper from the pools; `usage` counts how often each lineage was on recent papers."""
    chosen = list(pools.fixed)
    taken = {row.lineage for row, _score in chosen}
    for rule, candidates in pools.rules:
        pool = [row for row in candidates if row.lineage not in taken]
        if len(pool) < rule.count:
            raise DomainError(
                _(
                    "Rule %(n)d needs %(count)d questions but its pool has only %(size)d.",
                    n=rule.position,
                    count=rule.count,
                    size=len(pool),
                ),
                ErrorCode.POOL_TOO_SMALL,
            )
        pool.sort(key=lambda row: (usage[row.lineage], rng.random()))
        for row in pool[: rule.count]:
            chosen.append((row, rule.score))
            taken.add(row.lineage)
    if exam.shuffle_questions:
        rng.shuffle(chosen)
    lines = []
    for row, score in chosen:
        order = list(range(row.option_count))
        if exam.shuffle_options and types.get(row.type).has_options:
            rng.shuffle(order)
        lines.append(Line(row.id, row.lineage, score, order))
    return lines


def stock(session: Session, exam: Exam, count: int, rng: random.Random, *, now: datetime) -> None:
    """Draw `count` papers ahead of the start (see ExamPaper). Each counts towards the next one's
    least-used questions, so a stock spreads the questions as evenly as one-by-one draws."""
    drawn_from = _pools(session, exam)
    usage = _recent_usage(session, exam)
    papers = []
    for _n in range(count):
        lines = _choose(exam, drawn_from, usage, rng)
        usage.update(line.lineage for line in lines)
        papers.append(
            {
                "exam_id": exam.id,
                "lines": [[ln.question_id, ln.lineage, ln.score, ln.option_order] for ln in lines],
                "drawn_at": now,
            }
        )
    if papers:
        session.execute(insert(ExamPaper), papers)


# A claim's statements, built once (a start is a hot request: see exams.service).
_CLAIM = (
    delete(ExamPaper)
    .where(
        ExamPaper.id
        == select(ExamPaper.id)
        .where(ExamPaper.exam_id == bindparam("exam_id"))
        .order_by(ExamPaper.id)
        .limit(1)
        .with_for_update(skip_locked=True)  # concurrent starts take different papers (PostgreSQL)
        .scalar_subquery()
    )
    .returning(ExamPaper.lines)
)
_CURRENT_SHOWN = select(Question.id, Question.lineage, Question.type, Question.stem, Question.options).where(
    Question.id.in_(bindparam("ids", expanding=True)), Question.current, Question.retired.is_(False)
)


def claim(session: Session, exam: Exam) -> list[Drawn] | None:
    """Take a stocked paper of this test, if one is waiting and every question on it is still the
    current version; None means draw one now."""
    connection = session.connection()  # Core statements: the ORM's layer over them would double their cost
    lines = connection.execute(_CLAIM, {"exam_id": exam.id}).scalar()
    if lines is None:
        return None
    ids = [question_id for question_id, _lineage, _score, _order in lines]
    shown = {row.id: row for row in connection.execute(_CURRENT_SHOWN, {"ids": ids})}
    if len(shown) < len(ids):
        # A bank changed since the stock was drawn: none of it can be trusted to be current.
        clear_stock(session, exam)
        return None
    return [Drawn(shown[question_id], score, order) for question_id, _lineage, score, order in lines]


def clear_stock(session: Session, exam: Exam) -> None:
    """Forget the stocked papers: the test's paper settings may have changed."""
    session.execute(delete(ExamPaper).where(ExamPaper.exam_id == exam.id))


def _option_count() -> Label[int]:
    # json_array_length is in SQLite and PostgreSQL alike; only the shuffle needs the options.
    return func.json_array_length(Question.options).label("option_count")


def _recent_usage(session: Session, exam: Exam) -> Counter[str]:
    """How many of this test's last USAGE_WINDOW papers each question was on. A window rather than
    every paper keeps the count as cheap for the thousandth cadre to start as for the first, and
    drawing the least used of recent papers spreads the questions just as evenly."""
    recent = (
        select(Attempt.id)
        .where(Attempt.exam_id == exam.id)
        .order_by(Attempt.id.desc())
        .limit(USAGE_WINDOW)
        .scalar_subquery()
    )
    query = (
        select(AttemptItem.lineage, func.count())
        .where(AttemptItem.attempt_id.in_(recent))
        .group_by(AttemptItem.lineage)
    )
    return Counter(dict(session.execute(query).all()))


def _candidates(
    session: Session, rules: list[ExamRule], lineages: Collection[str] | None = None
) -> dict[tuple[int, str | None], list[Row]]:
    """(id, lineage, type, option count, difficulty, categories) of every question the rules' banks offer
    (of those `lineages` only, when given), in one query for all rules, by (bank, type) and by
    (bank, None) for rules of any type."""
    found: dict[tuple[int, str | None], list[Row]] = defaultdict(list)
    if not rules:
        return found
    # Categories are JSON, decoded row by row: read only when a rule asks for one.
    categories = Question.categories if any(rule.category for rule in rules) else literal(None)
    rows = session.execute(
        select(
            Question.id,
            Question.lineage,
            Question.bank_id,
            Question.type,
            _option_count(),
            Question.difficulty,
            categories.label("categories"),
        )
        .where(
            Question.bank_id.in_({rule.bank_id for rule in rules}),
            Question.current,
            Question.retired.is_(False),
            Question.lineage.in_(lineages) if lineages is not None else true(),
        )
        .order_by(Question.id)
    )
    for row in rows:
        found[row.bank_id, row.type].append(row)
        found[row.bank_id, None].append(row)
    return found


def _admits(rule: ExamRule, candidate: Row) -> bool:
    """Whether a question of the rule's bank and type (see _candidates) is in its pool."""
    return _in_range(candidate.difficulty, rule.min_difficulty, rule.max_difficulty) and (
        not rule.category or rule.category in candidate.categories
    )


def _in_range(value: int | None, low: int | None, high: int | None) -> bool:
    """A question without a difficulty is outside any range, as in SQL."""
    if low is None and high is None:
        return True
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


class Placed(NamedTuple):
    """A position of a paper just written, as shown_question reads an AttemptItem: the start
    builds no AttemptItem objects and reads none back."""

    position: int
    score: float
    option_order: list[int]


class ShownQuestion(TypedDict):
    """A question as the person sees it (the attempt page, its API, the review): never the key."""

    position: int
    type: str
    stem: str
    options: list[str]  # in the person's order
    blanks: int
    score: float


def shown_question(question: Question | Row, item: AttemptItem | Placed) -> ShownQuestion:
    """A question as the person sees it: stem and options in their order; never the key."""
    return {
        "position": item.position,
        "type": question.type,
        "stem": question.stem,
        "options": [question.options[index] for index in item.option_order],
        "blanks": types.get(question.type).blanks(question.stem),
        "score": item.score,
    }


class Keyed(Protocol):
    """What marking reads of a question: a version, a row of these columns, or a stand-in."""

    @property
    def type(self) -> str: ...
    @property
    def answer(self) -> object: ...
    @property
    def case_sensitive(self) -> bool: ...


def mark(question: Keyed, score: float, stored: object, *, partial_credit: bool) -> float:
    """Points for one response to a question (a version, or a stand-in with its corrected key)."""
    return types.get(question.type).mark(
        question.answer, stored, score, partial_credit=partial_credit, case_sensitive=question.case_sensitive
    )
