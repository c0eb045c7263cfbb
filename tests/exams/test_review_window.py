"""The key is never readable while an answer can still be started or saved, and a window is never
widened once it may have been read. Each clock is walked across its edge: the close, the close and
the grace, a personal later close and its grace, to the millisecond."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.errors import DomainError
from studyhall.exams import service, setup
from studyhall.exams.models import Attempt, Exam, ExamExtension
from tests.conftest import START
from tests.exams.conftest import exam_spec
from tests.exams.test_admin import form_data, problem_of
from tests.exams.test_attempts import answer_all_correctly, by_type, save, sign_in, start

CLOSE = START + timedelta(hours=2)  # make_exam's close
MS = timedelta(milliseconds=1)
KEY = "国家安全法第十四条。"  # T-001's 解析, on the review page only


def review_shown(client, attempt_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether this cadre can read the key: the review page, the link to it on the result page and
    on the home page."""
    review = client.get(f"/attempts/{attempt_id}/review")
    shown = review.status_code == 200
    assert shown == (KEY in review.get_data(as_text=True))
    link = f'href="/attempts/{attempt_id}/review"'
    assert shown == (link in client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True))
    assert shown == (link in client.get("/").get_data(as_text=True))
    return shown


def submitted_early(app, exam_id: int, username: str = "10001"):  # type: ignore[no-untyped-def]
    """A cadre who answered and submitted in the first minutes: their client and attempt."""
    client = sign_in(app, username)
    state = start(client, exam_id).get_json()
    assert client.post(f"/api/attempts/{state['attempt']}/submit").status_code == 200
    return client, state["attempt"]


def judge_saved(client, state: dict, seq: int):  # type: ignore[no-untyped-def]
    return save(client, state["attempt"], by_type(state)["judge"]["position"], True, seq)


def edit_window(app, world, exam_id: int, *, now, **window):  # type: ignore[no-untyped-def]
    """The administrator saves the test with another opens_at and/or closes_at."""
    with app.app_context(), db.new_session() as session:
        admin = session.get(User, world["admin"].id)
        setup.save_exam(session, admin, exam_spec(world, **window), exam_id=exam_id, now=now)
        session.commit()


def arrange(app, world, exam_id: int, username: str, *, now, extra_minutes=0, closes_at=None):  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        setup.set_extension(
            session,
            session.get(User, world["admin"].id),
            session.get(Exam, exam_id),
            username,
            extra_minutes=extra_minutes,
            closes_at=closes_at,
            now=now,
        )
        session.commit()


def test_a_colleague_saving_in_the_grace_keeps_the_review_shut_until_the_grace_is_over(
    app, make_exam, frozen_now
):
    exam_id = make_exam()
    reader, attempt_id = submitted_early(app, exam_id)
    frozen_now(CLOSE - timedelta(minutes=5))
    colleague = sign_in(app, "10002")
    state = start(colleague, exam_id).get_json()  # its deadline is the close
    frozen_now(CLOSE)
    assert not review_shown(reader, attempt_id)
    frozen_now(CLOSE + service.GRACE)
    assert not review_shown(reader, attempt_id)
    assert judge_saved(colleague, state, 1).status_code == 200  # still counts: nobody has read the key
    frozen_now(CLOSE + service.GRACE + MS)
    assert review_shown(reader, attempt_id)
    refused = judge_saved(colleague, state, 2)
    assert refused.status_code == 409 and refused.get_json()["code"] == "deadline_passed"


def test_a_second_attempt_of_the_same_cadre_keeps_their_first_review_shut(app, make_exam, frozen_now):
    exam_id = make_exam(attempts_allowed=2)
    client, first = submitted_early(app, exam_id)
    frozen_now(CLOSE - MS)
    second = start(client, exam_id).get_json()
    assert second["remaining_seconds"] == 0  # ends at the close, not 15 minutes later
    frozen_now(CLOSE + timedelta(seconds=1))
    assert not review_shown(client, first)
    answer_all_correctly(client, second)  # in the grace: counts, as nobody could have read the key
    frozen_now(CLOSE + service.GRACE + MS)
    assert review_shown(client, first)
    assert judge_saved(client, second, 2).status_code == 409
    assert start(client, exam_id).status_code == 409


