"""Taking a test in a real Chromium: on a phone, offline and back, when the time runs out, when
the session ends mid-test, and the review after the close."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.exams import service
from studyhall.exams.models import Answer, Attempt
from tests.browser.conftest import screenshot
from tests.browser.test_accounts_browser import sign_in
from tests.conftest import PASSWORD, START
from tests.exams import conftest as exam_fixtures

world = exam_fixtures.world
make_exam = exam_fixtures.make_exam

MULTIPLE_KEY = ("保守所知悉的国家秘密", "及时报告危害国家安全活动的线索", "为国家安全工作提供便利")
SAVE_TIMEOUT = 15_000  # ms: a retry after going back online may wait for its back-off


def answer(fieldset) -> None:  # type: ignore[no-untyped-def]
    """Answer one question correctly, whatever the shuffle made of it."""
    kind = fieldset.get_attribute("data-type")
    if kind == "single":
        fieldset.get_by_label("4月15日").check()
    elif kind == "multiple":
        for text in MULTIPLE_KEY:
            fieldset.get_by_label(text).check()
    elif kind == "judge":
        fieldset.locator('input[value="true"]').check()
    else:
        blanks = fieldset.locator('input[type="text"]')
        blanks.nth(0).fill("4月15日")
        blanks.nth(1).fill("总体国家安全观")
        blanks.nth(1).press("Tab")


def shows_answer(fieldset) -> None:  # type: ignore[no-untyped-def]
    if fieldset.get_attribute("data-type") == "blank":
        expect(fieldset.locator('input[type="text"]').first).to_have_value("4月15日")
    else:
        expect(fieldset.locator("input:checked").first).to_be_checked()


def start_attempt(page, exam_id: int) -> int:  # type: ignore[no-untyped-def]
    sign_in(page, "10001")
    expect(page).to_have_url("/")
    page.goto(f"/exams/{exam_id}")
    page.locator("#start").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    return int(page.url.rsplit("/", 1)[1])


def stored(session, attempt_id: int) -> dict[int, object]:  # type: ignore[no-untyped-def]
    session.expire_all()
    answers = session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))
    return {a.position: a.response for a in answers}


def test_a_cadre_takes_a_test_on_a_phone_from_start_to_score(phone, make_exam, session):
    exam_id = make_exam(one_per_page=True, instructions="闭卷作答，答案随时自动保存。")
    sign_in(phone, "10001")
    row = phone.locator(f'#tests-open [data-exam="{exam_id}"]')
    expect(row.locator(".countdown")).to_have_text(re.compile(r"^(2:00:00|1:59:\d\d)$"))  # closes in 2 h
    screenshot(phone, "home-tests-phone")
    row.get_by_role("link", name="国家安全知识测试").click()
    expect(phone).to_have_url(f"/exams/{exam_id}")
    screenshot(phone, "exam-landing-phone")
    phone.locator("#start").click()
    phone.wait_for_url(re.compile(r"/attempts/\d+$"))
    attempt_id = int(phone.url.rsplit("/", 1)[1])
    expect(phone.locator("#timer")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    screenshot(phone, "exam-attempt-phone")

    # One question per screen: the answer card moves between them.
    for position in (1, 2, 3):
        phone.locator(f'[data-card="{position}"]').click()
        fieldset = phone.locator(f"#q-{position}")
        expect(fieldset).to_be_visible()
        expect(phone.locator("fieldset[data-position]:visible")).to_have_count(1)
        answer(fieldset)
        expect(phone.locator(f'[data-card="{position}"]')).to_have_class(re.compile(r"\banswered\b"))
    phone.locator("#q-3 [data-flag]").click()
    expect(phone.locator('[data-card="3"]')).to_have_class(re.compile(r"\bflagged\b"))
    expect(phone.locator("#card-count")).to_have_text("3")

    # Submitting with a question left asks first and names it.
    phone.locator("#submit-attempt").click()
    expect(phone.locator("#confirm-dialog")).to_be_visible()
    expect(phone.locator("#confirm-unanswered")).to_contain_text("4")
    phone.locator("#confirm-cancel").click()
    expect(phone.locator("#confirm-dialog")).to_be_hidden()
    phone.locator("#next").click()
    expect(phone.locator("#q-4")).to_be_visible()
    answer(phone.locator("#q-4"))
    expect(phone.locator("#save-status")).to_have_attribute("data-state", "saved")
    expect(phone.locator("#card-count")).to_have_text("4")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "exam-attempt-answered-phone")

    phone.locator("#submit-attempt").click()
    expect(phone.locator("#confirm-unanswered")).not_to_contain_text("4")
    phone.locator("#confirm-submit").click()
    phone.wait_for_url(f"**/attempts/{attempt_id}/result")
    expect(phone.locator("#score")).to_have_text("10 / 10")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "exam-result-phone")
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.ended_by, attempt.score) == ("submitted", "cadre", 10.0)
    assert attempt.tab_switches == 0  # leaving pages on purpose is not a tab switch


def test_a_reload_while_offline_opens_the_attempt_from_the_device_and_every_answer_arrives(
    page, make_exam, session
):
    page.clock.install()  # the device's clock, moved below
    attempt_id = start_attempt(page, make_exam())
    status = page.locator("#save-status")
    expect(page.locator("#attempt")).to_have_attribute("data-offline", "ready")  # the page is on the device
    answer(page.locator("#q-1"))
    expect(status).to_have_attribute("data-state", "saved")

    page.context.set_offline(True)
    answer(page.locator("#q-2"))
    expect(status).to_have_attribute("data-pending", "1")
    expect(status).to_have_attribute("data-state", "offline")
    page.context.set_offline(False)  # the `online` event sends it at once
    expect(status).to_have_attribute("data-state", "saved", timeout=SAVE_TIMEOUT)
    assert set(stored(session, attempt_id)) == {1, 2}

    page.context.set_offline(True)
    answer(page.locator("#q-3"))
    expect(status).to_have_attribute("data-pending", "1")
    page.clock.fast_forward("05:00")
    ten_minutes_left = re.compile(r"^(10:0\d|09:5\d)$")
    expect(page.locator("#timer")).to_have_text(ten_minutes_left)
    screenshot(page, "exam-attempt-offline")
    warnings = []
    page.on("dialog", lambda dialog: (warnings.append(dialog.type), dialog.accept()))
    reloaded = page.reload()  # no server: the device's copy of the page opens
    assert warnings == ["beforeunload"]  # an unsent answer: the browser asked first
    assert reloaded is not None and reloaded.from_service_worker
    expect(page.locator("#timer")).to_have_text(ten_minutes_left)  # not the 15 min of the copy's state
    for position in (1, 2, 3):  # saved before (1, 2) and unsent (3): all shown again
        expect(page.locator(f'[data-card="{position}"]')).to_have_class(re.compile(r"\banswered\b"))
        shows_answer(page.locator(f"#q-{position}"))
    expect(status).to_have_attribute("data-pending", "1")
    answer(page.locator("#q-4"))  # the cadre goes on answering
    expect(status).to_have_attribute("data-pending", "2")

    page.context.set_offline(False)
    expect(status).to_have_attribute("data-state", "saved", timeout=SAVE_TIMEOUT)
    assert set(stored(session, attempt_id)) == {1, 2, 3, 4}
    kept = page.evaluate("""async () => {
        const kept = {};
        for (const name of await caches.keys()) {
            const requests = await (await caches.open(name)).keys();
            kept[name] = requests.map((request) => new URL(request.url).pathname).sort();
        }
        return kept;
    }""")
    assert kept[f"attempt-{attempt_id}"] == [f"/attempts/{attempt_id}"]  # the page, never a key
    assert set(kept) == {f"attempt-{attempt_id}", "static"}
    assert all(path.startswith("/static/") for path in kept["static"])
    page.reload()  # online: what the page shows now comes from the server
    pending = "key => Object.keys(JSON.parse(localStorage.getItem(key)).pending)"
    assert page.evaluate(pending, f"studyhall.attempt.{attempt_id}") == []
    page.locator("#submit-attempt").click()
    page.locator("#confirm-submit").click()
    page.wait_for_url(f"**/attempts/{attempt_id}/result")
    expect(page.locator("#score")).to_have_text("10 / 10")
    assert f"attempt-{attempt_id}" not in page.evaluate("caches.keys()")  # submitted: the copy is gone


def test_an_older_unsent_answer_does_not_overwrite_a_later_one_from_another_device(
    page, browser, live_server, make_exam, frozen_now, session
):
    attempt_id = start_attempt(page, make_exam())
    status = page.locator("#save-status")
    page.context.set_offline(True)  # the phone loses its signal mid-answer
    page.locator('fieldset[data-type="judge"] input[value="true"]').check()
    expect(status).to_have_attribute("data-pending", "1")
    frozen_now(START + timedelta(minutes=2))  # what the server's clock says when the desktop opens

    desktop = browser.new_context(base_url=live_server, locale="zh-CN").new_page()
    try:
        sign_in(desktop, "10001")
        expect(desktop).to_have_url("/")
        desktop.goto(f"/attempts/{attempt_id}")  # the cadre goes on at a desktop, and changes their mind
        desktop.locator('fieldset[data-type="judge"] input[value="false"]').check()
        expect(desktop.locator("#save-status")).to_have_attribute("data-state", "saved")
    finally:
        desktop.context.close()

    page.context.set_offline(False)  # the phone's older answer finally goes out
    expect(status).to_have_attribute("data-state", "saved", timeout=SAVE_TIMEOUT)
    position = int(page.locator('fieldset[data-type="judge"]').get_attribute("data-position"))
    assert stored(session, attempt_id)[position] is False  # the later answer stands
    expect(page.locator('fieldset[data-type="judge"] input[value="false"]')).to_be_checked()


def test_a_device_whose_answer_lost_a_tie_of_seq_shows_the_answer_that_stays(page, make_exam, session):
    """Another device's answer, numbered alike (their clocks agreed to the millisecond), reached the
    server first: this page must not say "saved" over its own answer, but show the one that stays."""
    attempt_id = start_attempt(page, make_exam())
    judge = page.locator('fieldset[data-type="judge"]')
    position = int(judge.get_attribute("data-position"))
    cadre = session.scalars(select(User).where(User.username == "10001")).one()

    def other_device_first(route) -> None:  # type: ignore[no-untyped-def]
        seq = json.loads(route.request.post_data)["seq"]
        service.save_answer(session, attempt_id, cadre, position, True, seq, now=START)
        session.commit()
        route.continue_()

    page.route("**/answers/*", other_device_first, times=1)
    judge.locator('input[value="false"]').check()
    expect(judge.locator('input[value="true"]')).to_be_checked(timeout=SAVE_TIMEOUT)
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    assert stored(session, attempt_id)[position] is True


def test_two_tabs_offline_keep_each_others_unsent_answers(page, make_exam, session):
    attempt_id = start_attempt(page, make_exam())
    other_tab = page.context.new_page()  # the same attempt, the same localStorage
    other_tab.goto(page.url)
    expect(other_tab.locator("#save-status")).to_have_attribute("data-state", "saved")
    page.context.set_offline(True)
    answer(page.locator("#q-1"))
    expect(page.locator("#save-status")).to_have_attribute("data-pending", "1")
    answer(other_tab.locator("#q-2"))  # written after the first tab's answer, without it in memory
    expect(other_tab.locator("#save-status")).to_have_attribute("data-pending", "2")
    url = page.url
    page.close()  # both tabs go before the network comes back
    other_tab.close()

    reopened = page.context.new_page()
    reopened.context.set_offline(False)
    reopened.goto(url)
    expect(reopened.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=SAVE_TIMEOUT)
    assert set(stored(session, attempt_id)) == {1, 2}


def test_when_the_time_runs_out_the_page_submits_by_itself(page, make_exam, frozen_now, session):
    attempt_id = start_attempt(page, make_exam())
    answer(page.locator("#q-1"))
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    frozen_now(START + timedelta(minutes=15) - timedelta(seconds=2))  # the server's clock, not the device's
    page.reload()
    expect(page.locator("#timer")).to_have_text(re.compile(r"^00:0[0-2]$"))
    page.wait_for_url(f"**/attempts/{attempt_id}/result", timeout=10_000)
    expect(page.locator("#result")).to_have_attribute("data-ended-by", "timer")
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.ended_by) == ("submitted", "timer")
    assert attempt.score is not None and attempt.score > 0  # the saved answer counted


def test_at_the_deadline_every_answer_queued_offline_is_sent_before_the_page_submits(
    page, make_exam, frozen_now, session
):
    # The browser's clock is moved like the server's: paused, so that only the test moves it.
    page.clock.install(time=START)
    attempt_id = start_attempt(page, make_exam())
    page.clock.pause_at(START + timedelta(seconds=10))
    status = page.locator("#save-status")
    answer(page.locator("#q-1"))
    expect(status).to_have_attribute("data-state", "saved")
    page.context.set_offline(True)
    for position in (2, 3, 4):
        answer(page.locator(f"#q-{position}"))
    expect(status).to_have_attribute("data-pending", "3")

    deadline = START + timedelta(minutes=15)
    page.clock.fast_forward("15:00")  # the countdown reaches zero while the device is offline
    expect(page.locator("#attempt-alert")).to_be_visible()
    expect(page.locator("#q-1 input").first).to_be_disabled()
    frozen_now(deadline + timedelta(seconds=45))  # within the server's grace
    page.clock.fast_forward("00:45")
    page.context.set_offline(False)  # the connection comes back at deadline + 45 s
    page.clock.fast_forward("00:02")  # and time goes on
    page.wait_for_url(f"**/attempts/{attempt_id}/result")
    assert set(stored(session, attempt_id)) == {1, 2, 3, 4}
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.ended_by, attempt.score) == ("submitted", "timer", 10.0)
    expect(page.locator("#score")).to_have_text("10 / 10")


def test_an_ended_session_is_renewed_in_place_without_losing_an_answer(page, make_exam, session):
    attempt_id = start_attempt(page, make_exam())
    single = page.locator('fieldset[data-type="single"]')
    answer(single)
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    page.context.clear_cookies()  # the session (and its CSRF token) is gone
    judge = page.locator('fieldset[data-type="judge"]')
    answer(judge)  # one click: the sign-in dialog then covers the page
    dialog = page.locator("#signin-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#save-status")).to_have_attribute("data-pending", "1")
    page.locator("#signin-password").fill("not-it")
    page.locator("#signin-submit").click()
    expect(page.locator("#signin-error")).not_to_be_empty()
    page.locator("#signin-password").fill(PASSWORD)
    page.locator("#signin-submit").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    positions = {int(single.get_attribute("data-position")), int(judge.get_attribute("data-position"))}
    assert set(stored(session, attempt_id)) == positions
    assert page.url.endswith(f"/attempts/{attempt_id}")  # no reload, no navigation


def test_after_the_close_the_review_shows_the_key_and_the_explanation(page, app, make_exam, frozen_now):
    exam_id = make_exam()
    with app.app_context(), db.new_session() as writer:
        cadre = writer.scalars(select(User).where(User.username == "10001")).one()
        attempt = service.start_or_resume(writer, exam_id, cadre, now=START).attempt
        judge = next(
            q["position"]
            for q in service.client_state(writer, attempt, now=START)["questions"]
            if q["type"] == "judge"
        )
        service.save_answer(writer, attempt.id, cadre, judge, True, 1, now=START)
        service.submit(writer, attempt.id, cadre, now=START + timedelta(minutes=5))
        writer.commit()
        attempt_id = attempt.id
    sign_in(page, "10001")
    expect(page.locator(f'#tests-completed [data-exam="{exam_id}"]')).to_be_visible()
    expect(page.locator(f'#tests-completed [data-exam="{exam_id}"] a[href$="/review"]')).to_have_count(0)
    frozen_now(START + timedelta(hours=2, minutes=2))  # past the close and the grace for late saves
    page.reload()
    page.locator(f'#tests-finished [data-exam="{exam_id}"] a[href$="/review"]').click()
    expect(page).to_have_url(f"/attempts/{attempt_id}/review")
    review = page.locator("#review")
    expect(review).to_contain_text("国家安全法第十四条。")  # 解析
    expect(review).to_contain_text("总体国家安全观")  # the blank's key
    expect(review.locator(".key-answer")).to_have_count(4)
    expect(review.locator("li.correct")).to_have_count(4)  # single B, multiple A B D
    screenshot(page, "exam-review")


def test_without_javascript_the_plain_form_saves_and_submits(browser, live_server, make_exam, session):
    context = browser.new_context(base_url=live_server, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        exam_id = make_exam()
        sign_in(page, "10001")
        page.goto(f"/exams/{exam_id}")
        page.locator("#start").click()
        page.wait_for_url(re.compile(r"/attempts/\d+$"))
        attempt_id = int(page.url.rsplit("/", 1)[1])
        expect(page.locator("#timer")).to_be_hidden()
        expect(page.locator("#save-answers")).to_be_visible()
        answer(page.locator("#q-1"))
        answer(page.locator("#q-2"))
        page.locator("#save-answers").click()
        page.wait_for_url(f"**/attempts/{attempt_id}")
        assert set(stored(session, attempt_id)) == {1, 2}
        shows_answer(page.locator("#q-1"))
        answer(page.locator("#q-3"))
        answer(page.locator("#q-4"))
        screenshot(page, "exam-attempt-no-javascript")
        page.locator("#submit-attempt").click()
        page.wait_for_url(f"**/attempts/{attempt_id}/result")
        expect(page.locator("#score")).to_have_text("10 / 10")
    finally:
        context.close()


def test_a_save_refused_after_the_grace_is_named_and_kept_on_the_device(page, make_exam, frozen_now, session):
    attempt_id = start_attempt(page, make_exam())
    single = page.locator('fieldset[data-type="single"]')
    answer(single)
    saved_in_time = int(single.get_attribute("data-position"))
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    # A phone that slept through the deadline and the grace wakes up and saves.
    frozen_now(START + timedelta(minutes=15) + service.GRACE + timedelta(seconds=1))
    judge = page.locator('fieldset[data-type="judge"]')
    answer(judge)
    too_late = judge.get_attribute("data-position")
    expect(page.locator("#attempt-alert")).to_contain_text(f"第 {too_late} 题的答案未被记录")
    expect(page.locator('fieldset[data-type="blank"] input').first).to_be_disabled()
    expect(page.locator("#save-status")).to_have_attribute("data-pending", "1")  # never "saved"
    pending = "key => Object.keys(JSON.parse(localStorage.getItem(key)).pending)"
    assert page.evaluate(pending, f"studyhall.attempt.{attempt_id}") == [too_late]  # still on the device
    page.locator("#attempt-over a").click()
    page.wait_for_url(f"**/attempts/{attempt_id}/result")
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.ended_by) == ("submitted", "sweep")
    assert set(stored(session, attempt_id)) == {saved_in_time}  # what was saved in time stays


def test_leaving_the_page_is_reported_and_the_limit_submits(page, make_exam, session):
    attempt_id = start_attempt(page, make_exam(tab_switch_limit=1))
    page.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.wait_for_url(f"**/attempts/{attempt_id}/result")
    expect(page.locator("#result")).to_have_attribute("data-ended-by", "tab_switches")
    assert session.get(Attempt, attempt_id).tab_switches == 1
