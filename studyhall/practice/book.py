"""The wrong-answer book (错题本): each question a person answered wrong, reviewed when FSRS says.

Every answer to a question in the book is a review: right is FSRS's Good, wrong is Again. The
scheduler has no same-day learning steps (a book is opened once a day, not every ten minutes) and
no fuzzing (the dates follow from the history alone, so a person and a test can predict them). A
question leaves the book when answered right with a stability above LEARNT_STABILITY days: with
FSRS-6's default parameters that is the fourth right answer in a row, a day, two, six and
seventeen days apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler
from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhall import clock
from studyhall.banks.models import Question
from studyhall.exams import service as exams
from studyhall.exams.models import Answer, Attempt, AttemptState, Exam, ReviewPolicy
from studyhall.points import periods
from studyhall.practice import holding
from studyhall.practice.models import CardOrigin, FiledAttempt, ReviewCard

LEARNT_STABILITY = 30.0  # days
SESSION_SIZE = 20  # questions in one review session
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def _card(found: ReviewCard) -> Card:
    return Card.from_dict(found.card)  # type: ignore[arg-type]


def _store(found: ReviewCard, card: Card) -> None:
    found.card = card.to_dict()  # type: ignore[assignment]
    assert card.due is not None
    found.due = card.due


def _reviewed(found: ReviewCard, rating: Rating, at: datetime) -> Card:
    card, _log = SCHEDULER.review_card(_card(found), rating, at.astimezone(UTC))  # fsrs takes UTC only
    _store(found, card)
    return card


def _existing(session: Session, user_id: int, lineage: str) -> ReviewCard | None:
    return session.scalars(
        select(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.lineage == lineage)
    ).first()


def _new(
    session: Session, user_id: int, question: Question, origin: CardOrigin, at: datetime
) -> ReviewCard | None:
    """A card just added, due at once; None if another request added this person's card for the
    question a moment before (the unique key decides)."""
    found = ReviewCard(
        user_id=user_id,
        lineage=question.lineage,
        bank_id=question.bank_id,
        origin=origin,
        card={},
        due=at,
        added_at=at,
        wrong_count=0,
    )
    _store(found, Card(due=at.astimezone(UTC)))
    try:
        with session.begin_nested():
            session.add(found)
    except IntegrityError:
        return None
    return found


def file(
    session: Session,
    user_id: int,
    question: Question,
    response: object,
    origin: CardOrigin,
    *,
    at: datetime,
    answered_at: datetime | None = None,
) -> ReviewCard:
    """Put a wrong answer (given at `answered_at`, by default `at`) in the book: a new card, or one
    back from 已掌握, reviewed as Again at `at`."""
    found = _existing(session, user_id, question.lineage) or _new(session, user_id, question, origin, at)
    if found is None:
        found = _existing(session, user_id, question.lineage)
        assert found is not None
    found.learnt_at = None
    found.wrong_question_id = question.id
    found.wrong_response = response
    found.wrong_at = answered_at or at
    found.wrong_count += 1
    _reviewed(found, Rating.Again, at)
    return found


def answered_right(session: Session, user_id: int, lineage: str, *, now: datetime) -> None:
    """A right answer to a question in the book is a Good review; a stable one leaves the book."""
    found = _existing(session, user_id, lineage)
    if found is None or found.learnt_at is not None:
        return
    card = _reviewed(found, Rating.Good, now)
    if card.stability is not None and card.stability > LEARNT_STABILITY:
        found.learnt_at = now


def add(session: Session, user_id: int, question: Question, *, now: datetime) -> ReviewCard:
    """A question the person puts in the book: due at once, or back from 已掌握."""
    found = _existing(session, user_id, question.lineage)
    if found is None:
        found = _new(session, user_id, question, CardOrigin.ADDED, now) or _existing(
            session, user_id, question.lineage
        )
        assert found is not None
    elif found.learnt_at is not None:
        found.learnt_at = None
        _store(found, Card(due=now.astimezone(UTC)))
    return found


def _due_by(now: datetime) -> datetime:
    """Due "today": before the next local midnight, so what the home page counts in the morning is
    what a session in the evening asks."""
    day = periods.local_day(now, clock.local_zone())
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), clock.local_zone())


def due_today(due: datetime, *, now: datetime) -> bool:
    """Whether a card due at `due` is among today's reviews (overdue ones too)."""
    return due < _due_by(now)