def test_a_personal_later_close_keeps_everyone_s_review_shut_until_it_and_its_grace_pass(
    app, make_exam, world, frozen_now
):
    exam_id = make_exam()
    reader, attempt_id = submitted_early(app, exam_id)
    later = CLOSE + timedelta(hours=1)
    arrange(app, world, exam_id, "10002", closes_at=later, now=START)
    frozen_now(CLOSE + service.GRACE + timedelta(minutes=1))
    assert not review_shown(reader, attempt_id)
    away = sign_in(app, "10002")
    state = start(away, exam_id).get_json()
    assert state["remaining_seconds"] == 15 * 60
    frozen_now(later - MS)
    assert not review_shown(reader, attempt_id)
    frozen_now(later + service.GRACE)
    assert not review_shown(reader, attempt_id)
    frozen_now(later + service.GRACE + MS)
    assert review_shown(reader, attempt_id)


def test_an_extension_granted_during_an_attempt_moves_the_review_with_its_deadline(
    app, make_exam, world, frozen_now
):
    exam_id = make_exam()
    reader, attempt_id = submitted_early(app, exam_id)
    frozen_now(CLOSE - timedelta(minutes=5))
    late = sign_in(app, "10002")
    state = start(late, exam_id).get_json()
    assert state["remaining_seconds"] == 5 * 60
    extended = CLOSE + timedelta(minutes=20)
    in_grace = frozen_now(CLOSE + timedelta(seconds=30))
    arrange(app, world, exam_id, "10002", extra_minutes=30, closes_at=extended, now=in_grace)
    assert late.get(f"/api/attempts/{state['attempt']}").get_json()["remaining_seconds"] == 20 * 60 - 30
    frozen_now(extended + service.GRACE)
    assert not review_shown(reader, attempt_id)
    assert judge_saved(late, state, 1).status_code == 200
    frozen_now(extended + service.GRACE + MS)
    assert review_shown(reader, attempt_id)
    assert judge_saved(late, state, 2).status_code == 409


def test_a_window_can_be_reopened_before_the_review_opens_but_not_after(app, make_exam, world, frozen_now):
    exam_id = make_exam()
    reader, attempt_id = submitted_early(app, exam_id)
    # Within the grace nobody can have read the key: the close may still move.
    later = CLOSE + timedelta(hours=1)
    edit_window(app, world, exam_id, closes_at=later, now=frozen_now(CLOSE + timedelta(seconds=30)))
    assert not review_shown(reader, attempt_id)
    read = frozen_now(later + service.GRACE + MS)
    assert review_shown(reader, attempt_id)
    next_week = {"opens_at": START + timedelta(days=7), "closes_at": START + timedelta(days=7, hours=2)}
    for window in ({"closes_at": later + timedelta(days=1)}, next_week):
        with pytest.raises(DomainError) as refused:
            edit_window(app, world, exam_id, now=read, **window)
        assert refused.value.code == "review_open"
    assert start(sign_in(app, "10002"), exam_id).get_json()["code"] == "closed"
    # A change that lets nobody answer again is still allowed, such as an earlier close.
    edit_window(app, world, exam_id, closes_at=CLOSE, now=read)
    assert review_shown(reader, attempt_id)


def test_no_later_close_can_be_arranged_for_anyone_once_the_review_is_open(app, make_exam, world, frozen_now):
    exam_id = make_exam()
    submitted_early(app, exam_id)
    # At the very end of the grace a save still counts, so the review is not open yet.
    away = CLOSE + timedelta(hours=1)
    arrange(app, world, exam_id, "10002", closes_at=away, now=frozen_now(CLOSE + service.GRACE))
    review_opened = frozen_now(away + service.GRACE + MS)
    with pytest.raises(DomainError) as refused:
        arrange(app, world, exam_id, "10001", closes_at=CLOSE + timedelta(days=1), now=review_opened)
    assert refused.value.code == "review_open"


def test_the_admin_pages_refuse_to_widen_the_window_once_the_review_is_open_and_say_why(
    app, admin_client, make_exam, world, frozen_now
):
    exam_id = make_exam()
    submitted_early(app, exam_id)
    frozen_now(CLOSE + service.GRACE + MS)
    unchanged_paper = {"pass_mark": "", "tab_switch_limit": ""}  # as make_exam made it
    edit = admin_client.post(
        f"/admin/exams/{exam_id}/edit", data=form_data(world, closes_at="2026-04-16T11:00", **unchanged_paper)
    )
    assert edit.status_code == 422
    assert "no one may start or save an answer again" in problem_of(edit.get_data(as_text=True))
    arranged = admin_client.post(
        f"/admin/exams/{exam_id}/extensions",
        data={"username": "10001", "extra_minutes": "0", "closes_at": "2026-04-16T10:00"},
    )
    assert arranged.status_code == 422
    assert "no one may start or save an answer again" in arranged.get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        assert session.get(Exam, exam_id).closes_at == CLOSE
        assert session.scalars(select(ExamExtension)).all() == []
    form = admin_client.get(f"/admin/exams/{exam_id}/edit").get_data(as_text=True)
    assert "once nobody can start or save an answer any more" in form
    detail = admin_client.get(f"/admin/exams/{exam_id}").get_data(as_text=True)
    assert re.search(r'id="review-opens">2026-04-15 11:01 ', detail)  # Shanghai time


