"""The wrong-answer book: what goes in, when FSRS brings it back, when it leaves."""

from __future__ import annotations

from datetime import timedelta

from fsrs import Card, Rating, Scheduler
from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.banks.models import Question
from studyhall.exams import service as exams
from studyhall.exams import setup as exam_setup
from studyhall.exams.setup import ExamSpec
from studyhall.practice import book, service
from studyhall.practice.models import CardOrigin, ReviewCard
from tests.conftest import START
from tests.practice.conftest import lineage_of

DAY = timedelta(days=1)


def card_of(app, username: str, lineage: str) -> ReviewCard | None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        return session.scalars(
            select(ReviewCard)
            .join(User, User.id == ReviewCard.user_id)
            .where(User.username == username, ReviewCard.lineage == lineage)
        ).first()


def answer_question(in_app, username: str, external_id: str, response: list[str], at):  # type: ignore[no-untyped-def]
    """Answer one question in a round of its own (as a set would ask it) at `at`."""

    def run(session, user):  # type: ignore[no-untyped-def]
        question = session.scalars(
            select(Question).where(Question.external_id == external_id, Question.current)
        ).one()
        found = service._start(
            session,
            user.id,
            service.RoundKind.TOPIC,
            f"{external_id}-{at.isoformat()}",
            [question.id],
            now=at,
        )
        return service.answer(session, user, found.id, 0, response, now=at)

    return in_app(username, run)


def test_a_wrong_answer_enters_the_book_and_comes_back_when_fsrs_says_until_learnt(app, bank, in_app):
    lineage = lineage_of(app, "P-01")
    answer_question(in_app, "10001", "P-01", ["C"], START)
    card = card_of(app, "10001", lineage)
    assert card is not None and card.origin == CardOrigin.PRACTICE and card.wrong_response == ["C"]
    # FSRS, as configured for the book, given the same history: Again now, then Good each time due.
    scheduler = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    expected, _log = scheduler.review_card(Card(due=START), Rating.Again, START)
    assert card.due == expected.due == START + DAY
    assert in_app("10001", lambda s, u: book.due_count(s, u.id, now=START)) == 0
    dues = []
    at = expected.due
    while True:
        assert in_app("10001", lambda s, u: book.due_count(s, u.id, now=at)) == 1  # noqa: B023
        review = in_app("10001", lambda s, u: service.review(s, u, now=at))  # noqa: B023
        assert review.kind == service.RoundKind.REVIEW and len(review.question_ids) == 1
        in_app("10001", lambda s, u: service.answer(s, u, review.id, 0, ["A"], now=at))  # noqa: B023
        expected, _log = scheduler.review_card(expected, Rating.Good, at)
        card = card_of(app, "10001", lineage)
        assert card is not None
        if card.learnt_at is not None:
            break
        assert card.due == expected.due
        dues.append((card.due - at).days)
        at = card.due
    # Right at growing intervals, then learnt once the stability passes 30 days.
    assert dues == sorted(dues) and len(dues) >= 2
    assert expected.stability is not None and expected.stability > book.LEARNT_STABILITY
    assert in_app("10001", lambda s, u: book.due_count(s, u.id, now=at + 365 * DAY)) == 0
    # A new mistake brings it back.
    answer_question(in_app, "10001", "P-01", ["B"], at + 400 * DAY)
    card = card_of(app, "10001", lineage)
    assert card is not None and card.learnt_at is None and card.wrong_count == 2


def test_todays_reviews_are_counted_to_the_local_midnight(app, bank, in_app):
    # Wrong at 09:00 Shanghai on the 15th: due 09:00 on the 16th, counted all that day from 00:00.
    answer_question(in_app, "10001", "P-02", ["B"], START)
    midnight = START - timedelta(hours=9) + DAY  # 00:00 Shanghai on the 16th
    assert in_app("10001", lambda s, u: book.due_count(s, u.id, now=midnight - timedelta(seconds=1))) == 0
    assert in_app("10001", lambda s, u: book.due_count(s, u.id, now=midnight)) == 1
    # Someone else's book is their own.
    assert in_app("10002", lambda s, u: book.due_count(s, u.id, now=midnight)) == 0


def test_a_cadre_adds_a_question_due_at_once(app, bank, in_app):
    def add(session, user):  # type: ignore[no-untyped-def]
        question = session.scalars(select(Question).where(Question.external_id == "P-03")).one()
        book.add(session, user.id, question, now=START)
        book.add(session, user.id, question, now=START)  # twice is once
        return book.due_count(session, user.id, now=START)

    assert in_app("10001", add) == 1
    card = card_of(app, "10001", lineage_of(app, "P-03"))
    assert card is not None and card.origin == CardOrigin.ADDED and card.wrong_count == 0


def test_a_tests_mistakes_enter_the_book_only_after_its_review_opens(app, bank, org, in_app):
    close = START + timedelta(hours=1)

    def publish(session, admin):  # type: ignore[no-untyped-def]
        spec = ExamSpec(
            title="宪法测试",
            opens_at=START - timedelta(minutes=5),
            closes_at=close,
            time_limit_minutes=15,
            branch_ids=[org["first"].id],
            items=[("P-04", 1), ("P-05", 1)],
            shuffle_options=False,  # so the response stored is the letter chosen
        )
        exam = exam_setup.save_exam(session, admin, spec, now=START)
        exam_setup.publish(session, admin, exam, now=START)
        return exam.id

    exam_id = in_app("admin1", publish)

    def sit(session, user):  # type: ignore[no-untyped-def]
        started = exams.start_or_resume(session, exam_id, user, now=START)
        attempt_id = started.attempt.id
        positions = {item.lineage: item.position for item in started.attempt.items}
        exams.save_answer(session, attempt_id, user, positions[lineage_of(app, "P-04")], ["A"], 1, now=START)
        exams.save_answer(session, attempt_id, user, positions[lineage_of(app, "P-05")], ["B"], 2, now=START)
        exams.submit(session, attempt_id, user, now=START + timedelta(minutes=5))

    in_app("10001", sit)
    answering_ends = close + exams.GRACE
    assert in_app("10001", lambda s, u: book.file_tests(s, now=answering_ends)) == 0
    assert card_of(app, "10001", lineage_of(app, "P-05")) is None
    assert (
        in_app("10001", lambda s, u: book.file_tests(s, now=answering_ends + timedelta(milliseconds=1))) == 1
    )
    card = card_of(app, "10001", lineage_of(app, "P-05"))
    assert card is not None and card.origin == CardOrigin.EXAM and card.wrong_response == ["B"]
    assert card_of(app, "10001", lineage_of(app, "P-04")) is None  # answered right
    # Filed once: a second sweep adds nothing.
    assert in_app("10001", lambda s, u: book.file_tests(s, now=answering_ends + DAY)) == 0
    with app.app_context(), db.new_session() as session:
        assert len(session.scalars(select(ReviewCard)).all()) == 1
