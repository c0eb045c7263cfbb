"""The attempt page's queue of unsent answers: it says "saved" only for answers the server stored,
and never drops one without naming it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.exams import service
from studyhall.exams.models import Attempt
from tests.browser.test_exam_browser import SAVE_TIMEOUT, answer, start_attempt, stored
from tests.conftest import START
from tests.exams import conftest as exam_fixtures

world = exam_fixtures.world
make_exam = exam_fixtures.make_exam

PENDING = "key => Object.keys(JSON.parse(localStorage.getItem(key)).pending)"


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    """A page without the offline service worker: Playwright's page.route cannot see the requests
    of a page that a service worker controls, and these tests stand in for the network with it."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", service_workers="block")
    yield context.new_page()
    context.close()


def test_an_answer_refused_as_malformed_is_never_shown_as_saved(page, make_exam, session):
    attempt_id = start_attempt(page, make_exam())
    status = page.locator("#save-status")
    judge = page.locator('fieldset[data-type="judge"]')
    position = judge.get_attribute("data-position")
    page.route(
        f"**/api/attempts/{attempt_id}/answers/{position}",
        lambda route: route.fulfill(
            status=400, json={"code": "invalid_response", "message": "not an answer"}
        ),
        times=1,
    )
    judge.locator('input[value="true"]').check()
    expect(status).to_have_attribute("data-state", "refused")
    expect(status).to_contain_text(f"未保存：第 {position} 题")
    expect(page.locator("#attempt-alert")).to_contain_text(f"第 {position} 题的答案未能保存")
    assert int(position) not in stored(session, attempt_id)
    judge.locator('input[value="false"]').check()  # answered again: this one is stored
    expect(status).to_have_attribute("data-state", "saved")
    assert stored(session, attempt_id)[int(position)] is False


def test_a_success_page_that_is_not_the_servers_answer_is_sent_again_later_not_at_once(
    page, make_exam, session
):
    page.clock.install(time=START)
    attempt_id = start_attempt(page, make_exam())
    page.clock.pause_at(START + timedelta(seconds=10))  # timers run only when the test says
    status = page.locator("#save-status")
    judge = page.locator('fieldset[data-type="judge"]')
    position = int(judge.get_attribute("data-position"))
    portal_pages = []

    def portal(route):  # type: ignore[no-untyped-def]
        # A captive portal or a proxy answers 200 with its own page: nothing reached the server.
        portal_pages.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>Welcome</p>")

    url = f"**/api/attempts/{attempt_id}/answers/{position}"
    page.route(url, portal)
    judge.locator('input[value="true"]').check()
    expect(status).to_have_attribute("data-pending", "1")
    page.evaluate("async () => { await fetch('/api/csrf'); await fetch('/api/csrf'); }")  # a while
    assert len(portal_pages) == 1  # not taken as stored, and not sent again in a loop
    page.unroute(url)
    page.clock.run_for(1000)  # the retry's back-off
    expect(status).to_have_attribute("data-state", "saved")
    assert stored(session, attempt_id)[position] is True


def test_when_the_device_cannot_keep_unsent_answers_the_page_says_so(page, make_exam, session):
    attempt_id = start_attempt(page, make_exam())
    status = page.locator("#save-status")
    page.evaluate("""() => {
        Storage.prototype.setItem = () => { throw new DOMException("full", "QuotaExceededError"); };
    }""")
    page.context.set_offline(True)
    answer(page.locator("#q-1"))
    expect(status).to_have_attribute("data-pending", "1")
    expect(status).to_contain_text("本设备无法保存尚未发送的答案")  # not "kept on this device"
    page.context.set_offline(False)
    expect(status).to_have_attribute("data-state", "saved", timeout=SAVE_TIMEOUT)
    assert set(stored(session, attempt_id)) == {1}


def test_answers_unsent_when_another_device_submitted_are_named_and_kept(page, app, make_exam, session):
    attempt_id = start_attempt(page, make_exam())
    status = page.locator("#save-status")
    answer(page.locator("#q-1"))
    expect(status).to_have_attribute("data-state", "saved")
    page.context.set_offline(True)
    answer(page.locator("#q-2"))
    answer(page.locator("#q-3"))
    expect(status).to_have_attribute("data-pending", "2")
    with app.app_context(), db.new_session() as other_device:  # the cadre submits on their desktop
        cadre = other_device.scalars(select(User).where(User.username == "10001")).one()
        service.submit(other_device, attempt_id, cadre, now=START)
        other_device.commit()

    page.context.set_offline(False)
    expect(page.locator("#attempt-alert")).to_contain_text("第 2, 3 题的答案未被记录")
    expect(page.locator("#q-4 input").first).to_be_disabled()
    assert status.get_attribute("data-state") != "saved"
    assert page.evaluate(PENDING, f"studyhall.attempt.{attempt_id}") == ["2", "3"]  # still on the device
    page.locator("#attempt-over a").click()
    page.wait_for_url(f"**/attempts/{attempt_id}/result")
    assert session.get(Attempt, attempt_id).state == "submitted"
    assert set(stored(session, attempt_id)) == {1}


def test_an_answer_stored_whose_acknowledgement_was_lost_is_not_reported_missing(
    page, app, make_exam, session
):
    page.clock.install(time=START)
    attempt_id = start_attempt(page, make_exam())
    page.clock.pause_at(START + timedelta(seconds=10))  # no retry until the test says
    status = page.locator("#save-status")

    reached_the_server = []

    def lose_the_acknowledgement(route):  # type: ignore[no-untyped-def]
        if not reached_the_server:  # the save is stored, but its answer never comes back
            reached_the_server.append(route.fetch().status)
        route.abort("internetdisconnected")  # and the connection stays down for a while

    judge = page.locator('fieldset[data-type="judge"]')  # one click, one save
    position = int(judge.get_attribute("data-position"))
    url = f"**/api/attempts/{attempt_id}/answers/{position}"
    page.route(url, lose_the_acknowledgement)
    answer(judge)
    expect(status).to_have_attribute("data-state", "offline")
    assert reached_the_server == [200]
    with app.app_context(), db.new_session() as other_device:  # then the cadre submits elsewhere
        cadre = other_device.scalars(select(User).where(User.username == "10001")).one()
        service.submit(other_device, attempt_id, cadre, now=START)
        other_device.commit()
    page.unroute(url)
    page.clock.run_for("00:30")  # the retry is refused as submitted; the server holds that answer
    page.wait_for_url(f"**/attempts/{attempt_id}/result")  # so nothing is missing
    assert set(stored(session, attempt_id)) == {position}
