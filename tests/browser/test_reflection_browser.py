"""Writing a reflection (心得体会) on a phone in a real Chromium: the draft saved as one types, typing
on without a connection, a reload while offline, and every character on the server once the
connection is back; then submitting it."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from studyhall import PROJECT_ROOT
from studyhall.plans import reflections
from tests.browser.conftest import csp_violations, phone_context
from tests.browser.test_accounts_browser import sign_in
from tests.conftest import START
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


PHONE_TEXT = "手机上写的开头。"
DESKTOP_TEXT = "电脑一段。"
PHONE_MORE = "手机上又写了一段。"


def test_text_saved_on_another_device_meanwhile_is_shown_and_the_person_chooses(
    browser, live_server, app, org, frozen_now
):
    item_id = reflection_item(app, min_chars=30)
    phone_ctx = phone_context(browser, live_server, 390, 844)
    desktop_ctx = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 800}
    )
    violations = [csp_violations(phone_ctx), csp_violations(desktop_ctx)]
    phone, desktop = phone_ctx.new_page(), desktop_ctx.new_page()
    for page in (phone, desktop):
        sign_in(page, "10001")

    phone.goto(f"/reflections/items/{item_id}")
    phone.get_by_label("我的心得体会").press_sequentially(PHONE_TEXT)
    expect(phone.locator("#save-status")).to_have_attribute("data-state", "saved")
    # A minute later by the server's clock, so the desktop numbers its saves above the phone's next.
    frozen_now(START + timedelta(minutes=1))
    desktop.goto(f"/reflections/items/{item_id}")  # opened after the phone's save: its text is there
    desktop_text = desktop.get_by_label("我的心得体会")
    expect(desktop_text).to_have_value(PHONE_TEXT)
    desktop_text.press("End")
    desktop_text.press_sequentially(DESKTOP_TEXT)
    expect(desktop.locator("#save-status")).to_have_attribute("data-state", "saved")
    assert stored(app, item_id).text == PHONE_TEXT + DESKTOP_TEXT  # type: ignore[union-attr]

    # The phone, still showing its own version, types on: refused, and both versions are shown.
    phone_text = phone.get_by_label("我的心得体会")
    phone_text.press("End")
    phone_text.press_sequentially(PHONE_MORE)
    conflict = phone.locator("#reflection-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("这篇心得已在其他页面或设备上修改")
    expect(phone.locator("#conflict-text")).to_have_value(PHONE_TEXT + DESKTOP_TEXT)
    expect(phone_text).to_have_value(PHONE_TEXT + PHONE_MORE)
    expect(phone.locator("#save-status")).to_have_attribute("data-state", "conflict")
    expect(phone.get_by_role("button", name="提交")).to_be_disabled()
    assert stored(app, item_id).text == PHONE_TEXT + DESKTOP_TEXT  # type: ignore[union-attr]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.get_by_role("button", name="保留本页的版本").click()  # keep mine: over the desktop's
    expect(conflict).to_be_hidden()
    expect(phone.locator("#save-status")).to_have_attribute("data-state", "saved")
    mine = stored(app, item_id)
    assert mine is not None and mine.text == PHONE_TEXT + PHONE_MORE

    # The desktop is now the one behind: it is told in turn, and takes the phone's version.
    desktop_text.press_sequentially("再补一句。")
    expect(desktop.locator("#conflict-text")).to_have_value(PHONE_TEXT + PHONE_MORE)
    desktop.get_by_role("link", name="使用另一处的版本").click()
    expect(desktop.locator("#reflection-conflict")).to_be_hidden()
    expect(desktop_text).to_have_value(PHONE_TEXT + PHONE_MORE)
    expect(desktop.locator("#save-status")).to_have_attribute("data-state", "saved")
    theirs = stored(app, item_id)
    assert theirs is not None and theirs.text == PHONE_TEXT + PHONE_MORE and theirs.seq > mine.seq
    desktop.reload()  # and so it stays
    expect(desktop_text).to_have_value(PHONE_TEXT + PHONE_MORE)
    phone_ctx.close()
    desktop_ctx.close()
    assert not any(violations), "the page broke its Content-Security-Policy"


def test_a_save_whose_answer_was_lost_is_known_again_as_this_pages_own(page, live_server, app, org):
    item_id = reflection_item(app)
    sign_in(page, "10001")
    page.goto(f"/reflections/items/{item_id}")
    text = page.get_by_label("我的心得体会")
    status = page.locator("#save-status")
    draft = f"**/api/reflections/items/{item_id}/draft"

    def lost(route) -> None:  # type: ignore[no-untyped-def]
        route.fetch()  # the server stores it ...
        route.abort("connectionreset")  # ... and the answer never reaches the page

    page.route(draft, lost)
    text.press_sequentially(PHONE_TEXT)
    expect(status).to_have_attribute("data-state", "offline")
    assert stored(app, item_id).text == PHONE_TEXT  # type: ignore[union-attr]
    page.unroute(draft)
    # Typed on top of the save the server holds, made from the version before it: not a conflict.
    text.press_sequentially(PHONE_MORE)
    expect(status).to_have_attribute("data-state", "saved", timeout=SAVE_TIMEOUT)
    expect(page.locator("#reflection-conflict")).to_be_hidden()
    assert stored(app, item_id).text == PHONE_TEXT + PHONE_MORE  # type: ignore[union-attr]


def test_text_typed_offline_is_checked_when_sent_after_another_device_saved(
    browser, live_server, app, org, frozen_now
):
    item_id = reflection_item(app)
    phone_ctx = phone_context(browser, live_server)
    desktop_ctx = browser.new_context(base_url=live_server, locale="zh-CN")
    phone, desktop = phone_ctx.new_page(), desktop_ctx.new_page()
    for page in (phone, desktop):
        sign_in(page, "10001")
    phone.goto(f"/reflections/items/{item_id}")
    phone_text = phone.get_by_label("我的心得体会")
    phone_text.press_sequentially(PHONE_TEXT)
    expect(phone.locator("#save-status")).to_have_attribute("data-state", "saved")
    phone_ctx.set_offline(True)
    phone_text.press_sequentially(PHONE_MORE)  # kept on the phone, waiting for the connection
    expect(phone.locator("#save-status")).to_have_attribute("data-state", "offline")

    # Saved later on the desktop, numbered above the phone's unsent text: once, that text was
    # dropped as older when the phone loaded the page again.
    frozen_now(START + timedelta(minutes=1))
    desktop.goto(f"/reflections/items/{item_id}")
    desktop_text = desktop.get_by_label("我的心得体会")
    desktop_text.press("End")
    desktop_text.press_sequentially(DESKTOP_TEXT)
    expect(desktop.locator("#save-status")).to_have_attribute("data-state", "saved")

    phone_ctx.set_offline(False)
    phone.reload()  # the server's newer text loads, but the phone's unsent text is not dropped
    expect(phone.locator("#conflict-text")).to_have_value(PHONE_TEXT + DESKTOP_TEXT, timeout=SAVE_TIMEOUT)
    expect(phone_text).to_have_value(PHONE_TEXT + PHONE_MORE)
    assert stored(app, item_id).text == PHONE_TEXT + DESKTOP_TEXT  # type: ignore[union-attr]
    phone.get_by_role("link", name="使用另一处的版本").click()
    expect(phone.locator("#save-status")).to_have_attribute("data-state", "saved")
    expect(phone_text).to_have_value(PHONE_TEXT + DESKTOP_TEXT)
    assert stored(app, item_id).text == PHONE_TEXT + DESKTOP_TEXT  # type: ignore[union-attr]
    phone_ctx.close()
    desktop_ctx.close()
