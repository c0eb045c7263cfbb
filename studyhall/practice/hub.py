"""What the cadre's practice pages show, put together from the rounds and the book. Keys reach a
page only for a question the person has answered (practice feedback) or whose test review has
opened (the book), and never while a test under way may ask it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.orm import Session

from studyhall import search
from studyhall.accounts.models import User
from studyhall.banks.models import Bank, Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import service as exams
from studyhall.exams.models import Answer, Attempt, AttemptItem, Exam
from studyhall.pagination import Page, paginate
from studyhall.points import service as points
from studyhall.practice import book, holding, service
from studyhall.practice.models import (
    FiledAttempt,
    PracticeAnswer,
    PracticeRound,
    PracticeSet,
    ReviewCard,
    RoundKind,
)
from studyhall.questions import types

PER_PAGE = 20


# ---- the hub -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetRow:
    found: PracticeSet
    answered: int
    total: int


@dataclass(frozen=True)
class Overview:
    daily: PracticeRound | None
    daily_right: int
    daily_points: int
    daily_points_each: int  # the 每日答题 rule's points for a right answer; 0 when not in use
    daily_cap: int | None
    sets: list[SetRow]
    challenge: PracticeRound | None  # under way
    best_streak: int  # this week's
    due: int
    in_book: int
    open_banks: int


def overview(session: Session, user: User, *, now: datetime) -> Overview:
    day = service.today(now)
    daily = session.scalars(
        select(PracticeRound).where(
            PracticeRound.user_id == user.id,
            PracticeRound.kind == RoundKind.DAILY,
            PracticeRound.key == day.isoformat(),
        )
    ).first()
    rule = points.rule(session, points.RuleKey.PRACTICE)
    daily_points = (
        sum(
            points.given(session, user.id, points.RuleKey.PRACTICE, service.source(daily, n)) or 0
            for n in range(len(daily.question_ids))
        )
        if daily
        else 0
    )
    monday = day - timedelta(days=day.weekday())
    challenges = list(
        session.scalars(
            select(PracticeRound).where(
                PracticeRound.user_id == user.id,
                PracticeRound.kind == RoundKind.CHALLENGE,
                PracticeRound.day >= monday,
            )
        )
    )
    # Under way whenever it began (a challenge begun on Sunday goes on on Monday).
    under_way = session.scalars(
        select(PracticeRound).where(
            PracticeRound.user_id == user.id,
            PracticeRound.kind == RoundKind.CHALLENGE,
            PracticeRound.ended_at.is_(None),
        )
    ).first()
    return Overview(
        daily=daily,
        daily_right=sum(1 for a in daily.answers if a.correct) if daily else 0,
        daily_points=daily_points,
        daily_points_each=rule.points if rule.enabled else 0,
        daily_cap=rule.daily_cap if rule.enabled else None,
        sets=open_sets(session, user, day),
        challenge=under_way,
        best_streak=max((service.streak(c) for c in challenges), default=0),
        due=book.due_count(session, user.id, now=now),
        in_book=session.scalar(
            select(func.count()).where(ReviewCard.user_id == user.id, ReviewCard.learnt_at.is_(None))
        )
        or 0,
        open_banks=session.scalar(select(func.count()).where(Bank.practice_since.is_not(None))) or 0,
    )


@dataclass(frozen=True)
class Glance:
    """The home page's line on practice, as 学习强国's start page shows today's tasks."""

    daily_done: int
    daily_right: int
    daily_total: int
    due: int
    open: bool  # anything to practise on


def glance(session: Session, user: User, *, now: datetime) -> Glance:
    daily = session.scalars(
        select(PracticeRound).where(
            PracticeRound.user_id == user.id,
            PracticeRound.kind == RoundKind.DAILY,
            PracticeRound.key == service.today(now).isoformat(),
        )
    ).first()
    return Glance(
        daily_done=len(daily.answers) if daily else 0,
        daily_right=sum(1 for answer in daily.answers if answer.correct) if daily else 0,
        daily_total=len(daily.question_ids) if daily else service.DAILY_QUESTIONS,
        due=book.due_count(session, user.id, now=now),
        open=session.scalar(select(func.count()).where(Bank.practice_since.is_not(None))) != 0,
    )


def open_sets(session: Session, user: User, day: date) -> list[SetRow]:
    found = session.scalars(
        select(PracticeSet)
        .where(
            PracticeSet.published_at.is_not(None), PracticeSet.first_day <= day, PracticeSet.last_day >= day
        )
        .order_by(PracticeSet.kind.desc(), PracticeSet.last_day, PracticeSet.id)  # the week's first
    )
    rows = []
    for practice_set in found:
        mine = session.scalars(
            select(PracticeRound).where(
                PracticeRound.user_id == user.id, PracticeRound.key == f"set:{practice_set.id}"
            )
        ).first()
        rows.append(
            SetRow(
                practice_set,
                len(mine.answers) if mine else 0,
                len(mine.question_ids) if mine else len(practice_set.lineages),
            )
        )
    return rows


