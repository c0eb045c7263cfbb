"""Study plans in a real browser: a cadre's week on a phone (open 本周学习, open an item, mark it
done, the ring moves), and an administrator writing a plan on a desktop. The screenshots go to
docs/screenshots/ for the README (study-week-phone.png, plans-editor.png)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from studyhall import PROJECT_ROOT, db
from studyhall.accounts.models import Role, User
from studyhall.plans import service
from studyhall.plans.models import ItemKind, PlanPeriod
from studyhall.plans.service import ItemSpec, PlanSpec
from tests.browser.conftest import csp_violations, screenshot
from tests.browser.test_accounts_browser import sign_in
from tests.conftest import START
from tests.plans.conftest import joined

DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
MONDAY = START.date() - timedelta(days=START.date().weekday())
WEDNESDAY_2200 = datetime(2026, 4, 15, 14, 0, tzinfo=UTC)
SUNDAY_2200 = datetime(2026, 4, 19, 14, 0, tzinfo=UTC)
TEXT = """<p>宪法是国家的根本法，是治国安邦的总章程。</p>
<h3>第一条</h3>
<p>中华人民共和国是工人阶级领导的、以工农联盟为基础的人民民主专政的社会主义国家。</p>
<p>社会主义制度是中华人民共和国的根本制度。中国共产党领导是中国特色社会主义最本质的特征。禁止任何组织或者个人破坏社会主义制度。</p>
<h3>第五条</h3>
<p>中华人民共和国实行依法治国，建设社会主义法治国家。</p>"""


@pytest.fixture
def organisation(people, frozen_now):  # type: ignore[no-untyped-def]
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    people.branch("第一党小组", first)
    people.branch("第二党支部", root)
    people.user("admin1", Role.ADMIN, root, name="管理员")
    people.user("10001", branch=first, name="王建国")
    return {"root": root, "first": first}


def publish_plan(app, items: list[ItemSpec], *, start=MONDAY, theme="学习贯彻宪法　维护宪法权威") -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        plan = service.save_plan(
            session, admin, PlanSpec(PlanPeriod.WEEK, start, theme, items=items), now=START
        )
        service.schedule(session, admin, plan.id, None, now=START)
        session.commit()


def test_a_cadre_opens_this_weeks_study_on_a_phone_marks_an_item_done_and_the_ring_moves(
    browser, live_server, app, organisation
):
    publish_plan(
        app,
        [
            ItemSpec(ItemKind.READ, "宪法第一章《总纲》摘学", WEDNESDAY_2200, points=2, body_html=TEXT),
            ItemSpec(
                ItemKind.READ,
                "宪法中的人民检察院",
                SUNDAY_2200,
                points=2,
                body_html="<p>第一百三十四条……</p>",
            ),
            ItemSpec(
                ItemKind.MEETING,
                "主题党日：重温宪法宣誓誓词",
                SUNDAY_2200,
                points=3,
                meeting_kind="theme_day",
                starts_at=SUNDAY_2200 - timedelta(days=2, hours=7),
                place="机关三楼会议室",
            ),  # fmt: skip
            ItemSpec(
                ItemKind.REFLECTION, "学习宪法心得体会", SUNDAY_2200, points=3, prompt="谈谈学习宪法的体会"
            ),
        ],
    )
    publish_plan(
        app,
        [
            ItemSpec(
                ItemKind.READ,
                "国家安全法第十四条",
                SUNDAY_2200 - timedelta(weeks=1),
                body_html="<p>每年4月15日……</p>",
            )
        ],
        start=MONDAY - timedelta(weeks=1),
        theme="学习国家安全法",
    )
    joined(app, START - timedelta(weeks=4))  # there last week, so last week's item is theirs
    context = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 390, "height": 844},
        is_mobile=True, has_touch=True, device_scale_factor=2,
    )  # fmt: skip
    violations = csp_violations(context)
    phone = context.new_page()
    sign_in(phone, "10001")
    ring = phone.locator("#study-ring")
    expect(ring).to_have_attribute("data-done", "0")
    expect(ring).to_have_attribute("data-total", "4")
    expect(phone.locator("#study-overdue")).to_contain_text("国家安全法第十四条")

    phone.locator("#study-items").get_by_role("link", name="宪法第一章《总纲》摘学").click()
    expect(phone.locator("#study-text h3").first).to_have_text("第一条")
    # No minimum time: read, it is marked done by hand (a minimum is counted: test_reading_browser).
    # The text is set for a phone: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "study-item-phone")
    phone.get_by_role("button", name="我已学习").click()

    expect(phone).to_have_url(f"{live_server}/#study")
    expect(phone.locator(".flash")).to_have_text("已完成，获得 2 积分。")
    expect(ring).to_have_attribute("data-done", "1")
    expect(ring.locator(".ring-done")).to_have_count(1)  # the arc is drawn
    expect(phone.locator('#study-items [data-state="done"]')).to_contain_text("宪法第一章《总纲》摘学")
    expect(phone.locator("#study-summary")).to_have_text("已完成 1/4 项 · 已得 2/10 积分")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.goto("/")  # the home page as a cadre opens it, from the top
    expect(ring).to_have_attribute("data-done", "1")
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(DOCS_SCREENSHOTS / "study-week-phone.png"))

    phone.locator("#study-items").get_by_role("link", name="主题党日：重温宪法宣誓誓词").click()
    expect(phone.locator("#meeting-facts")).to_contain_text("机关三楼会议室")
    expect(phone.get_by_role("button", name="我已学习")).to_have_count(0)
    context.close()
    assert not violations, "the page broke its Content-Security-Policy"


def test_an_administrator_writes_a_plan_item_by_item_and_schedules_it(page, app, organisation):
    publish_plan(
        app,
        [ItemSpec(ItemKind.READ, "国家安全法第二条、第三条、第十四条", SUNDAY_2200, body_html="<p>……</p>")],
        theme="学习国家安全法",
    )
    sign_in(page, "admin1")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="学习计划").click()
    page.get_by_role("link", name="新建计划").click()
    page.get_by_label("计划周期").select_option(label="月")
    expect(page.locator("#copy-previous")).to_have_text("沿用上月计划")  # named for the period
    page.get_by_label("计划周期").select_option(label="周")
    page.get_by_role("button", name="沿用上周计划").click()  # next week, from this week's
    expect(page.locator("h1")).to_contain_text("学习国家安全法")
    page.get_by_label("主题").fill("学习贯彻宪法　维护宪法权威")
    page.get_by_role("button", name="保存计划").click()
    expect(page.locator(".flash")).to_have_text("计划已保存。")

    page.locator("#add-item").get_by_role("link", name="+ 阅读").click()
    page.get_by_label("任务名称").fill("宪法第一章《总纲》摘学")
    page.get_by_label("正文").fill("宪法是国家的根本法。\n\n第一条　中华人民共和国是工人阶级领导的……")
    page.get_by_label("最少时长（分钟）").fill("10")
    page.get_by_role("button", name="保存学习任务").click()
    page.locator("#add-item").get_by_role("link", name="+ 会议").click()
    page.get_by_label("任务名称").fill("主题党日：重温宪法宣誓誓词")
    page.get_by_label("会议类型").select_option(label="主题党日")
    page.get_by_label("会议地点").fill("机关三楼会议室")
    page.get_by_role("button", name="保存学习任务").click()
    expect(page.locator("#form-problem")).to_contain_text(
        "第 3 项“主题党日：重温宪法宣誓誓词”，会议时间：请填写会议时间。"
    )
    page.get_by_label("会议时间").fill("2026-04-24T15:00")
    page.locator("#audience [name=branch_ids]").nth(1).check()  # 第一党支部
    page.get_by_role("button", name="保存学习任务").click()
    expect(page.locator("#plan-items tbody tr")).to_have_count(3)
    expect(page.locator("#publish [name=publish_at]")).to_have_value("2026-04-20T08:00")
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.screenshot(path=str(DOCS_SCREENSHOTS / "plans-editor.png"), full_page=True)

    page.get_by_role("button", name="定时发布").click()
    expect(page.locator("h1 [data-status]")).to_have_text("定时发布：2026-04-20 08:00")
    page.get_by_role("link", name="以干警视角预览").click()
    expect(page.locator("#preview-note")).to_be_visible()
    expect(page.locator("article.study-item")).to_have_count(3)
