"""An administrator in a real Chromium: builds a test, follows it live, reads results and analysis."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from studyhall import clock
from tests.browser.conftest import screenshot
from tests.browser.test_accounts_browser import sign_in
from tests.browser.test_exam_browser import answer, start_attempt
from tests.exams import conftest as exam_fixtures

world = exam_fixtures.world
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(moment) -> str:  # type: ignore[no-untyped-def]
    """A datetime-local field's value, in the organisation's zone."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def totals(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    row = page.locator("#monitor-total")
    return {name: row.get_attribute(f"data-{name}") for name in ("not-started", "in-progress", "submitted")}


def test_an_administrator_builds_a_test_follows_it_and_reads_results_and_analysis(
    page, browser, live_server, world
):
    sign_in(page, "admin1")
    page.goto("/admin/exams/new")
    now = clock.now()
    page.fill('[name="title"]', "国家安全知识测试（浏览器）")
    page.fill('[name="opens_at"]', local(now - timedelta(minutes=5)))
    page.fill('[name="closes_at"]', local(now + timedelta(hours=2)))
    page.fill('[name="time_limit_minutes"]', "15")
    page.check(f'[name="branch_ids"][value="{world["first"].id}"]')
    page.fill('[name="items"]', "T-001 2\nT-002 4\nT-003 2\nT-004 2")
    screenshot(page, "admin-exam-form")
    page.locator('form button.primary[type="submit"]').click()
    page.wait_for_url(re.compile(r"/admin/exams/\d+$"))
    exam_id = int(page.url.rsplit("/", 1)[1])
    page.locator("#publish").click()  # a saved test is a draft until published
    expect(page.locator("#publication")).to_have_attribute("data-published", "yes")

    page.goto(f"/admin/exams/{exam_id}/monitor")
    assert totals(page) == {"not-started": "2", "in-progress": "0", "submitted": "0"}
    refresh = page.locator('meta[http-equiv="refresh"]').get_attribute("content")
    assert refresh and int(refresh) > 0  # the monitor follows the test by itself

    cadre = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 390, "height": 800})
    try:
        taker = cadre.new_page()
        start_attempt(taker, exam_id)
        page.reload()
        assert totals(page) == {"not-started": "1", "in-progress": "1", "submitted": "0"}
        for fieldset in taker.locator("fieldset[data-position]").all():
            answer(fieldset)
        expect(taker.locator("#save-status")).to_have_attribute("data-state", "saved")
        taker.locator("#submit-attempt").click()
        taker.locator("#confirm-submit").click()
        taker.wait_for_url(re.compile(r"/result$"))
    finally:
        cadre.close()

    page.reload()
    assert totals(page) == {"not-started": "1", "in-progress": "0", "submitted": "1"}
    screenshot(page, "admin-monitor")

    page.goto(f"/admin/exams/{exam_id}/results")
    row = page.locator('#results tbody tr[data-username="10001"]')
    expect(row).to_contain_text("王建国")
    expect(row).to_have_attribute("data-score", "10.0")  # every answer right: 2 + 4 + 2 + 2
    expect(page.locator("#results tbody tr")).to_have_count(1)
    screenshot(page, "admin-results")

    page.goto(f"/admin/exams/{exam_id}/analysis")
    expect(page.locator("#histogram svg")).to_be_visible()
    expect(page.locator("#question-table tbody tr")).to_have_count(4)
    screenshot(page, "admin-analysis")
