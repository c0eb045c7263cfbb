"""The cadres' test pages, server side: landing, start, the attempt page (with and without
JavaScript), result and review, and the tests on the home page."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

from sqlalchemy import select

from studyhall.exams import service
from studyhall.exams.models import Answer, Attempt
from tests.conftest import PASSWORD, START
from tests.exams.test_attempts import SECRETS

CLOSE = START + timedelta(hours=2)  # make_exam's close
MULTIPLE_KEY = ("保守所知悉的国家秘密", "及时报告危害国家安全活动的线索", "为国家安全工作提供便利")
KEY_MARKERS = ['class="correct"', "✓", '"key"', '"answer"', '"explanation"', "explanation"]


def sign_in(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    client.post("/language", data={"lang": "en"})
    return client


def start(client, exam_id: int, **form):  # type: ignore[no-untyped-def]
    response = client.post(f"/exams/{exam_id}/start", data=form)
    assert response.status_code == 302
    return response


def attempt_id_of(response) -> int:  # type: ignore[no-untyped-def]
    match = re.fullmatch(r"/attempts/(\d+)", response.location)
    assert match, response.location
    return int(match.group(1))


def embedded_state(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="attempt-state">(.*?)</script>', page, re.S)
    assert match
    return json.loads(match.group(1))


def correct_form(state: dict) -> dict[str, object]:
    """The plain form's fields with every answer right, in the letters this person was shown."""
    form: dict[str, object] = {}
    for q in state["questions"]:
        name = f"q{q['position']}"
        letters = {text: "ABCDEFGH"[i] for i, text in enumerate(q["options"])}
        if q["type"] == "single":
            form[name] = letters["4月15日"]
        elif q["type"] == "multiple":
            form[name] = [letters[t] for t in MULTIPLE_KEY]
        elif q["type"] == "judge":
            form[name] = "true"
        else:
            form[name] = ["四月十五日", "总体国家安全观"]
    return form


def test_landing_describes_the_test_and_start_opens_the_attempt_page(app, make_exam):
    exam_id = make_exam(instructions="闭卷作答。", attempts_allowed=2)
    client = sign_in(app, "10001")
    page = client.get(f"/exams/{exam_id}").get_data(as_text=True)
    assert "国家安全知识测试" in page and "闭卷作答。" in page
    assert "15 minutes" in page and "0 of 2 used" in page
    # Shanghai time: the close and the grace for saves in transit
    assert "can be reviewed once nobody can start or save an answer any more (2026-04-15 11:01)" in page
    assert 'name="access_code"' not in page and 'id="start"' in page
    attempt_id = attempt_id_of(start(client, exam_id))
    attempt_page = client.get(f"/attempts/{attempt_id}")
    assert attempt_page.status_code == 200
    # Back on the landing page the button continues the same attempt.
    landing = client.get(f"/exams/{exam_id}").get_data(as_text=True)
    assert "Continue" in landing and "1 of 2 used" in landing
    assert attempt_id_of(start(client, exam_id)) == attempt_id


def test_the_attempt_page_and_its_embedded_state_carry_no_key_and_no_explanation(app, make_exam):
    client = sign_in(app, "10001")
    attempt_id = attempt_id_of(start(client, make_exam()))
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    state = embedded_state(page)
    state_text = json.dumps(state, ensure_ascii=False)
    text = html.unescape(page)
    for secret in SECRETS[:3]:  # the explanation and the blank's accepted answers
        assert secret not in text and secret not in state_text
    for marker in KEY_MARKERS:
        assert marker not in state_text
    assert 'class="correct"' not in page and "✓" not in page and "explanation" not in page.lower()
    assert set(state) == {
        "attempt",
        "exam",
        "title",
        "state",
        "remaining_seconds",
        "elapsed_ms",
        "grace_seconds",
        "one_per_page",
        "questions",
    }
    assert all(
        set(q) == {"position", "type", "stem", "options", "blanks", "score", "response", "seq"}
        for q in state["questions"]
    )
    # Every question is a fieldset with a legend; the inputs carry the shown letters.
    assert page.count("<fieldset") == page.count("<legend>") == 4
    assert state["remaining_seconds"] == 15 * 60


def test_submitting_the_plain_form_saves_every_answer_and_shows_the_score(app, make_exam, session):
    client = sign_in(app, "10001")
    attempt_id = attempt_id_of(start(client, make_exam()))
    state = embedded_state(client.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    response = client.post(f"/attempts/{attempt_id}/submit", data=correct_form(state))
    assert response.status_code == 302 and response.location == f"/attempts/{attempt_id}/result"
    result = client.get(response.location).get_data(as_text=True)
    assert re.search(r'id="score"[^>]*>10 / 10<', result)
    assert 'id="review-when"' in result and "from 2026-04-15 11:01" in result
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.ended_by, attempt.score) == ("submitted", "cadre", 10.0)
    assert len(session.scalars(select(Answer).where(Answer.attempt_id == attempt_id)).all()) == 4
    # A submitted attempt's page leads to its result.
    assert client.get(f"/attempts/{attempt_id}").location == f"/attempts/{attempt_id}/result"