def set_or_404(session: Session, set_id: int) -> PracticeSet:
    found = session.get(PracticeSet, set_id)
    if found is None or found.published_at is None:
        raise DomainError(_("No such practice."), ErrorCode.NOT_FOUND)
    return found


# ---- a round -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    position: int
    question_id: int
    type: str
    stem: str
    options: list[str]
    blanks: int
    feedback: service.Feedback | None
    # A test now open may ask it: answered or not, nothing of its key is shown until that is over.
    held: bool
    card: ReviewCard | None  # the person's wrong-answer book card for it, learnt or not

    @property
    def in_book(self) -> bool:
        return self.card is not None and self.card.learnt_at is None


@dataclass(frozen=True)
class RoundView:
    found: PracticeRound
    title: str
    questions: list[Shown]
    current: int | None  # the first position not yet answered
    right: int  # of the answers shown
    ended: bool
    waiting: int  # unanswered questions a test now open may ask: they wait until it is over


def question_at(session: Session, found: PracticeRound, position: int) -> Question:
    return session.get_one(Question, found.question_ids[position])


def round_title(session: Session, found: PracticeRound) -> str:
    if found.set_id is not None:
        return session.get_one(PracticeSet, found.set_id).title
    return {
        RoundKind.DAILY: _("Daily questions"),
        RoundKind.CHALLENGE: _("Challenge"),
        RoundKind.REVIEW: _("Review from the wrong-answer book"),
    }.get(found.kind, "")


def round_view(session: Session, found: PracticeRound, *, now: datetime) -> RoundView:
    questions = {
        q.id: q for q in session.scalars(select(Question).where(Question.id.in_(found.question_ids)))
    }
    given = service.feedbacks(session, found)
    held = holding.held(session, {q.lineage for q in questions.values()}, now=now)
    cards = {
        card.lineage: card
        for card in session.scalars(
            select(ReviewCard).where(
                ReviewCard.user_id == found.user_id,
                ReviewCard.lineage.in_([q.lineage for q in questions.values()]),
            )
        )
    }
    shown = []
    for position, question_id in enumerate(found.question_ids):
        question = questions[question_id]
        feedback = given.get(position)
        shown.append(
            Shown(
                position=position,
                question_id=question_id,
                type=question.type,
                stem=question.stem,
                options=list(question.options),
                blanks=types.get(question.type).blanks(question.stem),
                feedback=feedback if question.lineage not in held else None,
                held=question.lineage in held,
                card=cards.get(question.lineage),
            )
        )
    current = next((q.position for q in shown if q.position not in given and not q.held), None)
    return RoundView(
        found=found,
        title=round_title(session, found),
        questions=shown,
        current=None if service.finished(found) else current,
        right=sum(1 for q in shown if q.feedback and q.feedback.correct),
        ended=service.finished(found),
        waiting=sum(1 for q in shown if q.held and q.position not in given),
    )


def feedback_json(feedback: service.Feedback, shown: RoundView, html: str) -> dict[str, object]:
    """An answer's feedback for practice.js: the question's card as the page shows it answered
    (`html`), and what comes next. A challenge's next question exists only once the answer is in,
    so the page asks for it by loading the round again."""
    return {
        "position": feedback.position,
        "correct": feedback.correct,
        "points": feedback.points,
        "earlier": feedback.earlier,
        "ended": shown.ended,
        "next": shown.current,
        "right": shown.right,
        "answered": len(shown.found.answers),
        "html": html,
    }


# ---- the book ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookRow:
    card: ReviewCard
    question: Question
    bank: str
    held: bool


@dataclass(frozen=True)
class BookListing:
    page: Page[BookRow]
    banks: list[tuple[int, str, int]]  # id, name, questions in the book
    categories: list[str]
    bank_id: int | None
    category: str
    learnt: bool
    due: int
    learnt_count: int


def _book_query(
    user: User, *, bank_id: int | None, category: str, learnt: bool
) -> Select[ReviewCard, Question, str]:
    query = (
        select(ReviewCard, Question, Bank.name)
        .join(Question, (Question.lineage == ReviewCard.lineage) & Question.current)
        .join(Bank, Bank.id == ReviewCard.bank_id)
        .where(
            ReviewCard.user_id == user.id,
            ReviewCard.learnt_at.is_not(None) if learnt else ReviewCard.learnt_at.is_(None),
        )
    )
    if bank_id is not None:
        query = query.where(ReviewCard.bank_id == bank_id)
    if category:
        # Categories are a JSON list: the text of the column holds each name quoted.
        query = query.where(search.containing(cast(Question.categories, Text), f'"{category}"'))
    return query


