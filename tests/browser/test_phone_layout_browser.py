"""On a phone: countdowns of days read in days, names and status tags stay on one line, and a
table wider than the screen scrolls sideways under a hint that says so."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from studyhall import clock, db
from studyhall.access import Claim
from studyhall.accounts.models import Role, User
from studyhall.accounts.service import begin_session
from studyhall.exams import service
from studyhall.points import publications
from studyhall.points import service as points
from studyhall.points.models import Period
from studyhall.points.periods import Span
from tests.browser.conftest import screenshot
from tests.browser.test_accounts_browser import sign_in
from tests.conftest import START
from tests.exams import conftest as exam_fixtures

world = exam_fixtures.world
make_exam = exam_fixtures.make_exam

# How many lines of text an element's content takes on screen.
LINES = "el => { const r = document.createRange(); r.selectNodeContents(el); return new Set([...r.getClientRects()].map(c => Math.round(c.top))).size; }"


def test_a_test_opening_in_days_counts_down_in_days_and_hours(phone, make_exam):
    exam_id = make_exam(opens_at=START + timedelta(days=3, hours=2), closes_at=START + timedelta(days=10))
    sign_in(phone, "10001")
    countdown = phone.locator(f'#tests-coming [data-exam="{exam_id}"] .countdown')
    expect(countdown).to_have_text(re.compile(r"^3 天 [12] 小时$"))
    phone.goto(f"/exams/{exam_id}")
    expect(phone.locator(".countdown")).to_have_text(re.compile(r"^3 天 [12] 小时$"))


def test_people_names_and_states_stay_whole_and_the_wide_table_scrolls_under_a_hint(phone, people, world):
    people.user("admin9", Role.ADMIN, world["first"], name="欧阳建国")
    for number in range(3):
        people.user(f"2000{number}", branch=world["first"], name=f"司马晓燕{number}")
    sign_in(phone, "admin9")
    phone.goto("/admin/users")
    table = phone.locator("#people")
    for cell in table.locator("tbody td.nowrap").all():
        assert cell.evaluate(LINES) == 1, cell.inner_text()
    wrap = phone.locator(".table-wrap")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    expect(phone.locator(".scroll-hint")).to_be_visible()
    expect(phone.locator(".scroll-hint")).to_have_text("表格可左右滑动，查看全部列。")
    screenshot(phone, "people-phone")


def test_status_tags_of_the_tests_list_stay_on_one_line(phone, people, world, make_exam):
    make_exam()
    sign_in(phone, "admin1")
    phone.goto("/admin/exams/")
    tag = phone.locator("#exams .tag").first
    expect(tag).to_be_visible()
    assert tag.evaluate(LINES) == 1


def test_no_hint_over_a_table_that_fits(page, people, world):
    sign_in(page, "admin1")
    page.goto("/admin/users")
    expect(page.locator("#people")).to_be_visible()
    expect(page.locator(".scroll-hint")).to_be_hidden()


def test_the_drawing_rules_choices_are_wide_enough_to_read_and_pick_on_a_phone(phone, people, world):
    phone.set_viewport_size({"width": 390, "height": 800})
    sign_in(phone, "admin1")
    phone.goto("/admin/exams/new")
    selects = phone.locator("#rules select").all()
    assert selects  # a bank and a type on each rule row
    for choice in selects:
        assert choice.evaluate("el => el.getBoundingClientRect().width") >= 150, choice.get_attribute("name")
    expect(phone.locator("#paper .scroll-hint")).to_be_visible()  # the rules table scrolls sideways instead


def test_branch_paths_dates_and_times_used_stay_whole_in_the_roster_results_and_tests_of_my_branch(
    phone, app, people, world, make_exam
):
    group = people.branch("第二党小组", world["first"])
    people.user("10003", branch=group, name="欧阳晓燕")
    people.user("sec1", Role.SECRETARY, world["first"], name="一支部书记")
    exam_id = make_exam()
    # An attempt in progress puts the person on the results: started through the API, not in this
    # browser, whose attempt page would still be talking to the server when the next person signs in.
    with app.app_context(), db.new_session() as session:
        cadre = session.scalars(select(User).where(User.username == "10003")).one()
        begin_session(session, cadre, now=clock.now())
        holder = Claim(cadre.id, cadre.auth_version, cadre.session_key)
        service.start_or_resume(session, exam_id, holder, now=clock.now())
        session.commit()

    def whole(selector: str) -> None:
        cells = phone.locator(selector).all()
        assert cells, selector
        for cell in cells:
            assert cell.evaluate(LINES) == 1, cell.inner_text()

    sign_in(phone, "admin1")
    expect(phone).to_have_url("/")  # signed in before the next page is asked for
    path = "第一党支部 / 第二党小组"
    phone.goto(f"/admin/exams/{exam_id}/roster")
    whole(f'.roster tr[data-username="10003"] td:has-text("{path}")')
    whole(".roster tbody .nowrap")
    phone.goto(f"/admin/exams/{exam_id}/results")
    whole(f'#results tr[data-username="10003"] td:has-text("{path}")')
    whole("#results tbody .nowrap")
    phone.goto("/admin/exams/")
    whole("#exams time")
    phone.context.clear_cookies()
    sign_in(phone, "sec1")
    expect(phone).to_have_url("/")
    phone.goto("/branch/exams/")
    whole("#exams time")
    phone.goto(f"/branch/exams/{exam_id}/roster")
    whole(f'.roster tr[data-username="10003"] td:has-text("{path}")')
    screenshot(phone, "roster-phone")


def test_a_notice_and_the_points_admin_pages_are_no_wider_than_a_390_px_phone(phone, app, people, frozen_now):
    """A notice's branch tables scroll in their own box (so the 备注 column can be reached), and the
    hidden label of a take-back form stays in its table's box instead of widening the page."""
    phone.set_viewport_size({"width": 390, "height": 844})
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    second = people.branch("第二党支部", root)
    group = people.branch("第一党小组", first)
    admin = people.user("admin1", Role.ADMIN, root, name="党务干部")
    for n, (branch, name) in enumerate([(group, "欧阳建国"), (first, "司马晓燕"), (second, "诸葛明")]):
        people.user(f"1000{n}", branch=branch, name=name)
    monday = frozen_now(datetime(2026, 4, 20, 1, 0, tzinfo=UTC))
    with app.app_context(), db.new_session() as session:
        actor = session.get(User, admin.id)
        points.award_by_hand(session, actor, ["10000"], 5, "参加全院演讲比赛获一等奖", "one", now=START)
        points.award_by_hand(session, actor, ["10001", "10002"], 3, "参加主题党日志愿服务", "two", now=START)
        notice = publications.publish(
            session,
            actor,
            Span(Period.WEEK, date(2026, 4, 13)),
            None,
            publications.Highlights(top_n=1, threshold=4),
            now=monday,
        )
        session.commit()
        notice_id = notice.id

    def fits(path: str) -> None:
        phone.goto(path)
        expect(phone.locator("main")).to_be_visible()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"

    sign_in(phone, "admin1")
    expect(phone).to_have_url("/")
    fits(f"/points/publications/{notice_id}")
    note = phone.locator(".publication-branch").first.locator("th", has_text="备注")
    assert note.evaluate("th => th.closest('.table-wrap') !== null")  # reached by scrolling its table
    screenshot(phone, "publication-phone-390")
    fits("/admin/points/")
    expect(phone.locator("#manual-awards label.visually-hidden")).to_have_count(1)
    screenshot(phone, "admin-points-phone-390")
    phone.locator("#manual-awards a", has_text="2").click()
    expect(phone.locator("#batch-members")).to_be_visible()
    fits(phone.url)
