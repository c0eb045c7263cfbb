"""我的积分 on a phone: today's cards against their caps, totals and places, the eight-week chart and the
record with reasons; the leaderboard with the reader's own row marked."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import Role, User
from studyhall.points import service
from studyhall.points.service import RuleKey
from tests.browser.conftest import screenshot
from tests.browser.test_accounts_browser import sign_in
from tests.browser.test_phone_layout_browser import LINES
from tests.conftest import START


def give(app, username: str, amount: int, reason: str, at) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        user_id = session.scalars(select(User.id).where(User.username == username)).one()
        service.settle(session, user_id, RuleKey.MANUAL, f"manual:{reason}", amount, at=at, reason=reason)
        session.commit()


def test_a_cadre_reads_my_points_on_a_phone_and_finds_themself_on_the_board(phone, app, people, frozen_now):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    people.user("admin1", Role.ADMIN, root)
    people.user("10001", branch=first, name="王建国")
    people.user("10002", branch=first, name="李晓燕")
    give(app, "10001", 5, "参加主题党日志愿服务", START - timedelta(weeks=2))
    give(app, "10002", 9, "学习心得被转发", START - timedelta(days=1))
    sign_in(phone, "10001")  # today's sign-in point
    phone.goto("/points/")
    login_card = phone.locator('#point-cards [data-rule="login"]')
    expect(login_card.locator(".point-card-score")).to_have_text("1/1")
    expect(login_card).to_have_class("point-card done")
    expect(phone.locator('#totals [data-period="all"] .point-card-score')).to_have_text("6")
    expect(phone.locator('#totals [data-period="all"]')).to_contain_text("全单位第 2 名（上榜 2 人）")
    expect(phone.locator("#weeks-chart rect")).to_have_count(8)
    expect(phone.locator("#ledger")).to_contain_text("参加主题党日志愿服务")
    # Nothing wider than the phone but the tables, which scroll under their hint.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "my-points-phone")
    phone.goto("/points/board?period=all")
    expect(phone.locator("#board tr.me")).to_contain_text("王建国")
    expect(phone.locator("#board tbody tr").first).to_contain_text("李晓燕")
    expect(phone.locator("#my-place")).to_contain_text("第 2 名")
    screenshot(phone, "leaderboard-phone")


def test_on_a_desktop_my_points_cards_keep_a_place_on_one_line_and_the_chart_its_drawn_size(
    page, app, people, frozen_now
):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    people.user("admin1", Role.ADMIN, root)
    people.user("10001", branch=first, name="王建国")
    for n in range(12):
        people.user(f"2{n:04d}", branch=first)
        give(app, f"2{n:04d}", 10 + n, f"往期{n}", START - timedelta(weeks=n % 8))
    give(app, "10001", 3, "参加主题党日志愿服务", START - timedelta(weeks=1))
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, "10001")
    page.goto("/points/")
    place = page.locator('#totals [data-period="all"] .hint').first
    expect(place).to_contain_text("（上榜 13 人）")
    assert place.evaluate(LINES) == 1
    chart = page.locator("#weeks-chart")
    assert chart.evaluate("svg => svg.getBoundingClientRect().width") <= 32 * 16
    label = chart.locator("text").last  # a week's date under its bar, at about the page's small print
    assert label.evaluate("t => t.getScreenCTM().a * parseFloat(t.getAttribute('font-size'))") <= 14
    screenshot(page, "my-points-desktop", full_page=False)
