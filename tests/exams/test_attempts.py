"""Taking a test through the attempt API: start, autosave, submit, deadlines, sweeps, review."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhall import create_app, db
from studyhall.accounts.models import User
from studyhall.exams import service
from studyhall.exams.models import Answer, Attempt
from tests.conftest import PASSWORD, START

SECRETS = ["国家安全法第十四条。", "总体国家安全观", "四月十五日", '"answer"', '"explanation"', '"key"']


def sign_in(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def start(client, exam_id: int, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/exams/{exam_id}/attempts", json=body)


def by_type(state: dict) -> dict[str, dict]:
    return {q["type"]: q for q in state["questions"]}


def letter_of(question: dict, text: str) -> str:
    return "ABCDEFGH"[question["options"].index(text)]


def save(client, attempt: int, position: int, response, seq: int):  # type: ignore[no-untyped-def]
    return client.put(f"/api/attempts/{attempt}/answers/{position}", json={"response": response, "seq": seq})


def answer_all_correctly(client, state: dict) -> None:
    questions = by_type(state)
    single, multiple = questions["single"], questions["multiple"]
    save(client, state["attempt"], single["position"], [letter_of(single, "4月15日")], 1)
    right = [
        letter_of(multiple, text)
        for text in ("保守所知悉的国家秘密", "及时报告危害国家安全活动的线索", "为国家安全工作提供便利")
    ]
    save(client, state["attempt"], multiple["position"], right, 1)
    save(client, state["attempt"], questions["judge"]["position"], True, 1)
    save(client, state["attempt"], questions["blank"]["position"], [" 四月十五日 ", "总体国家安全观"], 1)


def test_start_returns_the_frozen_paper_and_the_time_left_without_any_key(app, make_exam):
    exam_id = make_exam()
    client = sign_in(app, "10001")
    response = start(client, exam_id)
    assert response.status_code == 201
    state = response.get_json()
    assert state["remaining_seconds"] == 15 * 60
    assert [q["position"] for q in state["questions"]] == [1, 2, 3, 4]
    assert by_type(state)["blank"]["blanks"] == 2
    text = json.dumps(state, ensure_ascii=False)
    assert not [secret for secret in SECRETS if secret in text]
    # Resuming gives the same paper in the same order.
    again = start(client, exam_id).get_json()
    assert again["attempt"] == state["attempt"] and again["questions"] == state["questions"]


def test_all_correct_answers_score_full_marks_and_double_submit_is_harmless(app, make_exam):
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    answer_all_correctly(client, state)
    first = client.post(f"/api/attempts/{state['attempt']}/submit").get_json()
    second = client.post(f"/api/attempts/{state['attempt']}/submit").get_json()
    assert first == second == {"state": "submitted", "score": 10.0, "max_score": 10.0}


def test_replayed_and_out_of_order_saves_keep_the_newest_answer(app, make_exam, session):
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    judge = by_type(state)["judge"]["position"]
    assert save(client, state["attempt"], judge, False, 3).get_json()["seq"] == 3
    late_old = save(client, state["attempt"], judge, True, 2)  # arrives after seq 3
    assert late_old.status_code == 200 and late_old.get_json()["seq"] == 3
    assert save(client, state["attempt"], judge, False, 3).get_json()["seq"] == 3  # replay
    stored = session.scalars(select(Answer).where(Answer.position == judge)).one()
    assert (stored.response, stored.seq) == (False, 3)
    resumed = start(client, state["exam"]).get_json()
    assert by_type(resumed)["judge"]["response"] is False and by_type(resumed)["judge"]["seq"] == 3


def test_of_two_devices_saving_different_answers_with_the_same_seq_the_second_hears_it_was_not_kept(
    app, make_exam, session
):
    """Their millisecond clocks collided. The answer stored first stays (its device was told so), and
    the other device is told its answer was not kept, instead of a plain "saved"."""
    phone, desktop = sign_in(app, "10001"), sign_in(app, "10001")
    state = start(phone, make_exam()).get_json()
    judge = by_type(state)["judge"]["position"]
    first = save(desktop, state["attempt"], judge, False, 7).get_json()
    second = save(phone, state["attempt"], judge, True, 7).get_json()
    assert (first["seq"], first["kept"]) == (7, True)
    assert (second["seq"], second["kept"]) == (7, False)
    assert session.scalars(select(Answer.response).where(Answer.position == judge)).one() is False
    assert save(desktop, state["attempt"], judge, False, 7).get_json()["kept"] is True  # a replay is kept
    assert save(phone, state["attempt"], judge, True, 6).get_json()["kept"] is False  # an older save
    assert save(phone, state["attempt"], judge, True, 8).get_json()["kept"] is True  # a later change


def test_the_server_says_how_long_the_attempt_has_run_for_numbering_saves(app, make_exam, frozen_now):
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    assert state["elapsed_ms"] == 0
    frozen_now(START + timedelta(seconds=90, milliseconds=250))
    judge = by_type(state)["judge"]["position"]
    assert save(client, state["attempt"], judge, True, 1).get_json()["elapsed_ms"] == 90_250
    assert start(client, state["exam"]).get_json()["elapsed_ms"] == 90_250


def test_a_save_after_the_grace_is_refused_and_what_was_saved_stays(app, make_exam, frozen_now):
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    judge = by_type(state)["judge"]["position"]
    save(client, state["attempt"], judge, True, 1)
    assert state["grace_seconds"] == service.GRACE.total_seconds() == 60  # the page flushes for as long
    deadline = START + timedelta(minutes=15)
    frozen_now(deadline + service.GRACE)
    assert save(client, state["attempt"], judge, True, 2).status_code == 200  # within the grace
    frozen_now(deadline + service.GRACE + timedelta(seconds=1))
    refused = save(client, state["attempt"], judge, False, 3)
    assert refused.status_code == 409 and refused.get_json()["code"] == "deadline_passed"
    result = client.post(f"/api/attempts/{state['attempt']}/submit").get_json()
    assert result["score"] == 2.0  # the judge answer saved in time (True) counts


def test_the_sweep_submits_abandoned_attempts_from_their_saved_answers(app, make_exam, frozen_now, session):
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    answer_all_correctly(client, state)
    with app.app_context(), db.new_session() as writer:
        frozen_now(START + timedelta(minutes=15, seconds=59))
        assert service.finalise_overdue(writer, now=START + timedelta(minutes=15, seconds=59)) == 0
        later = START + timedelta(minutes=16, seconds=1)
        assert service.finalise_overdue(writer, now=later) == 1
        assert service.finalise_overdue(writer, now=later) == 0
        writer.commit()
    attempt = session.get(Attempt, state["attempt"])
    assert (attempt.state, attempt.ended_by, attempt.score) == ("submitted", "sweep", 10.0)


def test_an_attempt_that_fails_to_grade_does_not_hold_back_the_sweep_and_is_retried(
    app, make_exam, cadres, frozen_now, session, monkeypatch, caplog
):
    exam_id = make_exam()
    attempts = [start(sign_in(app, f"1000{n}"), exam_id).get_json()["attempt"] for n in (1, 2, 3)]
    broken = attempts[1]
    grade = service.grade

    def grade_failing_one(grading_session, attempt):  # type: ignore[no-untyped-def]
        if attempt.id == broken:
            raise RuntimeError("a question version that cannot be marked")
        grade(grading_session, attempt)

    monkeypatch.setattr(service, "grade", grade_failing_one)
    later = frozen_now(START + timedelta(minutes=17))
    with app.app_context(), db.new_session() as sweeping:
        assert service.finalise_overdue(sweeping, now=later) == 2
    states = {a.id: a.state for a in session.scalars(select(Attempt))}
    assert states == {attempts[0]: "submitted", broken: "open", attempts[2]: "submitted"}
    assert f"could not submit attempt {broken}" in caplog.text
    monkeypatch.setattr(service, "grade", grade)  # mended: the next sweep submits it
    with app.app_context(), db.new_session() as sweeping:
        assert service.finalise_overdue(sweeping, now=later) == 1
    session.expire_all()
    assert session.get(Attempt, broken).state == "submitted"


def test_the_api_reports_an_attempt_past_its_deadline_and_grace_as_submitted(app, make_exam, frozen_now):
    """Not "open" with no time left: the attempt page then shows the result instead of a form."""
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    save(client, state["attempt"], by_type(state)["judge"]["position"], True, 1)
    frozen_now(START + timedelta(minutes=15) + service.GRACE)
    within_grace = client.get(f"/api/attempts/{state['attempt']}").get_json()
    assert (within_grace["state"], within_grace["remaining_seconds"]) == ("open", 0)
    frozen_now(START + timedelta(minutes=15) + service.GRACE + timedelta(seconds=1))
    assert client.get(f"/api/attempts/{state['attempt']}").get_json()["state"] == "submitted"
    result = client.post(f"/api/attempts/{state['attempt']}/submit").get_json()
    assert result["score"] == 2.0


def test_answers_acknowledged_before_a_restart_are_all_there_with_the_right_time_left(
    app, make_exam, test_config, frozen_now
):
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    answer_all_correctly(client, state)
    frozen_now(START + timedelta(minutes=6))
    restarted = create_app(test_config)  # a new process: nothing carried over in memory
    try:
        again = sign_in(restarted, "10001")
        resumed = start(again, state["exam"]).get_json()
        assert resumed["attempt"] == state["attempt"]
        assert resumed["remaining_seconds"] == 9 * 60
        assert all(q["seq"] == 1 and q["response"] is not None for q in resumed["questions"])
        assert again.post(f"/api/attempts/{state['attempt']}/submit").get_json()["score"] == 10.0
    finally:
        restarted.extensions["studyhall.engine"].dispose()


def test_one_attempt_in_progress_and_no_more_attempts_than_allowed(app, make_exam):
    client = sign_in(app, "10001")
    exam_id = make_exam()
    first = start(client, exam_id).get_json()["attempt"]
    other_device = sign_in(app, "10001")
    assert start(other_device, exam_id).get_json()["attempt"] == first
    client.post(f"/api/attempts/{first}/submit")
    refused = start(client, exam_id)
    assert refused.status_code == 409 and refused.get_json()["code"] == "no_attempts_left"


def test_a_cadre_outside_the_audience_is_refused(app, make_exam):
    response = start(sign_in(app, "90001"), make_exam())
    assert response.status_code == 403 and response.get_json()["code"] == "not_in_audience"
    assert sign_in(app, "90001").get("/api/exams").get_json() == {"exams": []}


def test_the_audience_is_its_branches_with_everything_below_them_and_the_people_it_names(
    app, people, world, make_exam
):
    team = people.branch("第一党支部第一党小组", world["first"])
    people.user("10101", branch=team)  # below an audience branch: in
    people.user("20001", branch=world["root"])  # above it: out
    people.user("20002", branch=world["root"])  # named: in
    exam_id = make_exam(usernames=["20002"])
    assert start(sign_in(app, "10101"), exam_id).status_code == 201
    assert start(sign_in(app, "20001"), exam_id).get_json()["code"] == "not_in_audience"
    assert start(sign_in(app, "20002"), exam_id).status_code == 201


def test_someone_else_cannot_read_or_write_my_attempt(app, make_exam):
    state = start(sign_in(app, "10001"), make_exam()).get_json()
    intruder = sign_in(app, "10002")
    assert intruder.get(f"/api/attempts/{state['attempt']}").status_code == 404
    assert save(intruder, state["attempt"], 1, True, 1).status_code == 404
    assert intruder.post(f"/api/attempts/{state['attempt']}/submit").status_code == 404


def test_window_access_code_and_network_are_enforced(app, make_exam, frozen_now):
    client = sign_in(app, "10001")
    coded = make_exam(access_code="0415", allowed_networks="10.8.0.0/16")
    assert start(client, coded, access_code="1234").get_json()["code"] == "access_code"
    assert (
        start(client, coded, access_code="0415").get_json()["code"] == "address"
    )  # test client is 127.0.0.1
    later = make_exam(opens_at=START + timedelta(hours=1))
    assert start(client, later).get_json()["code"] == "not_open"
    frozen_now(START + timedelta(hours=3))
    assert start(client, later).get_json()["code"] == "closed"


def test_the_deadline_is_the_time_limit_or_the_close_whichever_comes_first(app, make_exam, frozen_now):
    exam_id = make_exam()
    frozen_now(START + timedelta(hours=1, minutes=50))
    state = start(sign_in(app, "10001"), exam_id).get_json()
    assert state["remaining_seconds"] == 10 * 60


def test_tab_switches_are_logged_and_the_limit_submits(app, make_exam, session):
    client = sign_in(app, "10001")
    state = start(client, make_exam(tab_switch_limit=2)).get_json()
    first = client.post(f"/api/attempts/{state['attempt']}/events", json={"kind": "tab_switch"}).get_json()
    assert first == {"state": "open", "tab_switches": 1, "tab_switch_limit": 2}  # the page warns: 1 more
    second = client.post(f"/api/attempts/{state['attempt']}/events", json={"kind": "tab_switch"}).get_json()
    assert second["state"] == "submitted"
    assert session.get(Attempt, state["attempt"]).ended_by == "tab_switches"


def test_malformed_saves_get_a_clear_json_error(app, make_exam):
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    single = by_type(state)["single"]["position"]
    assert save(client, state["attempt"], single, ["Z"], 1).get_json()["code"] == "invalid_response"
    assert save(client, state["attempt"], single, ["A", "B"], 1).get_json()["code"] == "invalid_response"
    assert save(client, state["attempt"], single, ["A"], 0).get_json()["code"] == "invalid_seq"
    too_big = save(client, state["attempt"], single, ["A"], 2**31)  # wider than the column
    assert too_big.status_code == 400 and too_big.get_json()["code"] == "invalid_seq"
    assert save(client, state["attempt"], single, ["A"], 2**31 - 1).status_code == 200
    assert save(client, state["attempt"], 99, ["A"], 1).status_code == 404
    assert client.put(f"/api/attempts/{state['attempt']}/answers/{single}", data="x").status_code == 400


def test_signed_out_api_calls_get_json_401(app, make_exam, client):
    response = client.put("/api/attempts/1/answers/1", json={"response": True, "seq": 1})
    assert response.status_code == 401 and response.get_json()["code"] == "signed_out"


@pytest.mark.parametrize("change", ["password reset", "deactivated"])
def test_a_save_or_start_from_a_session_the_account_has_ended_is_refused(app, make_exam, change):
    """The autosave and the start check the session against the account in their own queries (the
    user is not loaded first): a password reset or a deactivation must still end the session there."""
    client = sign_in(app, "10001")
    exam_id = make_exam()
    state = start(client, exam_id).get_json()
    judge = by_type(state)["judge"]["position"]
    assert save(client, state["attempt"], judge, True, 1).status_code == 200
    with app.app_context(), db.new_session() as session:
        cadre = session.scalars(select(User).where(User.username == "10001")).one()
        if change == "deactivated":
            cadre.active = False
        else:
            cadre.auth_version += 1
        session.commit()
    refused = save(client, state["attempt"], judge, False, 2)
    assert refused.status_code == 401 and refused.get_json()["code"] == "signed_out"
    resumed = start(client, exam_id)
    assert resumed.status_code == 401 and resumed.get_json()["code"] == "signed_out"
    with app.app_context(), db.new_session() as session:
        stored = session.scalars(select(Answer).where(Answer.attempt_id == state["attempt"])).one()
        assert (stored.response, stored.seq) == (True, 1)


def test_a_password_change_due_stops_a_start_but_not_the_saves_of_a_running_attempt(app, make_exam):
    """An administrator reset the password mid-test and the cadre signed in again in place with the
    temporary one: their answers keep being saved, but no new test starts before a new password."""
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    with app.app_context(), db.new_session() as session:
        session.scalars(select(User).where(User.username == "10001")).one().must_change_password = True
        session.commit()
    judge = by_type(state)["judge"]["position"]
    assert save(client, state["attempt"], judge, True, 1).status_code == 200
    refused = start(client, make_exam(title="第二场"))
    assert refused.status_code == 403 and refused.get_json()["code"] == "password_change"


def test_a_session_naming_no_account_is_signed_out(app, make_exam, client):
    exam_id = make_exam()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = "999999:0"
    refused = start(client, exam_id)
    assert refused.status_code == 401 and refused.get_json()["code"] == "signed_out"


def test_a_longer_time_limit_or_an_extension_applies_to_a_running_attempt(app, make_exam, world):
    from studyhall import clock
    from studyhall.exams import setup
    from studyhall.exams.models import Exam

    exam_id = make_exam()
    client = sign_in(app, "10001")
    state = start(client, exam_id).get_json()
    with app.app_context(), db.new_session() as session:
        exam = session.get(Exam, exam_id)
        admin = session.get(type(world["admin"]), world["admin"].id)
        spec = setup.ExamSpec(
            title=exam.title,
            opens_at=exam.opens_at,
            closes_at=exam.closes_at,
            time_limit_minutes=20,
            branch_ids=[world["first"].id],
            items=[("T-001", 2), ("T-002", 4), ("T-003", 2), ("T-004", 2)],
        )
        setup.save_exam(session, admin, spec, exam_id=exam_id, now=clock.now())
        session.commit()
    assert client.get(f"/api/attempts/{state['attempt']}").get_json()["remaining_seconds"] == 20 * 60
    with app.app_context(), db.new_session() as session:
        setup.set_extension(
            session,
            session.get(type(world["admin"]), world["admin"].id),
            session.get(Exam, exam_id),
            "10001",
            extra_minutes=10,
            closes_at=None,
            now=clock.now(),
        )
        session.commit()
    assert client.get(f"/api/attempts/{state['attempt']}").get_json()["remaining_seconds"] == 30 * 60
