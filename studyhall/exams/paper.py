"""Papers: drawing questions for one person (now, or ahead in a stock), showing them without keys,
and marking responses."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Integer, Row, and_, bindparam, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from studyhall.banks.formats.base import LETTERS
from studyhall.banks.matching import blank_marks, blanks_correct
from studyhall.banks.models import Question
from studyhall.errors import DomainError
from studyhall.exams.models import Attempt, AttemptItem, Exam, ExamPaper, ExamPaperItem, ExamRule

MAX_BLANK_LENGTH = 200
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
                raise DomainError(_("A hand-picked question of this test is no longer available."), "pool")
            fixed.append((row, item.score))
    candidates = _candidates(session, exam.rules)
    return Pools(
        fixed,
        [
            (rule, [row for row in candidates[rule.bank_id, rule.type or None] if _admits(rule, row)])
            for rule in exam.rules
        ],
    )


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
                "pool_too_small",
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
        if exam.shuffle_options and row.type in ("single", "multiple"):
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
        papers.append(lines)
    if not papers:
        return
    ids = session.scalars(
        insert(ExamPaper).returning(ExamPaper.id, sort_by_parameter_order=True),
        [{"exam_id": exam.id, "drawn_at": now} for _lines in papers],
    ).all()
    items = [
        {
            "paper_id": paper_id,
            "exam_id": exam.id,
            "position": position,
            "question_id": line.question_id,
            "lineage": line.lineage,
            "score": line.score,
            "option_order": line.option_order,
        }
        for paper_id, lines in zip(ids, papers, strict=True)
        for position, line in enumerate(lines, start=1)
    ]
    session.connection().execute(insert(ExamPaperItem.__table__), items)


@dataclass(frozen=True)
class Claimed:
    paper_id: int
    drawn: list[Drawn]  # in position order, 1 to n


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
    .returning(ExamPaper.id)
)
_CLAIMED_ITEMS = (
    select(
        ExamPaperItem.score,
        ExamPaperItem.option_order,
        Question.id,
        Question.lineage,
        Question.type,
        Question.stem,
        Question.options,
        and_(Question.current, Question.retired.is_(False)).label("usable"),
    )
    .join(Question, Question.id == ExamPaperItem.question_id)
    .where(ExamPaperItem.paper_id == bindparam("paper_id"))
    .order_by(ExamPaperItem.position)
)
_COPY_ITEMS = (
    insert(AttemptItem.__table__)
    .from_select(
        ["attempt_id", "exam_id", "position", "question_id", "lineage", "score", "option_order"],
        select(
            bindparam("attempt_id", type_=Integer),
            ExamPaperItem.exam_id,
            ExamPaperItem.position,
            ExamPaperItem.question_id,
            ExamPaperItem.lineage,
            ExamPaperItem.score,
            ExamPaperItem.option_order,
        ).where(ExamPaperItem.paper_id == bindparam("paper_id")),
    )
    .returning(AttemptItem.__table__.c.position)
)  # counted: PostgreSQL's driver gives no rowcount here


def claim(session: Session, exam: Exam) -> Claimed | None:
    """Take a stocked paper of this test, if one is waiting and every question on it is still the
    current version; None means draw one now. Deleting the paper claims it; its items stay in the
    stock table (the sweep removes them later) for copy_claimed to write into the attempt."""
    connection = session.connection()  # Core statements: the ORM's layer over them would double their cost
    paper_id = connection.execute(_CLAIM, {"exam_id": exam.id}).scalar()
    if paper_id is None:
        return None
    rows = connection.execute(_CLAIMED_ITEMS, {"paper_id": paper_id}).all()
    if not rows or not all(row.usable for row in rows):
        # A bank changed since the stock was drawn: none of it can be trusted to be current.
        clear_stock(session, exam)
        return None
    return Claimed(paper_id, [Drawn(row, row.score, row.option_order) for row in rows])


def copy_claimed(session: Session, claimed: Claimed, attempt_id: int) -> None:
    """The claimed paper's items as the attempt's, in one INSERT … SELECT: no row passes through
    Python (an executemany of the items was a sixth of a start's cost)."""
    where = {"paper_id": claimed.paper_id, "attempt_id": attempt_id}
    copied = session.connection().execute(_COPY_ITEMS, where).all()
    if len(copied) != len(claimed.drawn):  # never a short paper, whatever happened to the stock
        raise RuntimeError(f"stocked paper {claimed.paper_id} lost items before it was copied")


def clear_stock(session: Session, exam: Exam) -> None:
    """Forget the stocked papers: the test's paper settings may have changed. Only the items of
    the papers deleted here go: a paper a start has just claimed keeps its items until it has
    copied them (its deletion makes this one wait, then skip it)."""
    gone = session.scalars(
        delete(ExamPaper).where(ExamPaper.exam_id == exam.id).returning(ExamPaper.id)
    ).all()
    if gone:
        session.execute(delete(ExamPaperItem).where(ExamPaperItem.paper_id.in_(gone)))


def sweep_claimed_items(session: Session) -> None:
    """Remove the items of papers that are gone (claimed by a start, or dropped with the stock). A
    paper a start is claiming is still visible here until that start commits, with its copy."""
    session.execute(delete(ExamPaperItem).where(ExamPaperItem.paper_id.not_in(select(ExamPaper.id))))


def _option_count():  # type: ignore[no-untyped-def]
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


def _candidates(session: Session, rules: list[ExamRule]) -> dict[tuple[int, str | None], list[Row]]:
    """(id, lineage, type, option count, difficulty, categories) of every question the rules' banks offer, in one
    query for all rules, by (bank, type) and by (bank, None) for rules of any type."""
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


def shown_question(question: Question | Row, item: AttemptItem | Placed) -> dict[str, object]:
    """A question as the person sees it: stem and options in their order; never the key."""
    return {
        "position": item.position,
        "type": question.type,
        "stem": question.stem,
        "options": [question.options[index] for index in item.option_order],
        "blanks": max(1, blank_marks(question.stem)) if question.type == "blank" else 0,
        "score": item.score,
    }


def to_stored(question_type: str, stem: str, option_order: list[int], response: object) -> object:
    """Check a response in the shown letters (option_order as frozen on the paper) and turn it
    into the question's own letters. None clears the answer."""
    if response is None:
        return None
    if question_type in ("single", "multiple"):
        if not isinstance(response, list) or not all(isinstance(x, str) for x in response):
            raise _invalid()
        shown = LETTERS[: len(option_order)]
        if len(set(response)) != len(response) or any(letter not in shown for letter in response):
            raise _invalid()
        if question_type == "single" and len(response) > 1:
            raise _invalid()
        return sorted(LETTERS[option_order[shown.index(letter)]] for letter in response)
    if question_type == "judge":
        if not isinstance(response, bool):
            raise _invalid()
        return response
    blanks = max(1, blank_marks(stem))
    if (
        not isinstance(response, list)
        or len(response) != blanks
        or not all(isinstance(x, str) and len(x) <= MAX_BLANK_LENGTH for x in response)
    ):
        raise _invalid()
    return response


def _invalid() -> DomainError:
    return DomainError(_("That answer does not fit the question."), "invalid_response")


def to_shown(item: AttemptItem, question_type: str, stored: object) -> object:
    """A stored response in the letters this person saw."""
    if stored is None or question_type not in ("single", "multiple"):
        return stored
    return sorted(LETTERS[item.option_order.index(LETTERS.index(letter))] for letter in stored)  # type: ignore[union-attr]


def mark(question: Question, score: float, stored: object, *, partial_credit: bool) -> float:
    """Points for one response. Multiple choice: all or nothing, or with 漏选得分 a share for a
    correct subset (any wrong option still scores 0)."""
    if stored is None:
        return 0.0
    key = question.answer
    if question.type == "single" or question.type == "judge":
        return score if stored == key else 0.0
    if question.type == "multiple":
        chosen, right = set(stored), set(key)  # type: ignore[arg-type]
        if chosen == right:
            return score
        if partial_credit and chosen and chosen < right:
            return round(score * len(chosen) / len(right), 2)
        return 0.0
    correct = blanks_correct(stored, key, case_sensitive=question.case_sensitive)  # type: ignore[arg-type]
    return round(score * sum(correct) / len(correct), 2) if correct else 0.0
