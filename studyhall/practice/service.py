"""Practice rounds: what they ask, how an answer is marked and what it earns.

A round fixes its question versions when it starts (PracticeRound.question_ids) and takes the first
answer at each position the server receives; a replay, a second device or a reload gets that
answer's feedback back. Keys leave the server only in feedback, after an answer is stored.
Practice holds back every question a test already open may still ask (its key would be saved
there); opening a bank that a test still to come draws from is the administrator's confirmed choice
(banks_open_for_practice)."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhall import clock
from studyhall.accounts.models import User
from studyhall.banks.models import Bank, Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.points import periods
from studyhall.points import service as points
from studyhall.practice import book, holding
from studyhall.practice.models import (
    CardOrigin,
    PracticeAnswer,
    PracticeRound,
    PracticeSet,
    RoundKind,
    SetKind,
)
from studyhall.questions import types

DAILY_QUESTIONS = 5  # 每日答题, as 学习强国 asks
CHALLENGE_MOST = 100  # a challenge ends here if never wrong: the pool is finite, a round's list is not
# Each kind's points rule; a review of the book earns nothing (its mistakes were made already).
RULES: dict[RoundKind, points.RuleKey] = {
    RoundKind.DAILY: points.RuleKey.PRACTICE,
    RoundKind.WEEKLY: points.RuleKey.PRACTICE_WEEKLY,
    RoundKind.TOPIC: points.RuleKey.PRACTICE_TOPIC,
    RoundKind.CHALLENGE: points.RuleKey.CHALLENGE,
}
SET_ROUNDS = {SetKind.WEEKLY: RoundKind.WEEKLY, SetKind.TOPIC: RoundKind.TOPIC}

# The draw's weights: a question never answered is the likeliest, one answered wrong comes next,
# one answered right lately is rare, and grows likelier again as the answer ages.
UNSEEN, LAST_WRONG = 8.0, 4.0
RIGHT_BY_AGE = ((timedelta(days=7), 0.25), (timedelta(days=30), 1.0))
RIGHT_LONG_AGO = 2.0


def today(now: datetime) -> date:
    return periods.local_day(now, clock.local_zone())


# ---- the pool --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    id: int
    lineage: str


def pool(session: Session, *, now: datetime, lineages: Sequence[str] | None = None) -> list[Candidate]:
    """The questions practice may ask now: the current versions in banks open for practice (or,
    for a set, its lineages in any bank), less what a test already open may still ask."""
    query = select(Question.id, Question.lineage).where(Question.current, Question.retired.is_(False))
    if lineages is None:
        query = query.join(Bank, Bank.id == Question.bank_id).where(Bank.practice_since.is_not(None))
    else:
        query = query.where(Question.lineage.in_(lineages))
    found = [Candidate(row.id, row.lineage) for row in session.execute(query.order_by(Question.id))]
    held = holding.held(session, {c.lineage for c in found}, now=now)
    return [candidate for candidate in found if candidate.lineage not in held]


def _weights(
    session: Session, user_id: int, candidates: Sequence[Candidate], *, now: datetime
) -> list[float]:
    last: dict[str, tuple[bool, datetime]] = {}
    for lineage, correct, at in session.execute(
        select(PracticeAnswer.lineage, PracticeAnswer.correct, PracticeAnswer.at)
        .where(PracticeAnswer.user_id == user_id)
        .order_by(PracticeAnswer.at)
    ):
        last[lineage] = (correct, at)
    weights = []
    for candidate in candidates:
        seen = last.get(candidate.lineage)
        if seen is None:
            weights.append(UNSEEN)
        elif not seen[0]:
            weights.append(LAST_WRONG)
        else:
            age = now - seen[1]
            weights.append(next((w for limit, w in RIGHT_BY_AGE if age < limit), RIGHT_LONG_AGO))
    return weights


def draw(
    session: Session,
    user_id: int,
    count: int,
    rng: random.Random,
    *,
    now: datetime,
    leave_out: Collection[str] = (),
) -> list[int]:
    """`count` question ids from the pool, weighted by the person's history (UNSEEN …): a weighted
    sample without replacement (Efraimidis–Spirakis: the largest u^(1/w))."""
    candidates = [c for c in pool(session, now=now) if c.lineage not in leave_out]
    weights = _weights(session, user_id, candidates, now=now)
    keyed = sorted(zip(candidates, weights, strict=True), key=lambda pair: -(rng.random() ** (1 / pair[1])))
    return [candidate.id for candidate, _weight in keyed[:count]]


# ---- rounds ----------------------------------------------------------------------------------------


def _round(session: Session, user_id: int, kind: RoundKind, key: str) -> PracticeRound | None:
    return session.scalars(
        select(PracticeRound).where(
            PracticeRound.user_id == user_id, PracticeRound.kind == kind, PracticeRound.key == key
        )
    ).first()


def _start(
    session: Session,
    user_id: int,
    kind: RoundKind,
    key: str,
    question_ids: list[int],
    *,
    now: datetime,
    set_id: int | None = None,
) -> PracticeRound:
    """The person's round of this kind and key: a new one, or the one another device started a
    moment before (the unique key decides; this one's draw is dropped)."""
    found = PracticeRound(
        user_id=user_id,
        kind=kind,
        key=key,
        set_id=set_id,
        day=today(now),
        question_ids=question_ids,
        started_at=now,
    )
    try:
        with session.begin_nested():
            session.add(found)
    except IntegrityError:
        existing = _round(session, user_id, kind, key)
        assert existing is not None
        return existing
    return found


def _nothing_to_practise() -> DomainError:
    return DomainError(_("No question bank is open for practice yet."), ErrorCode.NOT_FOUND)


def daily(session: Session, user: User, *, now: datetime) -> PracticeRound:
    """Today's 每日答题 round: five questions drawn when first opened today."""
    key = today(now).isoformat()
    found = _round(session, user.id, RoundKind.DAILY, key)
    if found is not None:
        return found
    drawn = draw(session, user.id, DAILY_QUESTIONS, random.Random(), now=now)
    if not drawn:
        raise _nothing_to_practise()
    return _start(session, user.id, RoundKind.DAILY, key, drawn, now=now)


def challenge(session: Session, user: User, *, now: datetime) -> PracticeRound:
    """The person's challenge under way, or a new one with its first question. A question waiting
    in it that a test now open may ask is drawn again, so the challenge goes on."""
    under_way = session.scalars(
        select(PracticeRound)
        .where(
            PracticeRound.user_id == user.id,
            PracticeRound.kind == RoundKind.CHALLENGE,
            PracticeRound.ended_at.is_(None),
        )
        .order_by(PracticeRound.id.desc())
    ).first()
    if under_way is not None:
        _redraw_if_held(session, under_way, now=now)
        return under_way
    drawn = draw(session, user.id, 1, random.Random(), now=now)
    if not drawn:
        raise _nothing_to_practise()
    # Numbered after the challenges ended: two requests starting one at once share the number,
    # and the round's unique key lets only one of them start.
    ended = session.scalar(
        select(func.count()).where(
            PracticeRound.user_id == user.id,
            PracticeRound.kind == RoundKind.CHALLENGE,
            PracticeRound.ended_at.is_not(None),
        )
    )
    return _start(session, user.id, RoundKind.CHALLENGE, str((ended or 0) + 1), drawn, now=now)


def _redraw_if_held(session: Session, found: PracticeRound, *, now: datetime) -> None:
    position = len(found.question_ids) - 1
    if any(a.position == position for a in found.answers):
        return
    waiting = session.get_one(Question, found.question_ids[position])
    if not holding.held(session, {waiting.lineage}, now=now):
        return
    asked = set(session.scalars(select(Question.lineage).where(Question.id.in_(found.question_ids))))
    drawn = draw(session, found.user_id, 1, random.Random(), now=now, leave_out=asked)
    if drawn:
        found.question_ids = [*found.question_ids[:position], drawn[0]]
    else:
        found.ended_at = now


def of_set(session: Session, user: User, found: PracticeSet, *, now: datetime) -> PracticeRound:
    """The person's round of a published set: its questions' current versions, fixed when first
    opened. Only while the set is open; afterwards an existing round can still be read."""
    kind = SET_ROUNDS[found.kind]
    existing = _round(session, user.id, kind, f"set:{found.id}")
    if existing is not None:
        return existing
    if not set_open(found, today(now)):
        raise DomainError(_("This set is not open."), ErrorCode.NOT_OPEN)
    by_lineage = {c.lineage: c.id for c in pool(session, now=now, lineages=found.lineages)}
    question_ids = [by_lineage[lineage] for lineage in found.lineages if lineage in by_lineage]
    if not question_ids:
        raise DomainError(
            _(
                "None of this set's questions can be asked now: a test under way may ask them. Try again once it is over."
            ),
            ErrorCode.NOT_OPEN,
        )
    return _start(session, user.id, kind, f"set:{found.id}", question_ids, now=now, set_id=found.id)


def set_open(found: PracticeSet, day: date) -> bool:
    return found.published_at is not None and found.first_day <= day <= found.last_day


def review(session: Session, user: User, *, now: datetime) -> PracticeRound:
    """A session of the book's questions due today (at most book.SESSION_SIZE): the one under way
    today if it has questions left, else a new one. Nothing due: NOT_FOUND."""
    day = today(now)
    rounds = list(
        session.scalars(
            select(PracticeRound)
            .where(
                PracticeRound.user_id == user.id,
                PracticeRound.kind == RoundKind.REVIEW,
                PracticeRound.day == day,
            )
            .order_by(PracticeRound.id)
        )
    )
    if rounds and _askable_left(session, rounds[-1], now=now):
        return rounds[-1]
    question_ids = book.due_questions(session, user.id, now=now)
    if not question_ids:
        raise DomainError(_("Nothing in your wrong-answer book is due today."), ErrorCode.NOT_FOUND)
    return _start(
        session, user.id, RoundKind.REVIEW, f"{day.isoformat()}:{len(rounds) + 1}", question_ids, now=now
    )


def _askable_left(session: Session, found: PracticeRound, *, now: datetime) -> bool:
    """Whether the round has a question not yet answered that may be answered now (not one a
    test under way may ask)."""
    answered = {a.position for a in found.answers}
    waiting = [q for n, q in enumerate(found.question_ids) if n not in answered]
    if not waiting:
        return False
    lineages = set(session.scalars(select(Question.lineage).where(Question.id.in_(waiting))))
    return bool(lineages - holding.held(session, lineages, now=now))


def own_round(session: Session, user: User, round_id: int) -> PracticeRound:
    found = session.get(PracticeRound, round_id)
    if found is None or found.user_id != user.id:
        raise DomainError(_("No such practice."), ErrorCode.NOT_FOUND)
    return found


# ---- answering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feedback:
    position: int
    correct: bool
    response: object  # stored form
    key: object
    explanation: str
    source: str
    points: int  # what this answer earned (0 past a cap, or for a wrong answer)
    earlier: bool  # this position was answered before (a replay, or another device)
    ended: bool  # a challenge's first wrong answer, or the last question of a round


def _feedback(
    session: Session, found: PracticeRound, answer: PracticeAnswer, *, earned: int | None, earlier: bool
) -> Feedback:
    question = session.get_one(Question, answer.question_id)
    if earned is None:
        rule = RULES.get(found.kind)
        earned = (
            (points.given(session, found.user_id, rule, source(found, answer.position)) or 0) if rule else 0
        )
    return Feedback(
        position=answer.position,
        correct=answer.correct,
        response=answer.response,
        key=question.answer,
        explanation=question.explanation,
        source=question.source,
        points=earned,
        earlier=earlier,
        ended=finished(found),
    )


def feedbacks(session: Session, found: PracticeRound) -> dict[int, Feedback]:
    """The feedback of every answered position, for a round opened again."""
    return {a.position: _feedback(session, found, a, earned=None, earlier=True) for a in found.answers}


def finished(found: PracticeRound) -> bool:
    if found.kind == RoundKind.CHALLENGE:
        return found.ended_at is not None
    return len(found.answers) >= len(found.question_ids)


def source(found: PracticeRound, position: int) -> str:
    return f"practice:{found.id}:{position}"


def streak(found: PracticeRound) -> int:
    """A challenge's score: its right answers (every one before the first wrong)."""
    return sum(1 for answer in found.answers if answer.correct)


def answer(
    session: Session, user: User, round_id: int, position: int, response: object, *, now: datetime
) -> Feedback:
    """Mark the answer at `position` (a response in the API's shape), store it, award its point,
    and file or review it in the book. The first answer stored at a position is the one that
    counts: any later one gets that answer's feedback back with `earlier` set."""
    found = own_round(session, user, round_id)
    if not 0 <= position < len(found.question_ids):
        raise DomainError(_("That question is not in this practice."), ErrorCode.NOT_FOUND)
    question = session.get_one(Question, found.question_ids[position])
    if holding.held(session, {question.lineage}, now=now):
        # Drawn before a test that may ask it opened: right or wrong, even of an answer already
        # given, would give its key away.
        raise DomainError(
            _("This question is in a test under way: answer it here once the test is over."),
            ErrorCode.NOT_OPEN,
        )
    stored = next((a for a in found.answers if a.position == position), None)
    if stored is not None:
        return _feedback(session, found, stored, earned=None, earlier=True)
    if found.kind == RoundKind.CHALLENGE and found.ended_at is not None:
        raise DomainError(_("This challenge has ended."), ErrorCode.CLOSED)
    if found.set_id is not None and not set_open(session.get_one(PracticeSet, found.set_id), today(now)):
        raise DomainError(_("This set is closed: its answers are no longer taken."), ErrorCode.CLOSED)
    kind = types.get(question.type)
    identity = list(range(len(question.options)))
    response_stored = kind.to_stored(question.stem, identity, response)
    if _unanswered(response_stored):
        raise DomainError(_("Choose or write an answer first."), ErrorCode.INVALID_RESPONSE)
    correct = (
        kind.mark(
            question.answer,
            response_stored,
            1.0,
            partial_credit=False,
            case_sensitive=question.case_sensitive,
        )
        == 1.0
    )
    row = PracticeAnswer(
        round_id=found.id,
        user_id=user.id,
        position=position,
        question_id=question.id,
        lineage=question.lineage,
        response=response_stored,
        correct=correct,
        at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another device's answer at this position came first
        session.expire(found, ["answers"])
        first = next(a for a in found.answers if a.position == position)
        return _feedback(session, found, first, earned=None, earlier=True)
    earned = 0
    rule = RULES.get(found.kind)
    if correct and rule is not None:
        award = points.award(session, user.id, rule, source(found, position), at=now)
        earned = award.points if award is not None else 0
    if correct:
        book.answered_right(session, user.id, question.lineage, now=now)
    else:
        book.file(session, user.id, question, response_stored, CardOrigin.PRACTICE, at=now)
    if found.kind == RoundKind.CHALLENGE:
        _challenge_next(session, found, correct, now=now)
    session.expire(found, ["answers"])
    return _feedback(session, found, row, earned=earned, earlier=False)


def _unanswered(stored: object) -> bool:
    """No option chosen, or every blank left empty: the plain form sends these as nothing."""
    if stored is None or stored == []:
        return True
    return isinstance(stored, list) and all(isinstance(x, str) and not x.strip() for x in stored)


def _challenge_next(session: Session, found: PracticeRound, correct: bool, *, now: datetime) -> None:
    """A challenge ends at its first wrong answer; a right one adds the next question."""
    if not correct or len(found.question_ids) >= CHALLENGE_MOST:
        found.ended_at = now
        return
    asked = set(session.scalars(select(Question.lineage).where(Question.id.in_(found.question_ids))))
    drawn = draw(session, found.user_id, 1, random.Random(), now=now, leave_out=asked)
    if drawn:
        found.question_ids = [*found.question_ids, drawn[0]]
    else:
        found.ended_at = now  # every question asked and answered right
