"""Papers: drawing questions for one person, showing them without keys, and marking responses."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Row, func, literal, select
from sqlalchemy.orm import Session

from studyhall.banks.formats.base import LETTERS
from studyhall.banks.matching import blank_marks, blanks_correct
from studyhall.banks.models import Question
from studyhall.errors import DomainError
from studyhall.exams.models import AttemptItem, Exam, ExamRule

MAX_BLANK_LENGTH = 200


@dataclass(frozen=True)
class Drawn:
    question: Question
    score: float
    option_order: list[int]


def draw(session: Session, exam: Exam, rng: random.Random) -> list[Drawn]:
    """A paper for one person: the hand-picked questions, then each rule's draw, least-used
    questions of this exam first (ties broken at random), shuffled as the exam says.

    Pools are chosen from a few columns of each question and only the chosen questions are
    loaded whole: every start draws, and a thousand cadres start within seconds."""
    usage = Counter(
        dict(
            session.execute(
                select(AttemptItem.lineage, func.count())
                .where(AttemptItem.exam_id == exam.id)
                .group_by(AttemptItem.lineage)
            ).all()
        )
    )
    chosen: list[tuple[int, float]] = []  # question id, score
    taken: set[str] = set()
    if exam.items:
        current = {
            lineage: (question_id, retired)
            for lineage, question_id, retired in session.execute(
                select(Question.lineage, Question.id, Question.retired).where(
                    Question.lineage.in_([item.lineage for item in exam.items]), Question.current
                )
            )
        }
        for item in exam.items:
            if item.lineage not in current or current[item.lineage][1]:
                raise DomainError(_("A hand-picked question of this test is no longer available."), "pool")
            chosen.append((current[item.lineage][0], item.score))
            taken.add(item.lineage)
    candidates = _candidates(session, exam.rules)
    for rule in exam.rules:
        pool = [
            (candidate.id, candidate.lineage)
            for candidate in candidates[rule.bank_id, rule.type or None]
            if candidate.lineage not in taken and _admits(rule, candidate)
        ]
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
        pool.sort(key=lambda candidate: (usage[candidate[1]], rng.random()))
        for question_id, lineage in pool[: rule.count]:
            chosen.append((question_id, rule.score))
            taken.add(lineage)
    if exam.shuffle_questions:
        rng.shuffle(chosen)
    questions = {
        q.id: q for q in session.scalars(select(Question).where(Question.id.in_([i for i, _s in chosen])))
    }
    paper = []
    for question_id, score in chosen:
        question = questions[question_id]
        order = list(range(len(question.options)))
        if exam.shuffle_options and question.type in ("single", "multiple"):
            rng.shuffle(order)
        paper.append(Drawn(question, score, order))
    return paper


def _candidates(session: Session, rules: list[ExamRule]) -> dict[tuple[int, str | None], list[Row]]:
    """(id, lineage, difficulty, categories) of every question the rules' banks offer, in one
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


def shown_question(question: Question | Row, item: AttemptItem) -> dict[str, object]:
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
    invalid = DomainError(_("That answer does not fit the question."), "invalid_response")
    if question_type in ("single", "multiple"):
        if not isinstance(response, list) or not all(isinstance(x, str) for x in response):
            raise invalid
        shown = LETTERS[: len(option_order)]
        if len(set(response)) != len(response) or any(letter not in shown for letter in response):
            raise invalid
        if question_type == "single" and len(response) > 1:
            raise invalid
        return sorted(LETTERS[option_order[shown.index(letter)]] for letter in response)
    if question_type == "judge":
        if not isinstance(response, bool):
            raise invalid
        return response
    blanks = max(1, blank_marks(stem))
    if (
        not isinstance(response, list)
        or len(response) != blanks
        or not all(isinstance(x, str) and len(x) <= MAX_BLANK_LENGTH for x in response)
    ):
        raise invalid
    return response


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
