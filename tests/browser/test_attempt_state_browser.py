"""What the attempt page shows must be the server's state: it never comes back from the browser's
cache as live, submitting tells the cadre where they tapped (offline too), and leaving the page
warns before the limit submits."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from studyhall.accounts.models import User
from studyhall.exams import service
from studyhall.exams.models import Attempt
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, csp_violations, screenshot
from tests.browser.test_exam_browser import answer, start_attempt, stored
from tests.conftest import START
from tests.exams import conftest as exam_fixtures

world = exam_fixtures.world
make_exam = exam_fixtures.make_exam


@pytest.fixture
def cached_history(browser, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A page in a Chromium that keeps pages in its back/forward cache, as browsers do by default
    (Playwright's own launch switches it off)."""
    keeping = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    context = keeping.new_context(base_url=live_server, locale="zh-CN")
    violations = csp_violations(context)
    yield context.new_page()
    keeping.close()
    assert not violations, "the page broke its Content-Security-Policy"


def test_going_back_after_submitting_shows_the_state_of_now_not_a_live_paper(cached_history, make_exam):
    page = cached_history
    exam_id = make_exam()
    start_attempt(page, exam_id)
    page.goto("/")
    row = page.locator(f'#tests-open [data-exam="{exam_id}"]')
    row.get_by_role("button", name="继续作答").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    answer(page.locator("#q-1"))
    page.locator("#submit-attempt").click()
    page.locator("#confirm-submit").click()
    page.wait_for_url(f"**/attempts/{attempt_id}/result")

    page.go_back(wait_until="commit")  # the attempt page: the server sends the result instead
    expect(page).to_have_url(f"/attempts/{attempt_id}/result")
    expect(page.locator("#score")).to_be_visible()
    page.go_back(wait_until="commit")  # the home page, which offered to continue
    expect(page).to_have_url("/")
    expect(page.locator(f'#tests-completed [data-exam="{exam_id}"]')).to_be_visible()
    expect(page.get_by_role("button", name="继续作答")).to_have_count(0)


def test_an_attempt_page_shown_again_from_the_cache_after_the_submission_goes_to_the_result(
    page, make_exam, session, app
):
    attempt_id = start_attempt(page, make_exam())
    cadre = session.scalars(select(User).where(User.username == "10001")).one()
    with app.app_context():  # points are counted in the organisation's time zone
        service.submit(session, attempt_id, cadre, now=START)  # on another device
    session.commit()
    # What a browser does when it shows the page again from its back/forward cache (Chromium keeps
    # no page sent with no-store there; Safari does).
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    page.wait_for_url(f"**/attempts/{attempt_id}/result")


def test_submitting_offline_on_a_phone_says_in_place_that_the_answers_wait_then_submits_by_itself(
    phone, make_exam, session
):
    attempt_id = start_attempt(phone, make_exam())
    for position in (1, 2, 3, 4):
        answer(phone.locator(f"#q-{position}"))
    expect(phone.locator("#save-status")).to_have_attribute("data-state", "saved")
    phone.context.set_offline(True)  # nothing left to save, and no connection
    phone.locator("#submit-attempt").click()
    phone.locator("#confirm-submit").click()
    dialog = phone.locator("#submit-dialog")
    expect(dialog).to_have_attribute("data-state", "waiting")
    expect(dialog).to_be_in_viewport()  # where the cadre tapped, not at the top of the page
    expect(dialog).to_contain_text("您的答案已保存在本设备上，网络恢复后将自动发送并交卷")
    expect(dialog).to_contain_text("请不要关闭本页面")
    screenshot(phone, "exam-submit-offline-phone", full_page=False)
    assert session.get(Attempt, attempt_id).state == "open"

    phone.context.set_offline(False)  # nothing tapped again: the submission goes through
    phone.wait_for_url(f"**/attempts/{attempt_id}/result")
    session.expire_all()
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.ended_by, attempt.score) == ("submitted", "cadre", 10.0)


def test_the_confirmation_lists_unanswered_flagged_and_unsaved_questions_with_links(page, make_exam, session):
    attempt_id = start_attempt(page, make_exam())
    status = page.locator("#save-status")
    answer(page.locator("#q-1"))
    expect(status).to_have_attribute("data-state", "saved")
    page.locator("#q-1 [data-flag]").click()
    page.context.set_offline(True)
    answer(page.locator("#q-2"))
    expect(status).to_have_attribute("data-pending", "1")

    page.locator("#submit-attempt").click()
    expect(page.locator("#confirm-unanswered")).to_have_text("未答试题：3, 4")
    expect(page.locator("#confirm-flagged")).to_have_text("已标记的试题：1")
    expect(page.locator("#confirm-unsaved")).to_have_text("尚未保存到服务器的试题（交卷前先发送）：2")
    page.locator("#confirm-unanswered").get_by_role("link", name="3").click()
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    expect(page.locator("#q-3")).to_be_focused()
    answer(page.locator("#q-3"))
    answer(page.locator("#q-4"))

    page.locator("#submit-attempt").click()
    expect(page.locator("#confirm-unanswered")).to_have_text("您已答完全部试题。")
    expect(page.locator("#confirm-unsaved")).to_have_text("尚未保存到服务器的试题（交卷前先发送）：2, 3, 4")
    page.locator("#confirm-submit").click()
    expect(page.locator("#submit-dialog")).to_have_attribute("data-state", "waiting")
    page.context.set_offline(False)  # the answers go first, then the submission
    page.wait_for_url(f"**/attempts/{attempt_id}/result")
    assert set(stored(session, attempt_id)) == {1, 2, 3, 4}
    expect(page.locator("#score")).to_have_text("10 / 10")


def leave_and_come_back(page) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("""() => {
        for (const state of ["hidden", "visible"]) {
            Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }
    }""")


def test_every_tab_switch_warns_how_many_more_the_test_allows_before_it_is_submitted(
    page, make_exam, session
):
    attempt_id = start_attempt(page, make_exam(tab_switch_limit=3))
    dialog = page.locator("#switch-dialog")
    leave_and_come_back(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("再切屏 2 次，将自动交卷")
    page.locator("#switch-ok").click()
    expect(dialog).to_be_hidden()
    leave_and_come_back(page)
    expect(dialog).to_contain_text("再切屏 1 次，将自动交卷")
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.tab_switches) == ("open", 2)


def test_tab_switches_made_offline_are_reported_when_the_connection_is_back(page, make_exam, session):
    attempt_id = start_attempt(page, make_exam(tab_switch_limit=2))
    page.context.set_offline(True)
    leave_and_come_back(page)
    leave_and_come_back(page)  # the limit, reached with no connection
    page.context.set_offline(False)
    page.wait_for_url(f"**/attempts/{attempt_id}/result")
    expect(page.locator("#result")).to_have_attribute("data-ended-by", "tab_switches")
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.tab_switches) == ("submitted", 2)
