"""Practice shows nothing of a question a test now open may ask: not in a round drawn before the
test opened (an answer, a replay, a verdict), not in the book's reviews, pages or counts. Once the
test and its grace are over, all of it is back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhall.banks import service as banks
from studyhall.banks.models import Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import service as exams
from studyhall.exams.models import Attempt
from studyhall.practice import book, holding, service
from studyhall.practice.models import PracticeRound
from tests.banks.helpers import row
from tests.conftest import START
from tests.practice.conftest import lineage_of, load_bank
from tests.practice.exams import publish_test, sit_test
from tests.practice.test_pages import client_for

OPENS = START + timedelta(hours=2)
CLOSES = OPENS + timedelta(hours=1)
AFTER = CLOSES + exams.GRACE + timedelta(seconds=1)


def first_two_wrong(in_app):  # type: ignore[no-untyped-def]
    """10001's daily round at START, its first question answered wrong and the second not yet;
    returns (round id, the two questions' 编号)."""

    def run(session, user):  # type: ignore[no-untyped-def]
        found = service.daily(session, user, now=START)
        service.answer(session, user, found.id, 0, ["B"], now=START)
        ids = [session.get_one(Question, q).external_id for q in found.question_ids[:2]]
        return found.id, ids

    return in_app("10001", run)


def test_a_round_drawn_before_a_test_opened_shows_nothing_of_its_questions_while_it_is_open(
    app, org, bank, in_app, frozen_now
):
    round_id, (answered, waiting) = first_two_wrong(in_app)
    publish_test(in_app, "宪法测试", [answered, waiting], OPENS, CLOSES, org["first"].id)
    for position in (0, 1):  # the replay of an answer given, and a first answer
        with pytest.raises(DomainError) as refused:
            in_app("10001", lambda s, u: service.answer(s, u, round_id, position, ["A"], now=OPENS))  # noqa: B023
        assert refused.value.code == ErrorCode.NOT_OPEN
    client = client_for(app, "10001")
    frozen_now(OPENS)
    page = client.get(f"/practice/rounds/{round_id}?at=0").get_data(as_text=True)
    assert "✗ Wrong" not in page and "is in a test under way" in page
    replay = client.post(f"/practice/rounds/{round_id}/answer", json={"position": 0, "response": ["A"]})
    assert replay.status_code == 409 and "correct" not in replay.get_json()
    book_page = client.get("/practice/book").get_data(as_text=True)
    assert "Your wrong answer" not in book_page
    frozen_now(AFTER)  # the test and its grace are over: all of it is back
    assert "✗ Wrong" in client.get(f"/practice/rounds/{round_id}?at=0").get_data(as_text=True)
    after = in_app("10001", lambda s, u: service.answer(s, u, round_id, 1, ["A"], now=AFTER))
    assert after.correct and not after.earlier


def test_the_books_reviews_and_count_leave_out_what_an_open_test_may_ask(app, org, bank, in_app):
    _round_id, (answered, _waiting) = first_two_wrong(in_app)
    next_day = START + timedelta(days=1)
    opens, closes = next_day - timedelta(hours=1), next_day + timedelta(hours=1)
    publish_test(in_app, "宪法测试", [answered], opens, closes, org["first"].id)
    assert in_app("10001", lambda s, u: book.due_count(s, u.id, now=next_day)) == 0
    with pytest.raises(DomainError) as refused:
        in_app("10001", lambda s, u: service.review(s, u, now=next_day))
    assert refused.value.code == ErrorCode.NOT_FOUND
    later = closes + exams.GRACE + timedelta(seconds=1)
    assert in_app("10001", lambda s, u: book.due_count(s, u.id, now=later)) == 1
    assert in_app("10001", lambda s, u: len(service.review(s, u, now=later).question_ids)) == 1


def test_a_challenge_waiting_on_a_question_an_open_test_may_ask_draws_another(app, org, bank, in_app):
    def start(session, user):  # type: ignore[no-untyped-def]
        found = service.challenge(session, user, now=START)
        return found.id, session.get_one(Question, found.question_ids[0]).external_id

    round_id, waiting = in_app("10001", start)
    publish_test(in_app, "宪法测试", [waiting], OPENS, CLOSES, org["first"].id)
    again, now_asked = in_app(
        "10001",
        lambda s, u: (
            (found := service.challenge(s, u, now=OPENS)).id,
            s.get_one(Question, found.question_ids[0]).external_id,
        ),
    )
    assert again == round_id and now_asked != waiting
    assert in_app("10001", lambda s, u: service.answer(s, u, round_id, 0, ["A"], now=OPENS)).correct


def test_two_challenges_started_at_once_are_one(app, bank, in_app):
    first = in_app("10001", lambda s, u: service.challenge(s, u, now=START).id)
    # A second request that missed the first's commit numbers its round the same: one round.
    again = in_app(
        "10001",
        lambda s, u: service._start(s, u.id, service.RoundKind.CHALLENGE, "1", [1], now=START).id,
    )
    assert again == first
    with_rounds = in_app(
        "10001", lambda s, u: s.scalars(select(PracticeRound).where(PracticeRound.user_id == u.id)).all()
    )
    assert len(with_rounds) == 1


def test_an_empty_answer_is_no_answer(app, bank, in_app):
    round_id = in_app("10001", lambda s, u: service.daily(s, u, now=START).id)
    for empty in ([], [""], ["  "]):
        with pytest.raises(DomainError) as refused:
            in_app("10001", lambda s, u: service.answer(s, u, round_id, 0, empty, now=START))  # noqa: B023
        assert refused.value.code in (ErrorCode.INVALID_RESPONSE,)


def test_a_review_whose_questions_left_are_all_held_gives_way_to_a_new_one(app, org, bank, in_app):
    def two_wrong(session, user):  # type: ignore[no-untyped-def]
        found = service.daily(session, user, now=START)
        for position in (0, 1):
            service.answer(session, user, found.id, position, ["B"], now=START)
        return [session.get_one(Question, q).external_id for q in found.question_ids[:2]]

    first, second = in_app("10001", two_wrong)
    next_day = START + timedelta(days=1)
    review = in_app("10001", lambda s, u: service.review(s, u, now=next_day))
    assert len(review.question_ids) == 2
    position_of = in_app(
        "10001",
        lambda s, u: {s.get_one(Question, q).external_id: n for n, q in enumerate(review.question_ids)},
    )
    in_app("10001", lambda s, u: service.answer(s, u, review.id, position_of[first], ["A"], now=next_day))
    publish_test(in_app, "宪法测试", [second], next_day, next_day + timedelta(hours=1), org["first"].id)
    later = next_day + timedelta(minutes=5)
    other = next(external for external in ("P-10", "P-11", "P-12") if external not in (first, second))

    def add_other(session, user):  # type: ignore[no-untyped-def]
        question = session.scalars(select(Question).where(Question.external_id == other)).one()
        book.add(session, user.id, question, now=later)

    in_app("10001", add_other)
    fresh = in_app("10001", lambda s, u: service.review(s, u, now=later))
    assert fresh.id != review.id and len(fresh.question_ids) == 1


def test_a_question_another_bank_asks_in_other_words_is_held_with_the_one_a_test_asks(app, org, bank, in_app):
    # P-01's question and key (甲) in another bank's words, its options in another order.
    twin_row = row(
        "单选",
        "根据测试法，练习题第1题（ ）。",
        ["乙", "甲", "丙", "丁"],
        "B",
        source="测试法第1条",
        id="Q-01",
    )
    load_bank(app, "另一题库", [twin_row])
    twin = lineage_of(app, "Q-01")
    publish_test(in_app, "宪法测试", ["P-01"], OPENS, CLOSES, org["first"].id)
    before = in_app("10001", lambda s, u: {c.lineage for c in service.pool(s, now=START)})
    during = in_app("10001", lambda s, u: {c.lineage for c in service.pool(s, now=OPENS)})
    assert twin in before and twin not in during and lineage_of(app, "P-03") in during
    assert in_app("10001", lambda s, u: holding.held(s, {twin}, now=OPENS))
    assert twin in in_app("10001", lambda s, u: {c.lineage for c in service.pool(s, now=AFTER)})


def test_a_tests_review_holds_back_a_question_whose_twin_another_test_may_still_ask(app, org, bank, in_app):
    load_bank(app, "另一题库", [row("单选", "根据测试法，练习题第1题（ ）。", ["乙", "甲"], "B", id="Q-01")])
    first = publish_test(in_app, "第一次测试", ["P-01", "P-03"], OPENS, CLOSES, org["first"].id)
    publish_test(in_app, "第二次测试", ["Q-01"], OPENS, CLOSES + timedelta(days=1), org["first"].id)
    sit_test(app, in_app, "10001", first, {"P-01": ["A"], "P-03": ["B"]}, OPENS)

    def withheld(at):  # type: ignore[no-untyped-def]
        def run(session, user):  # type: ignore[no-untyped-def]
            attempt = session.scalars(
                select(Attempt).where(Attempt.exam_id == first, Attempt.user_id == user.id)
            ).one()
            return exams.withheld(session, attempt, now=at).count

        return in_app("10001", run)

    assert withheld(AFTER) == 1  # P-01: 第二次测试 may still ask Q-01, which its key answers
    assert withheld(CLOSES + timedelta(days=1) + exams.GRACE + timedelta(seconds=1)) == 0


def test_while_a_test_is_open_practice_pages_show_nothing_of_which_questions_it_asks(
    app, org, bank, in_app, frozen_now
):
    round_id, (answered, waiting) = first_two_wrong(in_app)
    stems = {external: f"练习题第{int(external[2:])}题" for external in (answered, waiting)}
    publish_test(in_app, "宪法测试", [answered, waiting], OPENS, CLOSES, org["first"].id)
    client = client_for(app, "10001")
    frozen_now(OPENS)
    lineage = lineage_of(app, answered)
    pages = {
        "round": client.get(f"/practice/rounds/{round_id}?at=1").get_data(as_text=True),
        "book": client.get("/practice/book").get_data(as_text=True),
        "sheet": client.get("/practice/book/print").get_data(as_text=True),
        "question": client.get(f"/practice/book/questions/{lineage}").get_data(as_text=True),
    }
    for name, page in pages.items():
        for stem in stems.values():
            assert f"{stem}（" not in page, (name, stem)
    assert (
        "shown again once the test is over" in pages["book"]
        and "1 questions a test under way" in pages["sheet"]
    )
    frozen_now(AFTER)
    assert f"{stems[answered]}（" in client.get("/practice/book").get_data(as_text=True)
    sheet = client.get("/practice/book/print").get_data(as_text=True)
    assert f"{stems[answered]}（" in sheet and sheet.index("sheet-answers") > sheet.index(stems[answered])


def test_rewording_a_question_on_an_open_paper_keeps_its_old_twin_held(app, org, bank, in_app):
    load_bank(app, "另一题库", [row("单选", "根据测试法，练习题第1题（ ）。", ["乙", "甲"], "B", id="Q-01")])
    exam_id = publish_test(in_app, "测试", ["Q-01", "P-03"], OPENS, CLOSES, org["first"].id)
    in_app(
        "10001", lambda s, u: exams.start_or_resume(s, exam_id, u, now=OPENS)
    )  # a paper with Q-01 as it is

    def reword(session, admin):  # type: ignore[no-untyped-def]
        question = session.scalars(
            select(Question).where(Question.external_id == "Q-01", Question.current)
        ).one()
        edited = banks.to_parsed(question)
        edited.stem = "完全不同的另一道题（ ）。"
        banks.edit_question(session, admin, question.id, edited, now=OPENS)

    in_app("admin1", reword)
    twin = lineage_of(app, "P-01")
    assert in_app("10001", lambda s, u: holding.held(s, {twin}, now=OPENS + timedelta(minutes=1))) == {twin}