def _in_book(user_id: int) -> ColumnElement[bool]:
    return (ReviewCard.user_id == user_id) & ReviewCard.learnt_at.is_(None)


def _due_lineages(session: Session, user_id: int, *, now: datetime) -> list[str]:
    """The book's questions due today, longest due first, less those a test now open may ask (a
    review shows the key: they wait until it is over)."""
    due = list(
        session.scalars(
            select(ReviewCard.lineage)
            .where(_in_book(user_id), ReviewCard.due < _due_by(now))
            .order_by(ReviewCard.due, ReviewCard.id)
        )
    )
    held = holding.held(session, due, now=now)
    return [lineage for lineage in due if lineage not in held]


def due_count(session: Session, user_id: int, *, now: datetime) -> int:
    """今日待复习: the book's questions due before the day ends (and askable now)."""
    return len(_due_lineages(session, user_id, now=now))


def due_questions(session: Session, user_id: int, *, now: datetime) -> list[int]:
    """The current versions of the questions due today (SESSION_SIZE at most); a question retired
    since stays in the book but is not asked."""
    lineages = _due_lineages(session, user_id, now=now)
    current = {
        row.lineage: row.id
        for row in session.execute(
            select(Question.lineage, Question.id).where(
                Question.lineage.in_(lineages), Question.current, Question.retired.is_(False)
            )
        )
    }
    return [current[lineage] for lineage in lineages if lineage in current][:SESSION_SIZE]


# ---- mistakes in tests -----------------------------------------------------------------------------


def file_tests(session: Session, *, now: datetime, user_id: int | None = None) -> int:
    """File the wrong answers of submitted attempts (anyone's, or one person's) whose test's review
    has opened, each attempt once; an attempt some of whose questions another test may still ask
    waits until it ends, as the review withholds them (exams.service.review). Returns the attempts
    filed. A sweep: run late or twice, it files what is due and nothing twice."""
    waiting = (
        select(Attempt)
        .join(Exam, Exam.id == Attempt.exam_id)
        .where(
            Attempt.state == AttemptState.SUBMITTED,
            Exam.review == ReviewPolicy.AFTER_CLOSE,
            Exam.published_at.is_not(None),
            Exam.closes_at < now,
            ~select(FiledAttempt.attempt_id).where(FiledAttempt.attempt_id == Attempt.id).exists(),
        )
        .order_by(Attempt.id)
    )
    if user_id is not None:
        waiting = waiting.where(Attempt.user_id == user_id)
    opens: dict[int, bool] = {}
    filed = 0
    for attempt in session.scalars(waiting):
        if attempt.exam_id not in opens:
            opens[attempt.exam_id] = exams.review_is_open(
                exams.review_opens_at(session, attempt.exam), now=now
            )
        if not opens[attempt.exam_id] or exams.withheld(session, attempt, now=now).count:
            continue
        _file_attempt(session, attempt, now=now)
        filed += 1
    return filed


def _file_attempt(session: Session, attempt: Attempt, *, now: datetime) -> None:
    try:
        with session.begin_nested():
            session.add(FiledAttempt(attempt_id=attempt.id, filed_at=now))
    except IntegrityError:
        return  # filed by another request a moment before
    responses = {
        row.position: row.response
        for row in session.execute(
            select(Answer.position, Answer.response).where(Answer.attempt_id == attempt.id)
        )
    }
    for item in attempt.items:
        if item.awarded is None or item.awarded >= item.score:
            continue  # right, or never marked
        question = session.get_one(Question, item.question_id)
        file(
            session,
            attempt.user_id,
            question,
            responses.get(item.position),
            CardOrigin.EXAM,
            at=now,
            answered_at=attempt.submitted_at,
        )
