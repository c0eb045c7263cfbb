"""Papers: drawing questions for one person, showing them without keys, and marking responses."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
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
    questions of this exam first (ties broken at random), shuffled as the exam says."""
    usage = Counter(
        dict(
            session.execute(
                select(AttemptItem.lineage, func.count())
                .where(AttemptItem.exam_id == exam.id)
                .group_by(AttemptItem.lineage)
            ).all()
        )
    )
    chosen: list[tuple[Question, float]] = []
    taken: set[str] = set()
    if exam.items:
        current = {
            q.lineage: q
            for q in session.scalars(
                select(Question).where(
                    Question.lineage.in_([item.lineage for item in exam.items]), Question.current
                )
            )
        }
        for item in exam.items:
            question = current.get(item.lineage)
            if question is None or question.retired:
                raise DomainError(_("A hand-picked question of this test is no longer available."), "pool")
            chosen.append((question, item.score))
            taken.add(question.lineage)
    for rule in exam.rules:
        pool = [
            q
            for q in session.scalars(rule_pool_query(rule))
            if q.lineage not in taken and (not rule.category or rule.category in q.categories)
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
        pool.sort(key=lambda q: (usage[q.lineage], rng.random()))
        for question in pool[: rule.count]:
            chosen.append((question, rule.score))
            taken.add(question.lineage)
    if exam.shuffle_questions:
        rng.shuffle(chosen)
    paper = []
    for question, score in chosen:
        order = list(range(len(question.options)))
        if exam.shuffle_options and question.type in ("single", "multiple"):
            rng.shuffle(order)
        paper.append(Drawn(question, score, order))
    return paper


def rule_pool_query(rule: ExamRule):  # type: ignore[no-untyped-def]
    query = select(Question).where(
        Question.bank_id == rule.bank_id, Question.current, Question.retired.is_(False)
    )
    if rule.type:
        query = query.where(Question.type == rule.type)
    if rule.min_difficulty is not None:
        query = query.where(Question.difficulty >= rule.min_difficulty)
    if rule.max_difficulty is not None:
        query = query.where(Question.difficulty <= rule.max_difficulty)
    return query


def shown_question(question: Question, item: AttemptItem) -> dict[str, object]:
    """A question as the person sees it: stem and options in their order; never the key."""
    return {
        "position": item.position,
        "type": question.type,
        "stem": question.stem,
        "options": [question.options[index] for index in item.option_order],
        "blanks": max(1, blank_marks(question.stem)) if question.type == "blank" else 0,
        "score": item.score,
    }


def to_stored(question: Question, item: AttemptItem, response: object) -> object:
    """Check a response in the shown letters and turn it into the question's own letters.
    None clears the answer."""
    if response is None:
        return None
    invalid = DomainError(_("That answer does not fit the question."), "invalid_response")
    if question.type in ("single", "multiple"):
        if not isinstance(response, list) or not all(isinstance(x, str) for x in response):
            raise invalid
        shown = LETTERS[: len(item.option_order)]
        if len(set(response)) != len(response) or any(letter not in shown for letter in response):
            raise invalid
        if question.type == "single" and len(response) > 1:
            raise invalid
        return sorted(LETTERS[item.option_order[shown.index(letter)]] for letter in response)
    if question.type == "judge":
        if not isinstance(response, bool):
            raise invalid
        return response
    blanks = max(1, blank_marks(question.stem))
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
