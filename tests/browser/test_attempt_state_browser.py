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
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, csp_violations
from tests.browser.test_exam_browser import answer, start_attempt
from tests.conftest import START
from tests.exams import conftest as exam_fixtures

world = exam_fixtures.world
make_exam = exam_fixtures.make_exam


@pytest.fixture
def cached_history(live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A page in a Chromium that keeps pages in its back/forward cache, as browsers do by default
    (Playwright's own launch switches it off)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, ignore_default_args=["--disable-back-forward-cache"]
        )
        context = browser.new_context(base_url=live_server, locale="zh-CN")
        violations = csp_violations(context)
        yield context.new_page()
        browser.close()
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
    expect(page.locator(f'#tests-finished [data-exam="{exam_id}"]')).to_be_visible()
    expect(page.get_by_role("button", name="继续作答")).to_have_count(0)


def test_an_attempt_page_shown_again_from_the_cache_after_the_submission_goes_to_the_result(
    page, make_exam, session
):
    attempt_id = start_attempt(page, make_exam())
    cadre = session.scalars(select(User).where(User.username == "10001")).one()
    service.submit(session, attempt_id, cadre, now=START)  # on another device
    session.commit()
    # What a browser does when it shows the page again from its back/forward cache (Chromium keeps
    # no page sent with no-store there; Safari does).
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    page.wait_for_url(f"**/attempts/{attempt_id}/result")
