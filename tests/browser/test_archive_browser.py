"""我的学习档案 in a real Chromium: read on a phone without sideways scrolling, printed on A4 with its
person named and no navigation; and the calendar page, which shows a new address once, copies it
with one tap, and serves a feed a calendar can read."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import expect
from pypdf import PdfReader

from studyhall import PROJECT_ROOT, db
from studyhall.plans import meetings, service
from studyhall.plans.meeting_models import AttendanceStatus
from studyhall.plans.meetings import Mark, MeetingSpec
from studyhall.plans.models import ItemKind, PlanPeriod
from studyhall.plans.service import ItemSpec, PlanSpec
from tests.browser.conftest import csp_violations, phone_context
from tests.browser.test_accounts_browser import sign_in
from tests.conftest import START
from tests.plans.test_archive import excellent_reflection, user
from tests.plans.test_calendar import meeting

DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
MARCH_WEEK = date(2026, 3, 9)
APRIL_WEEK = date(2026, 4, 13)


def a_year_of_study(app) -> None:  # type: ignore[no-untyped-def]
    """王建国's March and April: items read, a meeting attended, a reflection approved as 优秀."""
    march_due = datetime(2026, 3, 15, 14, 0, tzinfo=UTC)
    april_due = datetime(2026, 4, 19, 14, 0, tzinfo=UTC)
    meeting_at = datetime(2026, 4, 16, 6, 30, tzinfo=UTC)
    with app.app_context(), db.new_session() as session:
        admin, cadre = user(session, "admin1"), user(session, "10001")
        weeks = [
            (
                MARCH_WEEK,
                [ItemSpec(ItemKind.READ, "《中国共产党章程》总纲", march_due, body_html="学习内容")],
            ),
            (
                APRIL_WEEK,
                [
                    ItemSpec(
                        ItemKind.READ, "宪法第一章《总纲》摘学", april_due, points=2, body_html="学习内容"
                    ),
                    meeting("学习贯彻党章专题支部党员大会", meeting_at, points=3, place="机关三楼第一会议室"),
                    ItemSpec(ItemKind.REFLECTION, "学习宪法心得体会", april_due, points=3, prompt="谈谈体会"),
                ],
            ),
        ]
        items = []
        for monday, specs in weeks:
            plan = service.save_plan(
                session, admin, PlanSpec(PlanPeriod.WEEK, monday, "学习贯彻宪法", items=specs), now=START
            )
            service.schedule(session, admin, plan.id, None, now=START)
            items += plan.items
        charter, constitution, assembly, reflection_item = items
        service.mark_done(session, cadre, charter, now=datetime(2026, 3, 12, 2, 0, tzinfo=UTC))
        service.mark_done(session, cadre, constitution, now=START)
        held = MeetingSpec(  # the 三会一课 record of the item's meeting, 王建国 present
            cadre.branch_id,
            "assembly",
            assembly.title,
            meeting_at,
            place="机关三楼第一会议室",
            host_name="书记甲",
            recorder_name="王建国",
            item_id=assembly.id,
        )
        meetings.save(
            session,
            admin,
            held,
            [Mark(cadre.id, AttendanceStatus.PRESENT)],
            now=meeting_at + timedelta(hours=2),
        )
        excellent_reflection(
            session, reflection_item.id, "学习宪法，增强宪法意识，做尊法学法守法用法的模范。", at=START
        )
        session.commit()


def test_the_archive_reads_on_a_phone_and_prints_on_a4_naming_its_person(
    browser, live_server, app, org, page
):
    a_year_of_study(app)
    context = phone_context(browser, live_server)
    violations = csp_violations(context)
    phone = context.new_page()
    sign_in(phone, "10001")
    phone.get_by_role("link", name="我的学习档案").first.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("我的学习档案")
    expect(phone.locator(".archive-month")).to_have_count(2)  # March, then April
    expect(phone.locator("#archive-counts [data-kind=reflection]")).to_contain_text("其中优秀 1 篇")
    rows = phone.locator(".archive-month").last.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="学习贯彻党章专题支部党员大会")).to_contain_text("机关三楼第一会议室")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # rows stack, nothing scrolls
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(DOCS_SCREENSHOTS / "archive.png"), full_page=True)
    context.close()
    assert not violations, "the page broke its Content-Security-Policy"

    sign_in(page, "sec1")  # the secretary files it for the office
    page.goto("/admin/users")
    page.locator("#people tr", has_text="王建国").get_by_role("link", name="学习档案").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("王建国的学习档案")
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("#archive-year")).to_be_hidden()
    assert page.get_by_role("heading", level=1).inner_text() == "2026年度学习档案"  # as shown on paper
    reader = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    assert len(reader.pages) == 1  # two short months share the page
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait
    # NFKC: the PDF's font maps some characters to their Kangxi radical look-alikes (⼀ for 一).
    text = unicodedata.normalize("NFKC", "".join(reader.pages[0].extract_text().split()))
    assert "王建国" in text and "10001" in text and "第一党支部" in text
    assert "学习宪法心得体会" in text and "优秀" in text


def test_the_calendar_page_shows_a_new_address_once_and_copies_it(page, app, org, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "10001")
    page.goto("/study/calendar")
    expect(page.locator("#feed-none")).to_be_visible()
    page.get_by_role("button", name="生成我的订阅地址").click()
    field = page.get_by_role("textbox", name="订阅地址")
    expect(field).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]{43}\.ics$"))
    address = field.input_value()
    expect(page.locator("#subscribe-here")).to_have_attribute("href", "webcal://" + address.split("://")[1])
    page.get_by_role("button", name="复制地址").click()
    expect(page.get_by_role("button", name="已复制")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == address
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SCREENSHOTS / "calendar-feed.png"), full_page=True)

    feed = page.request.get(address)  # as a calendar asks: no session needed
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    assert feed.text().startswith("BEGIN:VCALENDAR")
    page.reload()
    expect(page.locator("#feed-live")).to_be_visible()  # shown once: now only when it was made
    expect(page.locator("#feed-address")).to_have_count(0)