def test_plain_form_saves_take_the_next_sequence_number_and_skip_unchanged_answers(app, make_exam, session):
    client = sign_in(app, "10001")
    attempt_id = attempt_id_of(start(client, make_exam()))
    state = embedded_state(client.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    judge = next(q["position"] for q in state["questions"] if q["type"] == "judge")
    single = next(q["position"] for q in state["questions"] if q["type"] == "single")
    # The script saved the judge answer three times already.
    client.put(f"/api/attempts/{attempt_id}/answers/{judge}", json={"response": True, "seq": 3})
    form = {f"q{judge}": "false", f"q{single}": "A"}
    response = client.post(f"/attempts/{attempt_id}/save", data=form)
    assert response.location == f"/attempts/{attempt_id}"
    answers = {a.position: a for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))}
    assert (answers[judge].response, answers[judge].seq) == (False, 4)
    assert answers[single].seq == 1 and len(answers) == 2
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Your answers have been saved." in page
    assert re.search(rf'name="q{judge}" value="false" checked', page)
    assert re.search(rf'name="q{single}" value="A"\s+checked', page)
    client.post(f"/attempts/{attempt_id}/save", data=form)  # nothing changed: nothing written
    session.expire_all()
    assert session.scalars(select(Answer.seq).where(Answer.position == judge)).one() == 4