def test_a_window_nobody_has_sat_may_be_moved_at_any_time(app, make_exam, world, frozen_now):
    exam_id = make_exam()
    tomorrow = CLOSE + timedelta(days=1)
    edit_window(app, world, exam_id, closes_at=tomorrow, now=frozen_now(CLOSE + timedelta(hours=1)))
    later = frozen_now(tomorrow + timedelta(hours=1))
    arrange(app, world, exam_id, "10001", closes_at=tomorrow + timedelta(days=1), now=later)
    assert start(sign_in(app, "10001"), exam_id).status_code == 201


def test_a_save_counts_until_the_deadline_and_grace_to_the_millisecond_and_every_clock_agrees(
    app, make_exam, frozen_now
):
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    over = START + timedelta(minutes=15) + service.GRACE
    frozen_now(over - MS)
    assert judge_saved(client, state, 1).status_code == 200
    frozen_now(over)
    assert judge_saved(client, state, 2).status_code == 200
    assert start(client, state["exam"]).get_json()["attempt"] == state["attempt"]  # resumes
    with app.app_context(), db.new_session() as sweeper:
        assert service.finalise_overdue(sweeper, now=over) == 0
    frozen_now(over + MS)
    assert judge_saved(client, state, 3).status_code == 409
    # Not resumed: over, and the one attempt allowed is used (the submission the start made is rolled
    # back with its refusal, so the sweep still has it to do).
    assert start(client, state["exam"]).get_json()["code"] == "no_attempts_left"
    with app.app_context(), db.new_session() as sweeper:
        assert service.finalise_overdue(sweeper, now=over + MS) == 1
        sweeper.commit()
        attempt = sweeper.get(Attempt, state["attempt"])
        assert (attempt.submitted_at, attempt.ended_by) == (over, "sweep")


def test_an_extension_does_not_revive_an_attempt_whose_time_and_grace_are_over(
    app, make_exam, world, frozen_now
):
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    over = START + timedelta(minutes=15) + service.GRACE
    # The sweep has not run yet; the attempt is over all the same, as its owner's requests find.
    arrange(app, world, state["exam"], "10001", extra_minutes=30, now=frozen_now(over + MS))
    assert judge_saved(client, state, 1).status_code == 409
    with app.app_context(), db.new_session() as session:
        attempt = session.get(Attempt, state["attempt"])
        assert (attempt.state, attempt.ended_by, attempt.submitted_at) == ("submitted", "sweep", over)


def test_a_start_after_an_attempt_ran_out_submits_it_as_the_sweep_would_and_begins_the_next(
    app, make_exam, frozen_now
):
    client = sign_in(app, "10001")
    first = start(client, make_exam(attempts_allowed=2)).get_json()
    judge_saved(client, first, 1)
    over = START + timedelta(minutes=15) + service.GRACE
    frozen_now(over + MS)  # the sweep has not come by yet
    second = start(client, first["exam"])
    assert second.status_code == 201 and second.get_json()["attempt"] != first["attempt"]
    with app.app_context(), db.new_session() as session:
        attempt = session.get(Attempt, first["attempt"])
        assert (attempt.state, attempt.ended_by, attempt.submitted_at, attempt.score) == (
            "submitted",
            "sweep",
            over,
            2.0,
        )


def test_the_review_page_is_never_kept_by_a_cache(app, make_exam, frozen_now):
    """The key on a shared computer: the next person's Back button must not bring it back."""
    exam_id = make_exam()
    client, attempt_id = submitted_early(app, exam_id)
    frozen_now(CLOSE + service.GRACE + MS)
    review = client.get(f"/attempts/{attempt_id}/review")
    assert review.status_code == 200 and KEY in review.get_data(as_text=True)
    assert review.headers["Cache-Control"] == "no-store"
