"""每日答题 and the challenge: what a round asks, how answers are marked, and what they earn."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.banks.models import Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.points import service as points
from studyhall.points.models import PointAward
from studyhall.practice import service
from studyhall.practice.models import PracticeAnswer, PracticeRound
from tests.conftest import START
from tests.practice.conftest import QUESTIONS


def key_of(session, question_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return session.get_one(Question, question_id).answer  # type: ignore[return-value]


def right(session, found: PracticeRound, position: int) -> list[str]:  # type: ignore[no-untyped-def]
    return key_of(session, found.question_ids[position])


def wrong(session, found: PracticeRound, position: int) -> list[str]:  # type: ignore[no-untyped-def]
    return ["B"] if right(session, found, position) != ["B"] else ["C"]


def practice_points(app, username: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        return session.scalar(
            select(func.coalesce(func.sum(PointAward.points), 0))
            .join(User, User.id == PointAward.user_id)
            .where(User.username == username)
        )


def test_a_day_asks_five_questions_once_and_shows_the_key_source_and_explanation_after_each_answer(
    app, bank, in_app
):
    first = in_app("10001", lambda s, u: service.daily(s, u, now=START))
    again = in_app("10001", lambda s, u: service.daily(s, u, now=START + timedelta(hours=8)))
    assert again.id == first.id and len(first.question_ids) == service.DAILY_QUESTIONS

    def answer_first(session, user):  # type: ignore[no-untyped-def]
        found = session.get_one(PracticeRound, first.id)
        return service.answer(
            session, user, found.id, 0, wrong(session, found, 0), now=START
        ), found.question_ids[0]

    feedback, question_id = in_app("10001", answer_first)
    assert not feedback.correct and feedback.points == 0 and not feedback.earlier
    with app.app_context(), db.new_session() as session:
        question = session.get_one(Question, question_id)
        assert (feedback.key, feedback.explanation, feedback.source) == (
            question.answer,
            question.explanation,
            question.source,
        )
    # The next day is a new round.
    tomorrow = in_app("10001", lambda s, u: service.daily(s, u, now=START + timedelta(days=1)))
    assert tomorrow.id != first.id


def test_each_right_answer_earns_a_point_and_the_day_stops_at_five(app, bank, in_app):
    # An administrator's 2 points a question: the daily cap of 5 still holds.
    in_app(
        "admin1",
        lambda s, u: points.edit_rule(
            s, u, points.rule(s, points.RuleKey.PRACTICE).id, points.RuleChange(2, 5, None, True), now=START
        ),
    )

    def all_right(session, user):  # type: ignore[no-untyped-def]
        found = service.daily(session, user, now=START)
        return [
            service.answer(session, user, found.id, n, right(session, found, n), now=START).points
            for n in range(len(found.question_ids))
        ]

    assert in_app("10001", all_right) == [2, 2, 1, 0, 0]
    assert practice_points(app, "10001") == 5


def test_an_answer_counts_once_a_replay_or_a_changed_mind_gets_the_first_feedback(app, bank, in_app):
    def twice(session, user):  # type: ignore[no-untyped-def]
        found = service.daily(session, user, now=START)
        first = service.answer(session, user, found.id, 2, right(session, found, 2), now=START)
        second = service.answer(session, user, found.id, 2, wrong(session, found, 2), now=START)
        return first, second

    first, second = in_app("10001", twice)
    assert first.correct and first.points == 1 and not first.earlier
    assert second.correct and second.earlier and second.points == 1  # what that answer earned, not again
    assert practice_points(app, "10001") == 1


def test_two_devices_answering_the_same_question_at_once_store_one_answer_and_one_point(app, bank, in_app):
    round_id = in_app("10001", lambda s, u: service.daily(s, u, now=START).id)
    ready = threading.Barrier(2, timeout=15)

    def device(_n: int):  # type: ignore[no-untyped-def]
        def send(session, user):  # type: ignore[no-untyped-def]
            found = session.get_one(PracticeRound, round_id)
            response = right(session, found, 0)
            ready.wait()
            return service.answer(session, user, round_id, 0, response, now=START)

        return in_app("10001", send)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(device, range(2)))
    assert sorted(r.earlier for r in results) == [False, True]
    assert all(r.correct for r in results)
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(PracticeAnswer)) == 1
    assert practice_points(app, "10001") == 1


def test_two_devices_opening_the_day_at_once_share_one_round(app, bank, in_app):
    ready = threading.Barrier(2, timeout=15)

    def device(_n: int) -> int:
        def start(session, user):  # type: ignore[no-untyped-def]
            ready.wait()
            return service.daily(session, user, now=START).id

        return in_app("10001", start)

    with ThreadPoolExecutor(2) as pool:
        assert len(set(pool.map(device, range(2)))) == 1


def test_someone_elses_round_and_odd_positions_and_responses_are_refused(app, bank, in_app):
    round_id = in_app("10001", lambda s, u: service.daily(s, u, now=START).id)
    for username, position, response, code in (
        ("10002", 0, ["A"], ErrorCode.NOT_FOUND),
        ("10001", 5, ["A"], ErrorCode.NOT_FOUND),
        ("10001", -1, ["A"], ErrorCode.NOT_FOUND),
        ("10001", 0, ["Z"], ErrorCode.INVALID_RESPONSE),
        ("10001", 0, None, ErrorCode.INVALID_RESPONSE),
        ("10001", 0, "A", ErrorCode.INVALID_RESPONSE),
    ):
        with pytest.raises(DomainError) as refused:
            in_app(username, lambda s, u: service.answer(s, u, round_id, position, response, now=START))  # noqa: B023
        assert refused.value.code == code
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(PracticeAnswer)) == 0


def test_the_draw_favours_questions_never_answered(app, bank, in_app):
    # 10001 answers ten of the twelve questions right today: the two never seen should nearly always
    # be among five drawn, the ten recently right rarely.
    def answer_ten(session, user):  # type: ignore[no-untyped-def]
        questions = session.scalars(
            select(Question).where(Question.bank_id == bank).order_by(Question.id)
        ).all()
        found = service._start(
            session, user.id, service.RoundKind.TOPIC, "seen", [q.id for q in questions[:10]], now=START
        )
        for n in range(10):
            service.answer(session, user, found.id, n, ["A"], now=START)
        return {q.id for q in questions[10:]}

    unseen = in_app("10001", answer_ten)
    rng = random.Random(15)
    drawn: Counter[int] = Counter()
    for _draw in range(200):
        drawn.update(in_app("10001", lambda s, u: service.draw(s, u.id, 5, rng, now=START)))
    share_unseen = sum(drawn[q] for q in unseen) / 400
    assert share_unseen > 0.9
    # And someone who has answered nothing draws all twelve about equally.
    fresh: Counter[int] = Counter()
    for _draw in range(200):
        fresh.update(in_app("10002", lambda s, u: service.draw(s, u.id, 5, rng, now=START)))
    assert len(fresh) == QUESTIONS and min(fresh.values()) > 40


def test_a_bank_not_open_for_practice_and_questions_an_open_test_may_ask_are_not_drawn(app, bank, in_app):
    from studyhall.exams import setup as exam_setup
    from studyhall.exams.setup import ExamSpec
    from studyhall.practice import setup
    from tests.practice.conftest import load_bank, question_row

    load_bank(app, "未开放题库", [question_row(100, "宪法")], open_it=False)

    def publish_test(session, admin):  # type: ignore[no-untyped-def]
        spec = ExamSpec(
            title="宪法测试",
            opens_at=START - timedelta(minutes=5),
            closes_at=START + timedelta(hours=1),
            time_limit_minutes=15,
            branch_ids=[],
            items=[("P-01", 1), ("P-02", 1)],
        )
        exam = exam_setup.save_exam(session, admin, spec, now=START)
        exam_setup.publish(session, admin, exam, now=START)

    in_app("admin1", publish_test)
    pool = in_app("10001", lambda s, u: service.pool(s, now=START))
    external = in_app("10001", lambda s, u: {s.get_one(Question, c.id).external_id for c in pool})
    assert external == {f"P-{n:02d}" for n in range(3, QUESTIONS + 1)}
    # Once the test and its grace are over, they are practised again.
    later = in_app("10001", lambda s, u: service.pool(s, now=START + timedelta(hours=2)))
    assert len(later) == QUESTIONS
    assert setup  # the bank fixture opened 练习题库 through setup.open_bank


def test_the_challenge_goes_on_while_right_and_ends_at_the_first_wrong_answer(app, bank, in_app):
    def play(session, user):  # type: ignore[no-untyped-def]
        found = service.challenge(session, user, now=START)
        for n in range(3):
            assert len(found.question_ids) == n + 1
            assert service.answer(session, user, found.id, n, right(session, found, n), now=START).correct
        last = service.answer(session, user, found.id, 3, wrong(session, found, 3), now=START)
        assert not last.correct and last.ended
        asked = [session.get_one(Question, q).lineage for q in found.question_ids]
        assert len(set(asked)) == len(asked) == 4  # never the same question twice
        with pytest.raises(DomainError) as refused:
            service.answer(session, user, found.id, 4, ["A"], now=START)
        assert refused.value.code == ErrorCode.NOT_FOUND
        return found.id, service.streak(found)

    round_id, streak = in_app("10001", play)
    assert streak == 3
    assert practice_points(app, "10001") == 3  # one a right answer, within the day's 6
    # A new challenge starts afresh.
    assert in_app("10001", lambda s, u: service.challenge(s, u, now=START).id) != round_id


def test_nothing_open_for_practice_says_so(app, org, in_app):
    with pytest.raises(DomainError) as refused:
        in_app("10001", lambda s, u: service.daily(s, u, now=START))
    assert refused.value.code == ErrorCode.NOT_FOUND