def book_listing(
    session: Session,
    user: User,
    *,
    now: datetime,
    bank_id: int | None,
    category: str,
    learnt: bool,
    page: int,
) -> BookListing:
    query = _book_query(user, bank_id=bank_id, category=category, learnt=learnt).order_by(
        ReviewCard.due, ReviewCard.id
    )
    found = paginate(session, query, page, PER_PAGE, rows=True)
    held = holding.held(session, {card.lineage for card, _q, _b in found.items}, now=now)
    rows = [BookRow(card, question, bank, card.lineage in held) for card, question, bank in found.items]
    everything = session.execute(_book_query(user, bank_id=None, category="", learnt=False)).all()
    banks: dict[int, tuple[str, int]] = {}
    categories: set[str] = set()
    for card, question, bank in everything:
        name, count = banks.get(card.bank_id, (bank, 0))
        banks[card.bank_id] = (name, count + 1)
        if bank_id in (None, card.bank_id):  # the categories of the bank chosen
            categories.update(question.categories)
    learnt_count = session.scalar(
        select(func.count()).where(ReviewCard.user_id == user.id, ReviewCard.learnt_at.is_not(None))
    )
    return BookListing(
        page=Page(rows, found.total, found.page, found.per_page),
        banks=sorted((bank_id_, name, count) for bank_id_, (name, count) in banks.items()),
        categories=sorted(categories),
        bank_id=bank_id,
        category=category,
        learnt=learnt,
        due=book.due_count(session, user.id, now=now),
        learnt_count=learnt_count or 0,
    )


def study_sheet(
    session: Session, user: User, *, now: datetime, bank_id: int | None, category: str
) -> list[BookRow]:
    """Every question in the book (by bank, then due), keys and 解析 included, to print."""
    rows = session.execute(
        _book_query(user, bank_id=bank_id, category=category, learnt=False).order_by(
            Bank.name, ReviewCard.due
        )
    ).all()
    held = holding.held(session, {card.lineage for card, _q, _b in rows}, now=now)
    return [BookRow(card, question, bank, card.lineage in held) for card, question, bank in rows]


@dataclass(frozen=True)
class Attempted:
    at: datetime
    where: str  # 每日答题, a set's title, a test's title
    response: object
    correct: bool


@dataclass(frozen=True)
class History:
    question: Question
    bank: str
    card: ReviewCard | None
    held: bool
    answers: list[Attempted]


def _seen(session: Session, user_id: int, lineage: str) -> list[Attempted]:
    """Where the person has met this question with its key shown: practice answers, and tests whose
    mistakes were filed (their review opened)."""
    found = [
        Attempted(answer.at, round_title(session, practice_round), answer.response, answer.correct)
        for answer, practice_round in session.execute(
            select(PracticeAnswer, PracticeRound)
            .join(PracticeRound, PracticeRound.id == PracticeAnswer.round_id)
            .where(PracticeAnswer.user_id == user_id, PracticeAnswer.lineage == lineage)
        ).all()
    ]
    tests = session.execute(
        select(AttemptItem, Attempt.submitted_at, Exam.title, Attempt.id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .join(Exam, Exam.id == Attempt.exam_id)
        .join(FiledAttempt, FiledAttempt.attempt_id == Attempt.id)
        .where(Attempt.user_id == user_id, AttemptItem.lineage == lineage)
    ).all()
    for item, submitted_at, title, attempt_id in tests:
        response = session.scalar(
            select(Answer.response).where(Answer.attempt_id == attempt_id, Answer.position == item.position)
        )
        assert submitted_at is not None  # only submitted attempts are filed
        found.append(
            Attempted(
                submitted_at,
                title,
                response,
                item.awarded is not None and item.awarded >= item.score,
            )
        )
    return sorted(found, key=lambda a: a.at)


def question_history(session: Session, user: User, lineage: str, *, now: datetime) -> History | None:
    """A question of the person's book (or one they have answered) with every answer they gave;
    None for a question they have not met with its key shown."""
    card = session.scalars(
        select(ReviewCard).where(ReviewCard.user_id == user.id, ReviewCard.lineage == lineage)
    ).first()
    seen = _seen(session, user.id, lineage)
    if card is None and not seen:
        return None
    question = session.scalars(select(Question).where(Question.lineage == lineage, Question.current)).first()
    if question is None:
        return None
    return History(
        question=question,
        bank=session.get_one(Bank, question.bank_id).name,
        card=card,
        held=bool(holding.held(session, {lineage}, now=now)),
        answers=seen,
    )


def _in_open_review(session: Session, user_id: int, lineage: str, *, now: datetime) -> bool:
    """Whether the person's review of a test shows this question's key now (the test's review is
    open and no other test that may still ask it holds it back): before the sweep has filed that
    test's mistakes, its review page already offers to add it."""
    attempts = session.scalars(
        select(Attempt)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .where(Attempt.user_id == user_id, AttemptItem.lineage == lineage)
    )
    return any(
        exams.review_open(attempt, exams.review_opens_at(session, attempt.exam), now=now)
        and not exams.still_open_elsewhere(session, attempt.exam, {lineage}, now=now)
        for attempt in attempts
    )


def add_to_book(session: Session, user: User, question_id: int | None, *, now: datetime) -> ReviewCard:
    """Put a question the person has met with its key shown into their book."""
    question = session.get(Question, question_id) if question_id is not None else None
    if question is None or not (
        _seen(session, user.id, question.lineage)
        or _in_open_review(session, user.id, question.lineage, now=now)
    ):
        raise DomainError(_("No such question."), ErrorCode.NOT_FOUND)
    current = session.scalars(
        select(Question).where(Question.lineage == question.lineage, Question.current)
    ).one()
    return book.add(session, user.id, current, now=now)
