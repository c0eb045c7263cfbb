"""Writing a reflection (心得体会) on a phone in a real Chromium: the draft saved as one types, typing
on without a connection, a reload while offline, and every character on the server once the
connection is back; then submitting it."""

from __future__ import annotations

from playwright.sync_api import expect

from studyhall import PROJECT_ROOT
from studyhall.plans import reflections
from tests.browser.conftest import csp_violations, phone_context
from tests.browser.test_accounts_browser import sign_in
from tests.plans.test_reflections import reflection_item, stored

SAVE_TIMEOUT = 15_000  # ms: a retry after going back online may wait for its back-off
DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
ONLINE = "学习宪法，增强宪法意识。"
OFFLINE = "在办案中落实宪法精神，"
AFTER_RELOAD = "做尊法学法守法用法的模范。"


def test_a_reflection_written_offline_and_reloaded_reaches_the_server_whole(browser, live_server, app, org):
    item_id = reflection_item(app, min_chars=30)
    context = phone_context(browser, live_server, 390, 844)
    violations = csp_violations(context)
    page = context.new_page()
    sign_in(page, "10001")
    page.goto(f"/reflections/items/{item_id}")
    expect(page.locator("#reflection")).to_have_attribute(
        "data-offline", "ready"
    )  # the page is on the device
    text = page.get_by_label("我的心得体会")
    status = page.locator("#save-status")

    text.press_sequentially(ONLINE)
    expect(status).to_have_attribute("data-state", "saved")
    expect(page.locator("#char-number")).to_have_text(str(reflections.characters(ONLINE)))
    assert stored(app, item_id).text == ONLINE  # type: ignore[union-attr]

    context.set_offline(True)  # the phone loses its signal; the cadre types on
    text.press_sequentially(OFFLINE)
    expect(status).to_have_attribute("data-state", "offline")
    expect(status).to_have_attribute("data-pending", "1")
    reloaded = page.reload()  # no server: the device's copy of the page opens
    assert reloaded is not None and reloaded.from_service_worker
    expect(text).to_have_value(ONLINE + OFFLINE)  # the text typed offline, from the device
    text.press("End")
    text.press_sequentially(AFTER_RELOAD)
    # Not saved, as far as the page knows. (Chromium's offline emulation lets a request from a page
    # its service worker opened reach the server while failing it in the page, so the server is
    # not asked here: the page must and does go on treating the text as unsent.)
    expect(status).to_have_attribute("data-pending", "1")
    expect(status).to_have_attribute("data-state", "offline")

    context.set_offline(False)  # the `online` event sends it at once
    expect(status).to_have_attribute("data-state", "saved", timeout=SAVE_TIMEOUT)
    whole = ONLINE + OFFLINE + AFTER_RELOAD
    assert stored(app, item_id).text == whole  # type: ignore[union-attr]
    expect(page.locator("#char-count")).to_have_attribute("data-enough", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SCREENSHOTS / "reflection-phone.png"), full_page=True)

    page.reload()  # online: the page comes from the server, with the text it holds
    expect(text).to_have_value(whole)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#submitted")).to_have_attribute("data-state", "submitted")
    expect(page.locator("#reflection-text")).to_have_text(whole)
    assert stored(app, item_id).state == "submitted"  # type: ignore[union-attr]
    context.close()
    assert not violations, "the page broke its Content-Security-Policy"
