"""Reading on a phone: an administrator uploads a Word document, a cadre reads it as text on a
phone-sized screen, and the time counted grows with the server's clock until the item is done."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from studyhall import db
from studyhall.plans import service as plans
from studyhall.plans.documents import Document
from studyhall.plans.models import ItemKind
from studyhall.plans.service import ItemSpec, PlanSpec
from tests.browser.conftest import screenshot
from tests.browser.test_accounts_browser import sign_in
from tests.conftest import START
from tests.plans import files
from tests.plans.test_service import DUE, MONDAY, PlanPeriod, user


@pytest.fixture
def test_config(test_config):
    # A beat every 0.1 s: each move of the server's clock below is counted at the next beat, without
    # waiting 15 s; beats between moves find the clock where it was and count nothing.
    return {**test_config, "READING_BEAT_SECONDS": 0.1}


def test_a_cadre_reads_a_word_document_on_a_phone_and_the_time_counts_to_done(
    page, phone, app, org, frozen_now
):
    sign_in(page, "admin1")
    page.goto("/plans/documents")
    page.get_by_label("文档（.docx、.pdf、.mp4 或 .webm）").set_input_files(
        files=[
            {
                "name": "学习贯彻习近平新时代中国特色社会主义思想.docx",
                "mimeType": "application/octet-stream",
                "buffer": files.study_docx(),
            }
        ]
    )
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("已上传，文档编号")
    with app.app_context(), db.new_session() as session:
        document_id = session.scalars(select(Document.id)).one()
        admin = user(session, "admin1")
        item = ItemSpec(
            ItemKind.READ, "原文学习：党的创新理论", DUE, points=3, document_id=document_id, min_seconds=60
        )
        plan = plans.save_plan(
            session, admin, PlanSpec(PlanPeriod.WEEK, MONDAY, "理论学习", items=[item]), now=START
        )
        plans.schedule(session, admin, plan.id, None, now=START)
        session.commit()
        item_id = plan.items[0].id

    sign_in(phone, "10001")
    # The first beat opens the count (it counts nothing): the clock moves only once it is answered.
    with phone.expect_response(re.compile(r"/beat$")):
        phone.goto(f"/study/items/{item_id}")
    text = phone.locator(".document-text")
    expect(text.locator("h1")).to_have_text("学习贯彻习近平新时代中国特色社会主义思想")
    expect(text.locator("li")).to_have_count(5)
    expect(text.locator("table td").nth(3)).to_have_text("原文通读")
    picture = text.locator("img")
    expect(picture).to_have_attribute("src", f"/documents/{document_id}/images/1.png")
    assert picture.evaluate("image => image.complete && image.naturalWidth") == 40  # served, and drawn
    shown = phone.locator("[data-reading-seconds]")
    expect(shown).to_have_text("0:00")
    expect(phone.locator(".reading-bar")).to_contain_text("至少 1:00")
    expect(phone.locator("#study-item .study-state")).to_have_text("待完成")
    phone.mouse.wheel(0, 400)  # reading: the page counts while its reader is active

    for seconds in (15, 30, 45):
        frozen_now(START + timedelta(seconds=seconds))
        expect(shown).to_have_text(f"0:{seconds}")
    expect(phone.locator("[data-reading-progress]")).to_have_attribute("value", "45")
    # Nothing wider than the phone: the document's table scrolls inside its own box.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The time stays in sight at the foot of the screen while the document scrolls under it.
    text.evaluate("text => text.scrollIntoView()")
    bar = phone.locator(".reading-bar").bounding_box()
    assert bar is not None and bar["y"] + bar["height"] == pytest.approx(740, abs=1)
    screenshot(phone, "reading-phone", full_page=False)

    frozen_now(START + timedelta(seconds=60))
    expect(shown).to_have_text("1:00")
    expect(phone.locator("[data-reading-finished]")).to_be_visible()
    expect(phone.locator("[data-reading-counting]")).to_be_hidden()
    # The heading says done too, without a reload.
    expect(phone.locator("#study-item")).to_have_attribute("data-state", "done")
    expect(phone.locator("#study-item .study-state")).to_have_text("✓ 已完成")
    with app.app_context(), db.new_session() as session:
        mine = plans.item_for(session, user(session, "10001"), item_id, now=START + timedelta(seconds=60))
        assert mine.done and mine.progress is not None and mine.progress.seconds == 60


def shown(page, visible: bool) -> None:  # type: ignore[no-untyped-def]
    """As the browser does when its reader switches tabs: the page is hidden, or in front again."""
    page.evaluate(
        """(visible) => {
            Object.defineProperty(document, "visibilityState", {
                value: visible ? "visible" : "hidden", configurable: true,
            });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        visible,
    )


def opened(page, item_id: int):  # type: ignore[no-untyped-def]
    """The item's page, once its first beat (which counts nothing) is answered: its time shown."""
    with page.expect_response(re.compile(r"/beat$")):
        page.goto(f"/study/items/{item_id}")
    return page.locator("[data-reading-seconds]")


def clock_moves(frozen_now, time_shown, steps: dict[int, str]) -> None:  # type: ignore[no-untyped-def]
    """Move the server's clock to each number of seconds after START, the page then showing its text."""
    for seconds, text in steps.items():
        frozen_now(START + timedelta(seconds=seconds))
        expect(time_shown).to_have_text(text)


def test_switching_tabs_counts_the_item_in_front_from_then_on(page, app, org, frozen_now):
    """A cadre reads one item, switches to a second one's tab and back: each counts only while it is
    in front, so the two together count the time once."""
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        items = [
            ItemSpec(ItemKind.READ, title, DUE, points=3, body_html="<p>宪法</p>", min_seconds=300)
            for title in ("宪法全文", "党章全文")
        ]
        plan = plans.save_plan(
            session, admin, PlanSpec(PlanPeriod.WEEK, MONDAY, "理论学习", items=items), now=START
        )
        plans.schedule(session, admin, plan.id, None, now=START)
        session.commit()
        first_id, second_id = (item.id for item in plan.items)

    sign_in(page, "10001")
    first = opened(page, first_id)
    clock_moves(frozen_now, first, {15: "0:15", 30: "0:30"})
    shown(page, False)
    second = opened(page.context.new_page(), second_id)
    clock_moves(frozen_now, second, {45: "0:15", 60: "0:30"})
    expect(first).to_have_text("0:30")  # hidden: counting nothing

    shown(second.page, False)
    with page.expect_response(re.compile(r"/beat$")):
        shown(page, True)  # back in front: it resumes, and counts from here
    clock_moves(frozen_now, first, {75: "0:45"})
    expect(second).to_have_text("0:30")
    with app.app_context(), db.new_session() as session:
        cadre = user(session, "10001")
        counted = [
            plans.item_for(session, cadre, item_id, now=START).progress.seconds  # type: ignore[union-attr]
            for item_id in (first_id, second_id)
        ]
    assert counted == [45, 30]
