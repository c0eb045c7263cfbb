"""Tests drawn from one bank share questions: a key read in one test's review must not be saved into
another test that can still be answered. And with several attempts, a score shown at once would tell
the key one question at a time."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhall import clock, db
from studyhall.accounts.models import User
from studyhall.banks import service as banks
from studyhall.banks.formats import parse_file
from studyhall.banks.models import Question
from studyhall.errors import DomainError
from studyhall.exams import service
from studyhall.exams.models import Attempt
from studyhall.exams.setup import RuleSpec
from tests.banks.helpers import row, sheet_rows, xlsx
from tests.conftest import START
from tests.exams.test_admin import form_data
from tests.exams.test_attempts import answer_all_correctly, by_type, letter_of, save, sign_in, start
from tests.exams.test_review_window import CLOSE, KEY, MS, arrange, edit_window

# T-001 (single) carries KEY as its 解析 and this 出处; T-003 (judge) only an 出处.
SINGLE_SOURCE = "《中华人民共和国国家安全法》第十四条"
JUDGE_SOURCE = "《中华人民共和国宪法》第五十四条"
NEXT_WEEK = {
    "title": "第二周测验",
    "opens_at": START + timedelta(days=7),
    "closes_at": START + timedelta(days=7, hours=2),
}
NEXT_WEEK_OVER = NEXT_WEEK["closes_at"] + service.GRACE + MS


def sat_the_first_test(app, make_exam):  # type: ignore[no-untyped-def]
    """Test A (SAMPLE's four questions) sat by 10001, who answered T-001 and submitted; its review
    open. The cadre's client and the positions of T-001 and T-003 on the paper."""
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    single = by_type(state)["single"]
    save(client, state["attempt"], single["position"], [letter_of(single, "4月15日")], 1)
    assert client.post(f"/api/attempts/{state['attempt']}/submit").status_code == 200
    return client, state["attempt"], single["position"], by_type(state)["judge"]["position"]


def review_row(client, attempt_id: int, position: int) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/attempts/{attempt_id}/review")
    assert page.status_code == 200
    match = re.search(rf'id="r-{position}"(.*?)(?=id="r-\d+"|</ol>)', page.get_data(as_text=True), re.S)
    assert match
    return match.group(1)


def assert_withheld(row: str, title: str) -> None:
    assert KEY not in row and SINGLE_SOURCE not in row
    assert 'class="key"' not in row and 'class="verdict"' not in row and 'class="awarded"' not in row
    assert f"《{title}》" in row and "答案、解析和评判将在该测试结束后" in row
    assert 'class="mark-chosen"' in row  # the person's own answer stays


def sample_bank_id(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        return session.scalars(select(Question.bank_id).where(Question.external_id == "T-001")).one()


def test_a_key_a_later_test_has_hand_picked_stays_hidden_until_that_test_is_over(app, make_exam, frozen_now):
    client, attempt_id, single, judge = sat_the_first_test(app, make_exam)
    make_exam(**NEXT_WEEK, items=[("T-001", 2)])
    frozen_now(CLOSE + service.GRACE + MS)
    assert_withheld(review_row(client, attempt_id, single), NEXT_WEEK["title"])
    assert JUDGE_SOURCE in review_row(client, attempt_id, judge)  # not in the other test: shown
    frozen_now(NEXT_WEEK["closes_at"] + service.GRACE)
    assert KEY not in review_row(client, attempt_id, single)
    frozen_now(NEXT_WEEK_OVER)
    row = review_row(client, attempt_id, single)
    assert KEY in row and SINGLE_SOURCE in row and 'class="verdict"' in row


def test_a_key_another_test_s_drawing_rule_could_draw_is_hidden_and_only_that_one(app, make_exam, frozen_now):
    client, attempt_id, single, judge = sat_the_first_test(app, make_exam)
    bank = sample_bank_id(app)
    rules = [RuleSpec(bank, count=1, score=2, type="single", category="教育日")]
    make_exam(**NEXT_WEEK, items=[], rules=rules)
    frozen_now(CLOSE + service.GRACE + MS)
    assert_withheld(review_row(client, attempt_id, single), NEXT_WEEK["title"])
    assert JUDGE_SOURCE in review_row(client, attempt_id, judge)
    frozen_now(NEXT_WEEK_OVER)
    assert KEY in review_row(client, attempt_id, single)


def test_administrators_still_see_every_key_of_an_attempt_while_another_test_holds_it(
    app, admin_client, make_exam, frozen_now
):
    _client, attempt_id, _single, _judge = sat_the_first_test(app, make_exam)
    make_exam(**NEXT_WEEK, items=[("T-001", 2)])
    frozen_now(CLOSE + service.GRACE + MS)
    with app.app_context(), db.new_session() as session:
        exam_id = session.get_one(Attempt, attempt_id).exam_id
    page = admin_client.get(f"/admin/exams/{exam_id}/attempts/{attempt_id}").get_data(as_text=True)
    assert KEY in page


def test_a_test_created_after_a_review_opened_hides_the_keys_it_shares_from_then_on(
    app, make_exam, frozen_now
):
    client, attempt_id, single, _judge = sat_the_first_test(app, make_exam)
    frozen_now(CLOSE + service.GRACE + MS)
    assert KEY in review_row(client, attempt_id, single)
    make_exam(**NEXT_WEEK, items=[("T-001", 2), ("T-004", 2)])
    assert_withheld(review_row(client, attempt_id, single), NEXT_WEEK["title"])
    frozen_now(NEXT_WEEK_OVER)
    assert KEY in review_row(client, attempt_id, single)


def test_the_form_of_a_test_reusing_questions_whose_keys_a_review_showed_warns_and_saves(
    app, admin_client, make_exam, world, frozen_now
):
    sat_the_first_test(app, make_exam)
    frozen_now(CLOSE + service.GRACE + MS)
    created = admin_client.post(
        "/admin/exams/new",
        data=form_data(
            world,
            title="第二周测验",
            opens_at="2026-04-22T08:55",
            closes_at="2026-04-22T11:00",
            items="T-001 2\nT-002 4",
        ),
    )
    assert created.status_code == 302  # a warning, not a refusal
    warning = "The answers to 2 of this test’s questions have already been shown in the review of 《国家安全知识测试》."
    assert warning in admin_client.get(created.headers["Location"]).get_data(as_text=True)
    assert warning in admin_client.get(created.headers["Location"] + "/edit").get_data(as_text=True)


def test_a_test_asking_the_twin_of_a_question_whose_key_a_review_showed_warns_too(
    app, admin_client, make_exam, world, frozen_now
):
    sat_the_first_test(app, make_exam)
    twin = row(
        "单选",
        "根据国家安全法：每年（ ）为全民国家安全教育日",
        ["4月15日", "12月4日", "3月15日"],
        "A",
        source=SINGLE_SOURCE,
        id="TW-1",
    )
    with app.app_context(), db.new_session() as session:
        plan = banks.plan_import(session, "另一题库", parse_file("twin.xlsx", xlsx(sheet_rows(twin))))
        banks.apply_import(session, None, plan, now=clock.now())
        session.commit()
    frozen_now(CLOSE + service.GRACE + MS)
    created = admin_client.post(
        "/admin/exams/new",
        data=form_data(
            world,
            title="第二周测验",
            opens_at="2026-04-22T08:55",
            closes_at="2026-04-22T11:00",
            items="TW-1 2\nT-002 4",
        ),
    )
    assert created.status_code == 302, re.findall(
        r"class=\"error[^>]*>([^<]*)", created.get_data(as_text=True)
    )
    # T-002 itself, and TW-1 through its twin T-001.
    warning = "The answers to 2 of this test’s questions have already been shown in the review of 《国家安全知识测试》."
    assert warning in admin_client.get(created.headers["Location"]).get_data(as_text=True)


def test_with_several_attempts_the_score_waits_until_nobody_can_answer(app, make_exam, frozen_now):
    client = sign_in(app, "10001")
    exam_id = make_exam(attempts_allowed=3)
    state = start(client, exam_id).get_json()
    answer_all_correctly(client, state)
    submitted = client.post(f"/api/attempts/{state['attempt']}/submit").get_json()
    assert (submitted["score"], submitted["max_score"]) == (None, None)
    result = client.get(f"/attempts/{state['attempt']}/result").get_data(as_text=True)
    assert 'id="score"' not in result and 'id="score-hidden"' in result
    assert "10 / 10" not in client.get("/").get_data(as_text=True)
    assert "10 / 10" not in client.get(f"/exams/{exam_id}").get_data(as_text=True)
    frozen_now(CLOSE + service.GRACE + MS)
    again = client.post(f"/api/attempts/{state['attempt']}/submit").get_json()
    assert (again["score"], again["max_score"]) == (10, 10)
    result = client.get(f"/attempts/{state['attempt']}/result").get_data(as_text=True)
    assert re.search(r'id="score"[^>]*>10 / 10<', result)
    assert "10 / 10" in client.get("/").get_data(as_text=True)


# ---- found by an outside re-attack: paper contents, totals, single-attempt scores, "never" ------

LONG = {"title": "长期测验", "closes_at": START + timedelta(days=1), "time_limit_minutes": 600}


def current_id(app, external_id: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        query = select(Question.id).where(Question.external_id == external_id, Question.current)
        return session.scalars(query).one()


def test_a_question_retired_or_edited_out_of_a_rule_stays_hidden_while_an_open_paper_holds_it(
    app, make_exam, world, frozen_now
):
    rule = RuleSpec(sample_bank_id(app), count=1, score=10, type="single", category="教育日")
    other = make_exam(**LONG, items=[], rules=[rule])
    client, attempt_id, single, _judge = sat_the_first_test(app, make_exam)
    held = start(client, other).get_json()  # its paper: T-001, open for ten hours
    frozen_now(CLOSE + service.GRACE + MS)
    with app.app_context(), db.new_session() as session:  # edited out of the rule: a new version
        question = session.get(Question, current_id(app, "T-001"))
        edited = banks.to_parsed(question)
        edited.categories = ["国家安全法"]
        banks.edit_question(
            session, session.get(User, world["admin"].id), question.id, edited, now=clock.now()
        )
        session.commit()
    assert_withheld(review_row(client, attempt_id, single), LONG["title"])
    with app.app_context(), db.new_session() as session:
        admin = session.get(User, world["admin"].id)
        banks.set_retired(session, admin, current_id(app, "T-001"), True, now=clock.now())
        session.commit()
    assert_withheld(review_row(client, attempt_id, single), LONG["title"])
    assert client.post(f"/api/attempts/{held['attempt']}/submit").status_code == 200
    assert KEY in review_row(client, attempt_id, single)  # no paper holds it any more


def test_while_a_row_is_withheld_no_score_shows_that_would_tell_its_points(app, make_exam, frozen_now):
    """The total less the points of the rows shown would be the withheld row's points: its key."""
    client, attempt_id, _single, judge = sat_the_first_test(app, make_exam)
    make_exam(**NEXT_WEEK, items=[("T-003", 10)])
    frozen_now(CLOSE + service.GRACE + MS)
    assert "答案、解析和评判将在该测试结束后" in review_row(client, attempt_id, judge)
    for page in (f"/attempts/{attempt_id}/review", f"/attempts/{attempt_id}/result", "/"):
        html = client.get(page).get_data(as_text=True)
        assert "/ 10" not in html and 'class="awarded"' not in html, page
    frozen_now(NEXT_WEEK_OVER)
    assert "/ 10" in client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)


def test_a_one_attempt_test_shows_no_score_while_another_test_holding_its_questions_is_open(app, make_exam):
    other = make_exam(**LONG, items=[("T-003", 10)])
    probe = make_exam(title="小测", items=[("T-003", 1)])  # one attempt, score shown at once
    client = sign_in(app, "10001")
    state = start(client, probe).get_json()
    save(client, state["attempt"], 1, False, 1)
    answer = client.post(f"/api/attempts/{state['attempt']}/submit").get_json()
    assert answer["score"] is None and answer["max_score"] is None  # it would tell T-003's key
    assert start(client, other).status_code == 201


@pytest.mark.parametrize("how", ["reopen", "later close"])
def test_a_test_without_review_but_with_scores_shown_cannot_be_reopened_after_its_close(
    app, make_exam, world, frozen_now, how
):
    exam_id = make_exam(items=[("T-003", 10)], attempts_allowed=3, review="never")
    client = sign_in(app, "10001")
    state = start(client, exam_id).get_json()
    save(client, state["attempt"], 1, False, 1)
    client.post(f"/api/attempts/{state['attempt']}/submit")
    frozen_now(CLOSE + service.GRACE + MS)
    assert "0 / 10" in client.get(f"/attempts/{state['attempt']}/result").get_data(as_text=True)
    later = CLOSE + timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        if how == "reopen":
            edit_window(
                app,
                world,
                exam_id,
                now=clock.now(),
                closes_at=later,
                items=[("T-003", 10)],
                attempts_allowed=3,
                review="never",
            )
        else:
            arrange(app, world, exam_id, "10001", now=clock.now(), closes_at=later)
    assert refused.value.code == "review_open"
    assert start(client, exam_id).status_code == 409


# ---- found by a new user: the pages named the wrong reason and offered a review with nothing in it --


def test_a_score_waiting_for_another_test_says_which_and_until_when(app, make_exam):
    make_exam(**LONG, items=[("T-003", 10)])
    probe = make_exam(title="小测", items=[("T-003", 1)])  # one attempt: no window of its own to wait for
    client = sign_in(app, "10001")
    state = start(client, probe).get_json()
    client.post(f"/api/attempts/{state['attempt']}/submit")
    hidden = client.get(f"/attempts/{state['attempt']}/result").get_data(as_text=True)
    assert f"《{LONG['title']}》" in hidden and "允许多次作答" not in hidden


def test_a_review_whose_every_question_is_withheld_is_not_offered_and_says_until_when(
    app, make_exam, frozen_now
):
    client, attempt_id, _single, _judge = sat_the_first_test(app, make_exam)
    make_exam(**NEXT_WEEK, items=[("T-001", 2), ("T-002", 2), ("T-003", 2), ("T-004", 2)])
    frozen_now(CLOSE + service.GRACE + MS)
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="review-link"' not in result and f"《{NEXT_WEEK['title']}》" in result
    assert f"/attempts/{attempt_id}/review" not in client.get("/").get_data(as_text=True)
    frozen_now(NEXT_WEEK_OVER)
    assert 'id="review-link"' in client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)


def test_a_review_that_withheld_a_live_tests_questions_is_not_reported_as_showing_them(
    app, admin_client, make_exam, frozen_now
):
    sat_the_first_test(app, make_exam)
    later = make_exam(**NEXT_WEEK, items=[("T-001", 2)])  # published before the first review opens
    frozen_now(CLOSE + service.GRACE + MS)
    assert "已在" not in admin_client.get(f"/admin/exams/{later}").get_data(as_text=True)
    assert "have already been shown" not in admin_client.get(f"/admin/exams/{later}").get_data(as_text=True)


def test_the_administrator_is_told_when_a_test_shares_questions_with_a_live_one(app, admin_client, make_exam):
    make_exam(**LONG, items=[("T-003", 10)])
    probe = make_exam(title="小测", items=[("T-003", 1), ("T-001", 1)])
    page = admin_client.get(f"/admin/exams/{probe}").get_data(as_text=True)
    assert 'id="shared-live"' in page and f"《{LONG['title']}》" in page
    assert 'id="shared-live"' in admin_client.get(f"/admin/exams/{probe}/edit").get_data(as_text=True)
