"""A save and a submission of the same attempt at the same moment, on two connections: the answer is
either in the grade or refused, never acknowledged and left out."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from studyhall import db
from studyhall.access import Claim
from studyhall.accounts.models import User
from studyhall.accounts.service import begin_session
from studyhall.errors import DomainError
from studyhall.exams import service, setup
from studyhall.exams.models import Answer, Attempt, Exam
from tests.conftest import START
from tests.exams.test_attempts import by_type, sign_in, start

WAIT = 15  # seconds: the longest any step may block before the test fails


def judge_question(app, make_exam) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(attempt, user, position of the judge question) of a test 10001 has started."""
    state = start(sign_in(app, "10001"), make_exam(shuffle_questions=False)).get_json()
    with app.app_context(), db.new_session() as session:
        user_id = session.scalars(select(User.id).where(User.username == "10001")).one()
    return state["attempt"], user_id, by_type(state)["judge"]["position"]


def blocked_on_a_lock(app, other: threading.Event) -> None:  # type: ignore[no-untyped-def]
    """Wait until the other connection waits for a lock (PostgreSQL shows it; SQLite does not, and
    there the outcome must be the same whichever connection gets there first)."""
    with app.app_context():
        if db.engine().dialect.name != "postgresql":
            return
        with db.engine().connect() as probe:
            for _n in range(WAIT * 20):
                waiting = probe.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                ).scalar()
                if waiting or other.is_set():
                    return
                other.wait(0.05)  # the other side finishing also ends the wait
    pytest.fail("the other connection never waited for the lock")


def test_a_submission_that_comes_while_a_save_is_uncommitted_grades_that_answer(app, make_exam):
    attempt_id, user_id, judge = judge_question(app, make_exam)
    with app.app_context(), db.new_session() as saving, ThreadPoolExecutor(1) as pool:
        cadre = saving.get(User, user_id)
        service.save_answer(saving, attempt_id, cadre, judge, True, 1, now=START)
        finished = threading.Event()

        def submit_now() -> float | None:
            with app.app_context(), db.new_session() as submitting:
                attempt = service.submit(submitting, attempt_id, None, now=START, ended_by="sweep")
                submitting.commit()
                finished.set()
                return attempt.score

        submission = pool.submit(submit_now)
        blocked_on_a_lock(app, finished)
        saving.commit()  # the save is acknowledged here
        assert submission.result(timeout=WAIT) == 2.0  # and the grade has it (judge question: 2 points)


@pytest.mark.parametrize("isolation", ["transaction", "AUTOCOMMIT"])
def test_a_save_that_comes_while_a_submission_is_uncommitted_is_refused(app, make_exam, isolation):
    """In a transaction (the plain form) and in autocommit (the API), where the save's writing
    statement is all that stands between the check and the write."""
    attempt_id, user_id, judge = judge_question(app, make_exam)
    with app.app_context(), db.new_session() as submitting, ThreadPoolExecutor(1) as pool:
        service.submit(submitting, attempt_id, None, now=START, ended_by="sweep")
        finished = threading.Event()

        def save_now() -> str:
            with app.app_context(), db.new_session() as saving:
                if isolation == "AUTOCOMMIT":
                    saving.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                try:
                    service.save_answer(
                        saving, attempt_id, saving.get(User, user_id), judge, True, 1, now=START
                    )
                    saving.commit()
                    return "acknowledged"
                except DomainError as refused:
                    return refused.code
                finally:
                    finished.set()

        saving_result = pool.submit(save_now)
        blocked_on_a_lock(app, finished)
        submitting.commit()
        assert saving_result.result(timeout=WAIT) == "submitted"
    with app.app_context(), db.new_session() as session:
        assert session.scalars(select(Answer).where(Answer.attempt_id == attempt_id)).all() == []
        assert session.get(Attempt, attempt_id).score == 0.0


def test_two_starts_at_the_same_moment_give_one_attempt(app, make_exam):
    """The second start waits for the first one's attempt row (PostgreSQL: the unique index; SQLite:
    the write lock), finds its own insert refused and resumes the attempt the first one began."""
    exam_id = make_exam()
    with app.app_context(), db.new_session() as session:
        cadre = session.scalars(select(User).where(User.username == "10001")).one()
        begin_session(session, cadre, now=START)  # the API's holder: a signed-in browser's claim
        session.commit()
        holder = Claim(cadre.id, cadre.auth_version, cadre.session_key)
    with app.app_context(), db.new_session() as first, ThreadPoolExecutor(1) as pool:
        began = service.start_or_resume(first, exam_id, holder, now=START).attempt.id
        finished = threading.Event()

        def start_again() -> int:
            with app.app_context(), db.new_session() as second:
                try:
                    resumed = service.start_or_resume(second, exam_id, holder, now=START).attempt.id
                    second.commit()
                    return resumed
                finally:
                    finished.set()

        second_start = pool.submit(start_again)
        blocked_on_a_lock(app, finished)
        first.commit()
        assert second_start.result(timeout=WAIT) == began
    with app.app_context(), db.new_session() as session:
        assert session.scalars(select(Attempt.id).where(Attempt.exam_id == exam_id)).all() == [began]


def test_a_test_taken_back_to_draft_while_a_start_is_uncommitted_stays_live(app, make_exam, world):
    """The start holds the test until it commits; taking it back to draft then finds the attempt."""
    exam_id = make_exam()
    with app.app_context(), db.new_session() as starting, ThreadPoolExecutor(1) as pool:
        cadre = starting.scalars(select(User).where(User.username == "10001")).one()
        begin_session(starting, cadre, now=START)
        starting.commit()
        holder = Claim(cadre.id, cadre.auth_version, cadre.session_key)
        service.start_or_resume(starting, exam_id, holder, now=START)
        finished = threading.Event()

        def unpublish_now() -> str:
            with app.app_context(), db.new_session() as editing:
                admin = editing.get(User, world["admin"].id)
                try:
                    setup.unpublish(editing, admin, editing.get(Exam, exam_id), now=START)
                    editing.commit()
                    return "draft"
                except DomainError as refused:
                    return refused.code
                finally:
                    finished.set()

        outcome = pool.submit(unpublish_now)
        blocked_on_a_lock(app, finished)
        starting.commit()
        assert outcome.result(timeout=WAIT) == "started"
    with app.app_context(), db.new_session() as session:
        assert session.get(Exam, exam_id).published_at is not None
