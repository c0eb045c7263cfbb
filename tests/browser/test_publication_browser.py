"""A 积分公示 on paper: A4, the site's header left off, each 党支部 on its own page, every page
numbered, the 公示期 under the title and the issuer and date at the foot."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import Role, User
from studyhall.points import publications, service
from studyhall.points.models import Period
from studyhall.points.periods import Span
from studyhall.points.service import RuleKey
from tests.browser.conftest import screenshot
from tests.browser.test_accounts_browser import sign_in
from tests.conftest import START
from tests.xxqg.test_import import csv_bytes
from tests.xxqg.test_import import save as import_export


def test_a_notice_prints_on_a4_with_a_page_per_branch_and_the_highlights_in_black_and_white(
    app, page, people, frozen_now
):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    second = people.branch("第二党支部", root)
    admin = people.user("admin1", Role.ADMIN, first, name="党务干部")
    people.user("10001", branch=first, name="王建国")
    people.user("20001", branch=second, name="张三")
    monday = frozen_now(datetime(2026, 4, 20, 1, 0, tzinfo=UTC))
    with app.app_context(), db.new_session() as session:
        for username, points in (("10001", 7), ("20001", 2)):
            user_id = session.scalars(select(User.id).where(User.username == username)).one()
            service.settle(session, user_id, RuleKey.MANUAL, "a", points, at=START, reason="测试")
        publication = publications.publish(
            session,
            session.get(User, admin.id),
            Span(Period.WEEK, date(2026, 4, 13)),
            None,
            publications.Highlights(top_n=1, threshold=3),
            now=monday,
        )
        session.commit()
        publication_id = publication.id

    sign_in(page, "20001")
    page.get_by_role("link", name="积分公示").click()
    page.get_by_role("link", name=re.compile("积分公示")).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("积分公示（2026年4月13日至4月19日）")
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    screenshot(page, "publication")

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    sections = page.locator(".publication-branch")
    expect(sections).to_have_count(2)
    assert sections.nth(1).evaluate("s => getComputedStyle(s).breakBefore") == "page"
    top = page.locator("tr.hl-top td").first
    below = page.locator("tr.hl-below td").first
    assert top.evaluate("td => getComputedStyle(td).fontWeight") == "700"
    assert below.evaluate("td => getComputedStyle(td).fontStyle") == "italic"
    expect(page.locator("tr.hl-top")).to_contain_text("★ 前 1 名")
    expect(page.locator("tr.hl-below").first).to_contain_text("▽ 低于 3 分")
    expect(page.locator("#objection-period")).to_have_text(
        "公示期：4月20日至4月26日。如有异议，请在公示期内向机关党委反映。"
    )
    expect(page.locator("#tie-rule")).to_contain_text("同分者按先达到该分数者在前，名次不并列")
    expect(page.locator("#issued")).to_have_text(re.compile(r"机关党委\s*2026年4月20日"))
    # Chromium keeps a page-margin box only if it can lay it out: the foot of every page says 2 / 3.
    margins = page.evaluate(
        """() => [...document.styleSheets].flatMap(sheet => [...sheet.cssRules])
               .filter(rule => rule instanceof CSSPageRule).flatMap(rule => [...rule.cssRules])
               .map(margin => [margin.name, margin.style.content])"""
    )
    assert margins == [["bottom-center", 'counter(page) " / " counter(pages)']]
    # The summary, then 第一党支部, then 第二党支部: three A4 pages (595 × 842 points).
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert len(boxes) == 3 and b"/Count 3" in pdf
    assert all(round(float(width)) == 595 and round(float(height)) == 842 for width, height in boxes)
    assert page.url.endswith(f"/points/publications/{publication_id}")


def test_a_notice_with_学习强国_figures_prints_their_two_columns_headed_by_the_exports_days_within_a4(
    app, page, people, frozen_now
):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    group = people.branch("第一党小组", first)
    admin = people.user("admin1", Role.ADMIN, root, name="党务干部")
    people.user("10001", branch=group, name="欧阳明华")
    people.user("10002", branch=first, name="王建国")
    for day, totals in (("2026-04-07", (15020, 9000)), ("2026-04-14", (15210, 9120))):
        lines = [
            f"1000{number},{name},{total}"
            for number, (name, total) in enumerate(zip(("欧阳明华", "王建国"), totals, strict=True), start=1)
        ]
        import_export(app, f"{day}.csv", csv_bytes(["工号,姓名,总积分", *lines]))
    monday = frozen_now(datetime(2026, 4, 20, 1, 0, tzinfo=UTC))
    with app.app_context(), db.new_session() as session:
        user_id = session.scalars(select(User.id).where(User.username == "10001")).one()
        service.settle(session, user_id, RuleKey.MANUAL, "a", 7, at=START, reason="测试")
        publication = publications.publish(
            session,
            session.get(User, admin.id),
            Span(Period.WEEK, date(2026, 4, 13)),
            None,
            publications.Highlights(top_n=1),
            now=monday,
            with_xxqg=True,
        )
        session.commit()
        publication_id = publication.id

    sign_in(page, "10002")
    page.goto(f"/points/publications/{publication_id}")
    headings = page.locator(".publication-branch th")
    expect(headings).to_contain_text(["学习强国总积分（4月14日导出）", "较上次导出（4月7日）增加"])
    expect(page.locator(".publication-branch tbody tr").first).to_contain_text("15210")
    expect(page.locator(".publication-branch tbody tr").first).to_contain_text("+190")
    # A4 portrait within its margins (210 − 2 × 12 mm) is about 703 CSS pixels wide: the table,
    # two columns wider, still fits it.
    page.set_viewport_size({"width": 703, "height": 994})
    page.emulate_media(media="print")
    table = page.locator(".publication-branch table").first
    assert table.evaluate("t => t.getBoundingClientRect().right") <= 703
    screenshot(page, "publication-xxqg-print")


def test_every_printed_page_of_a_withdrawn_notice_says_it_was_withdrawn(app, page, people, frozen_now):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    second = people.branch("第二党支部", root)
    admin = people.user("admin1", Role.ADMIN, root, name="党务干部")
    for n in range(70):  # 第一党支部's list runs over two A4 pages
        people.user(f"1{n:04d}", branch=first, name=f"干警{n:02d}")
    people.user("20001", branch=second, name="张三")
    monday = frozen_now(datetime(2026, 4, 20, 1, 0, tzinfo=UTC))
    with app.app_context(), db.new_session() as session:
        actor = session.get(User, admin.id)
        publication = publications.publish(
            session, actor, Span(Period.WEEK, date(2026, 4, 13)), None, publications.Highlights(), now=monday
        )
        publications.withdraw(session, actor, publication.id, "统计口径有误", now=monday)
        session.commit()
        publication_id = publication.id

    sign_in(page, "20001")
    expect(page).to_have_url("/")
    page.goto(f"/points/publications/{publication_id}")
    expect(page.locator("#withdrawn-note")).to_contain_text("统计口径有误")
    expect(page.locator("#objection-period")).to_have_count(0)
    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    texts = ["".join(pdf_page.extract_text().split()) for pdf_page in reader.pages]
    assert len(texts) >= 4  # the summary, 第一党支部 on two pages or more, 第二党支部
    assert all("已撤回" in text for text in texts), [text[:60] for text in texts]
    screenshot(page, "publication-withdrawn-print")