def test_a_plain_form_save_is_numbered_by_the_server_clock_like_the_script_s(
    app, make_exam, frozen_now, session
):
    client = sign_in(app, "10001")
    attempt_id = attempt_id_of(start(client, make_exam()))
    state = embedded_state(client.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    judge = next(q["position"] for q in state["questions"] if q["type"] == "judge")
    frozen_now(START + timedelta(seconds=90))
    client.post(f"/attempts/{attempt_id}/save", data={f"q{judge}": "false"})
    # A phone's answer given offline 60 s into the attempt, arriving only now, is older.
    late = client.put(f"/api/attempts/{attempt_id}/answers/{judge}", json={"response": True, "seq": 60_000})
    assert late.get_json()["seq"] == 90_000
    stored = session.scalars(select(Answer).where(Answer.position == judge)).one()
    assert (stored.response, stored.seq) == (False, 90_000)


def test_the_offline_worker_is_served_from_the_attempt_pages_folder_to_anyone(client):
    with client.get("/attempts/sw.js") as response:  # its scope is /attempts/: the attempt pages only
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert "no-cache" in response.headers["Cache-Control"]  # a new version is picked up at once
        assert b"caches" in response.data


def test_review_is_refused_before_the_close_and_shows_key_and_explanation_after(app, make_exam, frozen_now):
    client = sign_in(app, "10001")
    attempt_id = attempt_id_of(start(client, make_exam()))
    client.post(f"/attempts/{attempt_id}/submit", data={})
    refused = client.get(f"/attempts/{attempt_id}/review")
    assert refused.status_code == 403
    assert "The review opens at 2026-04-15 11:01, once nobody can start or save an answer any more." in (
        refused.get_data(as_text=True)
    )
    assert "review-link" not in client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    frozen_now(CLOSE + service.GRACE + timedelta(milliseconds=1))
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert f'href="/attempts/{attempt_id}/review"' in result
    review = client.get(f"/attempts/{attempt_id}/review")
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    assert "国家安全法第十四条。" in page  # 解析
    assert "四月十五日" in page and "总体国家安全观" in page  # the blank's accepted answers
    assert page.count('class="key-answer"') == 4 and "No answer" in page


def test_a_test_without_review_says_so_and_a_hidden_score_stays_hidden(app, make_exam, frozen_now):
    client = sign_in(app, "10001")
    attempt_id = attempt_id_of(start(client, make_exam(review="never", show_score=False)))
    client.post(f"/attempts/{attempt_id}/submit", data={})
    frozen_now(CLOSE + timedelta(days=1))
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="score"' not in result and 'id="score-hidden"' in result
    assert "not shown afterwards" in result
    refused = client.get(f"/attempts/{attempt_id}/review")
    assert refused.status_code == 403 and "not shown for review" in refused.get_data(as_text=True)


def test_the_review_shows_each_question_s_points_only_when_the_test_shows_scores(app, make_exam, frozen_now):
    pages = {}
    for show_score in (True, False):
        frozen_now(START)
        client = sign_in(app, "10001")
        attempt_id = attempt_id_of(start(client, make_exam(show_score=show_score)))
        state = embedded_state(client.get(f"/attempts/{attempt_id}").get_data(as_text=True))
        client.post(f"/attempts/{attempt_id}/submit", data=correct_form(state))
        frozen_now(CLOSE + service.GRACE + timedelta(minutes=1))
        pages[show_score] = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert pages[True].count('class="awarded"') == 4 and "4 of 4 points" in pages[True]
    assert "国家安全法第十四条。" in pages[False]  # the review itself is there
    hidden = pages[False].split('id="main"')[1]  # the page itself, not the menu's "My points"
    assert 'class="awarded"' not in hidden and " points" not in hidden


def test_a_cadre_outside_the_audience_is_refused(app, make_exam, session):
    exam_id = make_exam()
    client = sign_in(app, "90001")
    landing = client.get(f"/exams/{exam_id}")
    assert landing.status_code == 403 and "This test is not open to you." in landing.get_data(as_text=True)
    assert start(client, exam_id).location == f"/exams/{exam_id}"
    assert session.scalars(select(Attempt)).all() == []
    assert 'id="no-tests"' in client.get("/").get_data(as_text=True)


def test_someone_elses_attempt_pages_are_not_found(app, make_exam):
    attempt_id = attempt_id_of(start(sign_in(app, "10001"), make_exam()))
    intruder = sign_in(app, "10002")
    for path in ("", "/result", "/review"):
        assert intruder.get(f"/attempts/{attempt_id}{path}").status_code == 404
    assert intruder.post(f"/attempts/{attempt_id}/submit", data={}).status_code == 404


def test_the_access_code_form_refuses_a_wrong_code_and_accepts_the_right_one(app, make_exam, session):
    exam_id = make_exam(access_code="0415")
    client = sign_in(app, "10001")
    assert 'name="access_code"' in client.get(f"/exams/{exam_id}").get_data(as_text=True)
    assert start(client, exam_id, access_code="1234").location == f"/exams/{exam_id}"
    assert "The access code (考试口令) is wrong." in client.get(f"/exams/{exam_id}").get_data(as_text=True)
    assert session.scalars(select(Attempt)).all() == []
    attempt_id_of(start(client, exam_id, access_code=" 0415 "))


def test_coming_open_and_finished_tests_are_listed_on_the_home_page(app, make_exam, frozen_now):
    coming = make_exam(
        title="宪法知识竞赛", opens_at=START + timedelta(days=2), closes_at=START + timedelta(days=3)
    )
    open_now = make_exam()
    done = make_exam(title="保密知识测试")
    client = sign_in(app, "10001")
    done_attempt = attempt_id_of(start(client, done))
    state = embedded_state(client.get(f"/attempts/{done_attempt}").get_data(as_text=True))
    client.post(f"/attempts/{done_attempt}/submit", data=correct_form(state))
    page = client.get("/").get_data(as_text=True)
    assert re.search(rf'data-exam="{open_now}" data-status="open"', page)
    assert re.search(rf'data-exam="{coming}" data-status="upcoming"', page)
    # All its attempts used while it is still open: 已完成, not 已结束.
    assert re.search(rf'data-exam="{done}" data-status="completed"', page)
    assert f'data-exam="{done}" data-status="finished"' not in page
    assert 'data-countdown="172800"' in page  # opens in two days
    assert 'data-countdown="7200"' in page  # the open test closes in two hours
    # The same four questions are on the open and the coming test: the score would tell their keys.
    assert "10 / 10" not in page and "/review" not in page
    # Once in progress, the open test offers to continue with the time left.
    attempt_id_of(start(client, open_now))
    assert 'data-countdown="900"' in client.get("/").get_data(as_text=True)
    frozen_now(CLOSE + service.GRACE + timedelta(milliseconds=1))
    page = client.get("/").get_data(as_text=True)
    assert re.search(rf'data-exam="{done}" data-status="finished"', page)
    assert "/review" not in page  # its review is open, but the coming test holds every question
    frozen_now(START + timedelta(days=3) + service.GRACE + timedelta(milliseconds=1))
    page = client.get("/").get_data(as_text=True)
    assert "10 / 10" in page and "/review" in page  # no test holds its questions any more


def test_coming_back_after_the_deadline_submits_the_saved_answers(app, make_exam, frozen_now, session):
    client = sign_in(app, "10001")
    attempt_id = attempt_id_of(start(client, make_exam()))
    frozen_now(START + timedelta(minutes=15) + service.GRACE + timedelta(seconds=1))
    assert client.get(f"/attempts/{attempt_id}").location == f"/attempts/{attempt_id}/result"
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.ended_by) == ("submitted", "sweep")
