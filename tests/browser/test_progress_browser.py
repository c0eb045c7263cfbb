"""A secretary's branch view in a real browser on a desktop: the table of people × items, sorted
by who is most behind, and the reminder sent after its confirmation; then a cadre of that branch
finds it on a phone: the badge in the navigation, the notification, its link. The screenshots go
to docs/screenshots/ for the README (progress-branch.png, progress-remind.png,
notifications-phone.png)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from studyhall import PROJECT_ROOT, db, scheduler
from studyhall.accounts.models import Role, User
from studyhall.plans import service
from studyhall.plans.models import ItemKind, MeetingKind, PlanItem, PlanPeriod
from studyhall.plans.service import ItemSpec, PlanSpec
from tests.browser.conftest import csp_violations, phone_context
from tests.browser.test_accounts_browser import sign_in
from tests.conftest import START

DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
MONDAY = START.date() - timedelta(days=START.date().weekday())
WEDNESDAY_2200 = datetime(2026, 4, 15, 14, 0, tzinfo=UTC)
FRIDAY_1500 = datetime(2026, 4, 17, 7, 0, tzinfo=UTC)
SUNDAY_2200 = datetime(2026, 4, 19, 14, 0, tzinfo=UTC)
THURSDAY_1000 = datetime(2026, 4, 16, 2, 0, tzinfo=UTC)
PEOPLE = [  # 工号, name, branch
    ("10001", "王建国", "first"),
    ("10002", "李晓燕", "group1"),
    ("10003", "张伟", "group1"),
    ("10004", "刘芳", "group2"),
    ("10005", "陈静", "group2"),
    ("20001", "赵磊", "second"),
]


def organisation(people) -> None:  # type: ignore[no-untyped-def]
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    branches = {
        "first": first,
        "group1": people.branch("第一党小组", first),
        "group2": people.branch("第二党小组", first),
        "second": people.branch("第二党支部", root),
    }
    people.user("admin1", Role.ADMIN, root, name="管理员")
    people.user("sec1", Role.SECRETARY, first, name="书记甲")
    for username, name, branch in PEOPLE:
        people.user(username, branch=branches[branch], name=name)


def the_week(app) -> list[int]:  # type: ignore[no-untyped-def]
    """The organisation's plan, published, with some of it done: its items' ids."""
    items = [
        ItemSpec(
            ItemKind.READ,
            "宪法第一章《总纲》",
            WEDNESDAY_2200,
            points=2,
            body_html="<p>宪法是国家的根本法。</p>",
        ),
        ItemSpec(ItemKind.READ, "中国共产党章程", SUNDAY_2200, points=2, body_html="<p>党章总纲。</p>"),
        ItemSpec(
            ItemKind.MEETING,
            "主题党日：学习宪法",
            FRIDAY_1500 + timedelta(hours=3),
            meeting_kind=MeetingKind.THEME_DAY,
            starts_at=FRIDAY_1500,
            place="三楼会议室",
        ),
        ItemSpec(ItemKind.REFLECTION, "学习宪法心得体会", SUNDAY_2200, points=3, prompt="结合工作谈体会。"),
    ]
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        plan = service.save_plan(
            session,
            admin,
            PlanSpec(PlanPeriod.WEEK, MONDAY, "学习贯彻宪法　维护宪法权威", items=items),
            now=START,
        )
        service.schedule(session, admin, plan.id, None, now=START)
        ids = [item.id for item in plan.items]
        for username, done, started in [("10001", [0, 1], []), ("10002", [0], [1]), ("10003", [0], [])]:
            person = session.scalars(select(User).where(User.username == username)).one()
            for index in done:
                service.mark_done(session, person, session.get(PlanItem, ids[index]), now=START)
            for index in started:
                service.progress_for(session, person, session.get(PlanItem, ids[index]), START)
        session.commit()
    return ids


def test_a_secretary_sorts_the_branch_reminds_those_behind_and_a_cadre_reads_it_on_a_phone(
    browser, live_server, app, people, frozen_now, page
):
    organisation(people)
    the_week(app)
    frozen_now(THURSDAY_1000)
    scheduler.run_job(app, next(job for job in scheduler.JOBS if job.name == "remind_due_items"))

    sign_in(page, "sec1")
    page.get_by_role("link", name="学习进度").click()
    table = page.locator("#progress")
    expect(table.locator("tbody tr")).to_have_count(6)  # 第一党支部 with its 党小组, not 第二党支部's 赵磊
    expect(page.locator("#summary")).to_have_attribute("data-behind", "6")  # 王建国 has two more to do
    page.locator('th[data-sort="behind"] a').click()
    expect(page.locator('th[data-sort="behind"]')).to_have_attribute("aria-sort", "descending")
    usernames = table.locator("tbody tr").evaluate_all("rows => rows.map(row => row.dataset.username)")
    assert usernames == ["10004", "10005", "sec1", "10002", "10003", "10001"]  # 4, 4, 4, 3, 3, 2 not done
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SCREENSHOTS / "progress-branch.png"), full_page=True)

    confirm = page.get_by_role("button", name="确认发送提醒")
    expect(confirm).to_be_hidden()  # two steps: nothing is sent by the first click
    page.get_by_text("提醒未完成的人（6 人）").click()
    expect(confirm).to_be_visible()
    page.screenshot(path=str(DOCS_SCREENSHOTS / "progress-remind.png"), full_page=False)
    confirm.click()
    expect(page.locator(".flash")).to_have_text("已提醒 6 人。")
    expect(page.locator('th[data-sort="behind"]')).to_have_attribute("aria-sort", "descending")  # as it was

    context = phone_context(browser, live_server)
    violations = csp_violations(context)
    phone = context.new_page()
    sign_in(phone, "10004")
    badge = phone.locator("#notification-badge")
    expect(badge).to_have_text("2")  # the sweep's (overdue) and the secretary's
    phone.locator("#nav-notifications").click()
    notes = phone.locator("#notifications li")
    expect(notes).to_have_count(2)
    reminder = notes.filter(has_text="学习提醒：学习贯彻宪法")
    expect(reminder).to_contain_text("“中国共产党章程”，04-19 周日 22:00 截止")
    expect(reminder).to_contain_text("“宪法第一章《总纲》”，04-15 周三 22:00 截止，已逾期")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(DOCS_SCREENSHOTS / "notifications-phone.png"), full_page=True)

    reminder.get_by_role("link", name="学习提醒：学习贯彻宪法").click()
    expect(phone).to_have_url(f"/study/?week={MONDAY.isoformat()}")
    expect(phone.locator("#notification-badge")).to_have_text("1")
    phone.locator("#nav-notifications").click()
    phone.get_by_role(
        "button", name="标为已读", exact=True
    ).click()  # the other one, with the page's CSRF token
    expect(phone.locator("#notification-badge")).to_have_count(0)
    expect(phone.locator('#notifications li[data-read="false"]')).to_have_count(0)
    context.close()
    assert not violations, "the page broke its Content-Security-Policy"
