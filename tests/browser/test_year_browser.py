"""The year plan in a real Chromium: the grid on a desktop, then printed to PDF through its own
@page rule — A4 landscape pages, the title and a week's theme on paper, the table's header on every
page, the site's navigation left off and each page numbered."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pypdfium2
from playwright.sync_api import expect
from sqlalchemy import select

from studyhall import PROJECT_ROOT, db
from studyhall.accounts.models import User
from studyhall.plans import service
from studyhall.plans.models import Plan, PlanPeriod
from studyhall.plans.service import PlanSpec
from tests.browser.test_accounts_browser import sign_in
from tests.conftest import START
from tests.plans.conftest import read
from tests.plans.test_year import done

DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
A4_LONG, A4_SHORT = 842, 595  # points
# Weeks 13 to 18; START's week (16) is the fourth.
THEMES = [
    "国家安全教育",
    "深入学习党章党规",
    "作风建设",
    "学习贯彻宪法",
    "学习二十届三中全会精神",
    "廉洁自律",
]


def plan_weeks(app) -> None:  # type: ignore[no-untyped-def]
    """Six weeks of the organisation's plans around START's week (16), four of them published and
    partly done, and April's plan."""
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        for week, theme in enumerate(THEMES):
            monday = date(2026, 4, 13) + timedelta(weeks=week - 3)
            due = service.default_due(PlanPeriod.WEEK, monday)
            items = [read(f"{theme}：自学", due=due), read(f"{theme}：集中学习", due=due)]
            plan = service.save_plan(
                session, admin, PlanSpec(PlanPeriod.WEEK, monday, theme, items=items), now=START
            )
            if week < 4:
                service.schedule(session, admin, plan.id, None, now=START)
        april = PlanSpec(
            PlanPeriod.MONTH,
            date(2026, 4, 1),
            "四月：宪法学习月",
            items=[read("宪法全文通读", due=service.default_due(PlanPeriod.MONTH, date(2026, 4, 1)))],
        )
        service.schedule(
            session, admin, service.save_plan(session, admin, april, now=START).id, None, now=START
        )
        session.commit()
        weeks = select(Plan).where(Plan.period == PlanPeriod.WEEK).order_by(Plan.start)
        first_items = [plan.items[0].id for plan in session.scalars(weeks)]
    for week, item_id in enumerate(first_items[:4]):
        for username in ("10001", "10002", "20001")[: week + 1]:
            done(app, username, item_id)


def test_the_year_plan_on_a_desktop_and_printed_on_a4_landscape(app, page, org):
    plan_weeks(app)

    sign_in(page, "admin1")
    page.goto("/plans/")
    page.get_by_role("link", name="年度计划").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2026年度党建工作计划表")
    expect(page.locator("#year-level")).to_contain_text("全单位")
    this_week = page.locator('tr[data-week="16"]')
    expect(this_week).to_have_class(re.compile("current"))
    expect(this_week).to_contain_text("学习贯彻宪法")
    expect(this_week.locator(".rate")).to_have_attribute("data-percent", "30")  # 3 of 2 items × 5 people
    expect(page.locator('tr[data-week="17"]')).to_contain_text("草稿")
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    expect(page.locator('tr[data-month="4"]')).to_contain_text("四月：宪法学习月")
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SCREENSHOTS / "year-plan.png"))

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    expect(page.locator("#level-form")).to_be_hidden()
    header = page.locator("#year-weeks thead")
    assert header.evaluate("h => getComputedStyle(h).display") == "table-header-group"
    assert this_week.evaluate("r => getComputedStyle(r).breakInside") == "avoid"

    pdf = pypdfium2.PdfDocument(page.pdf(prefer_css_page_size=True))
    try:
        pages = len(pdf)
        assert pages >= 3  # the months, then the weeks over several pages
        texts = []
        for number in range(pages):
            width, height = pdf[number].get_size()
            assert (round(width), round(height)) == (A4_LONG, A4_SHORT), number
            # Chromium writes Chinese a character at a time: pdfium reads a line break between each.
            texts.append(re.sub(r"\s+", "", pdf[number].get_textpage().get_text_range()))
        assert "2026年度党建工作计划表" in texts[0] and "全单位" in texts[0]
        assert any("学习贯彻宪法" in text and "第16周" in text for text in texts)
        for number, text in enumerate(texts, start=1):
            assert f"{number}/{pages}" in text, number  # numbered at the foot
        # The weeks begin on a page of their own, and every page of them repeats the header.
        first_weeks = next(n for n, text in enumerate(texts) if "第1周" in text)
        assert first_weeks > 0 and all("起止日期" in text for text in texts[first_weeks:])
        assert not any("我的积分" in text for text in texts)  # no navigation
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        pdf[first_weeks].render(scale=1.2).to_pil().save(DOCS_SCREENSHOTS / "year-plan-print.png")
    finally:
        pdf.close()


def test_on_a_phone_the_year_plan_fits_the_screen_and_its_tables_scroll(app, phone, org):
    plan_weeks(app)
    sign_in(phone, "admin1")
    phone.goto("/plans/year/2026")
    expect(phone.locator('tr[data-week="16"]')).to_contain_text("学习贯彻宪法")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    weeks = phone.locator("#year-weeks").locator("xpath=..")
    assert weeks.evaluate("el => el.scrollWidth > el.clientWidth")  # it scrolls sideways, within itself
    expect(phone.locator(".scroll-hint").first).to_be_visible()
