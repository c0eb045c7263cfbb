"""The year plan (年度党建工作计划表): every week and month of a year at one level with its plans and
items, the completion of what has been published (done over the people each item is meant for),
who may see which level, its .xlsx export, and its cost not growing with plans and people."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import event, select

from studyhall import db
from studyhall.accounts.models import Role, User
from studyhall.plans import service, year
from studyhall.plans.models import ItemKind, MeetingKind, PlanItem, PlanPeriod
from studyhall.plans.service import ItemSpec, PlanSpec
from tests.conftest import START
from tests.plans.conftest import MONDAY, SUNDAY_2200, joined, read, signed_in

# START is Wednesday 15 April 2026, in ISO week 16; 2026 has 53 weeks.
WEEK = 16


def done(app, username: str, item_id: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        service.mark_done(session, user, session.get(PlanItem, item_id), now=START)
        session.commit()


def grid(app, username: str, branch_id: int | None = None, year_: int = 2026) -> year.YearGrid:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        actor = session.scalars(select(User).where(User.username == username)).one()
        return year.year_grid(session, actor, year_, branch_id, now=START)


def test_every_week_of_the_year_is_a_row_with_its_plans_items_and_state(app, make_plan, people, org):
    make_plan(
        [
            read("宪法第一章总纲"),
            ItemSpec(
                ItemKind.MEETING,
                "支部党员大会",
                SUNDAY_2200,
                meeting_kind=MeetingKind.ASSEMBLY,
                starts_at=SUNDAY_2200 - timedelta(days=2),
            ),
        ]
    )
    make_plan(
        [read("党章", SUNDAY_2200 + timedelta(weeks=2))],
        start=MONDAY + timedelta(weeks=2),
        publish=False,
        theme="学习党章",
    )
    make_plan([read("一支部自学")], by="sec1", branch="first", theme="一支部自学")
    client = signed_in(app, "admin1")

    page = client.get("/plans/year/2026").get_data(as_text=True)

    assert "2026年度党建工作计划表" in page and "全单位" in page
    weeks = re.findall(r'<tr data-week="(\d+)"', page)
    assert weeks == [str(n) for n in range(1, 54)]
    row = page.split(f'data-week="{WEEK}"')[1].split("</tr>")[0]
    assert "学习贯彻宪法" in row and "宪法第一章总纲" in row and "支部党员大会" in row
    assert "4月13日 – 4月19日" in row and "已发布" in row and "截止 04-19 22:00" in row
    draft = page.split(f'data-week="{WEEK + 2}"')[1].split("</tr>")[0]
    assert "学习党章" in draft and "草稿" in draft
    assert "一支部自学" not in page  # a 党支部's plan is on its own year plan
    empty = page.split('data-week="20"')[1].split("</tr>")[0]
    assert "未安排" in empty and "/plans/new?period=week&amp;start=2026-05-11&amp;level=" in empty
    months = re.findall(r'<tr data-month="(\d+)"', page)
    assert months == [str(n) for n in range(1, 13)]


def test_week_one_and_the_last_week_follow_iso_weeks_across_the_new_year(app, org):
    found = grid(app, "admin1", year_=2026)
    assert found.weeks[0].monday == date(2025, 12, 29)  # week 1 of 2026, listed in January
    assert found.weeks[-1].number == 53 and found.weeks[-1].monday == date(2026, 12, 28)
    assert [week.number for week in found.months[0].weeks] == [1, 2, 3, 4, 5]
    assert len(grid(app, "admin1", year_=2027).weeks) == 52


def test_completion_is_done_over_the_people_each_published_item_is_meant_for(
    app, make_plan, people, org, session
):
    # 5 active people: admin1 (机关党委), sec1 and 10001 (第一党支部), 10002 (its 第一党小组), 20001.
    people.user("left", branch=org["first"])
    _plan, (everyone, first_branch, named) = make_plan(
        [
            read("全体学习"),
            read("一支部学习", branch_ids=[org["first"].id]),
            read("一支部和张三", branch_ids=[org["group"].id], usernames=["20001", "10002"]),
        ]
    )
    with app.app_context(), db.new_session() as writer:
        gone = writer.scalars(select(User).where(User.username == "left")).one()
        service.mark_done(writer, gone, writer.get(PlanItem, everyone), now=START)
        gone.active = False  # left the organisation: neither expected nor counted
        writer.commit()
    for username in ("10001", "20001"):
        done(app, username, everyone)
    done(app, "10002", first_branch)
    done(app, "20001", named)
    done(app, "10001", named)  # not meant for them: not counted
    draft_id, (draft_item,) = make_plan(
        [read("下周学习", SUNDAY_2200 + timedelta(weeks=1))], start=MONDAY + timedelta(weeks=1), publish=False
    )

    found = grid(app, "admin1")
    week = found.weeks[WEEK - 1]
    rates = {line.item.title: line.rate for cell in week.plans for line in cell.items}
    assert rates["全体学习"] == year.Rate(2, 5)
    assert rates["一支部学习"] == year.Rate(1, 3)
    assert rates["一支部和张三"] == year.Rate(1, 2)  # 第一党小组 (10002) and 20001, each once
    assert week.rate == year.Rate(4, 10) and week.rate.percent == 40
    assert found.weeks[WEEK].rate is None  # a draft: nobody is expected to do it yet
    assert found.months[3].weeks_rate == year.Rate(4, 10)  # April's weeks together
    assert found.months[3].weeks_planned == 2

    page = signed_in(app, "admin1").get("/plans/year/2026").get_data(as_text=True)
    row = page.split(f'data-week="{WEEK}"')[1].split("</tr>")[0]
    assert 'data-percent="40"' in row and "4/10" in row and '<rect class="rate-done" width="40"' in row


def test_nobody_is_expected_to_have_done_what_was_due_before_their_account_was_made(
    app, make_plan, people, org, frozen_now
):
    """The fixtures' 5 people are made on Wednesday 09:00; only 10001 and 10002 were there before."""
    tuesday = START - timedelta(hours=11)
    _plan, (sunday_item, tuesday_item, named) = make_plan(
        [
            read("宪法全文"),
            read("周二截止", due=tuesday),
            read("点名周二截止", due=tuesday, usernames=["10001", "20001"]),
        ]
    )
    joined(app, START - timedelta(weeks=4), "10001", "10002")
    done(app, "10001", tuesday_item)
    done(app, "20001", tuesday_item)  # not theirs: due before they came, so not counted
    done(app, "10001", named)
    done(app, "20001", named)
    frozen_now(SUNDAY_2200 + timedelta(hours=1))
    people.user("30001", branch=org["first"])  # after all three were due
    rates = {
        line.item.title: line.rate
        for cell in grid(app, "admin1").weeks[WEEK - 1].plans
        for line in cell.items
    }
    assert rates == {
        "宪法全文": year.Rate(0, 5),
        "周二截止": year.Rate(1, 2),
        "点名周二截止": year.Rate(1, 1),
    }


def test_a_branch_plans_completion_counts_the_people_of_its_branch(app, make_plan, org):
    _plan, (item_id,) = make_plan([read("一支部自学")], by="sec1", branch="first", theme="一支部自学")
    done(app, "10002", item_id)
    found = grid(app, "sec1", org["first"].id)
    assert found.level.name == "第一党支部"
    assert found.weeks[WEEK - 1].rate == year.Rate(1, 3)  # sec1, 10001 and 10002
    assert grid(app, "admin1").weeks[WEEK - 1].plans == []  # the organisation's year shows none of it


def test_a_month_plan_is_on_its_month_with_its_completion(app, org):
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        spec = PlanSpec(PlanPeriod.MONTH, date(2026, 4, 1), "四月主题党日", items=[read("主题党日学习")])
        plan = service.save_plan(session, admin, spec, now=START)
        service.schedule(session, admin, plan.id, None, now=START)
        session.commit()
        item_id = plan.items[0].id
    done(app, "10001", item_id)
    april = grid(app, "admin1").months[3]
    assert [cell.plan.theme for cell in april.plans] == ["四月主题党日"]
    assert april.rate == year.Rate(1, 5)
    page = signed_in(app, "admin1").get("/plans/year/2026").get_data(as_text=True)
    assert "四月主题党日" in page.split('data-month="4"')[1].split("</tr>")[0]


def test_who_may_see_which_year_plan(app, people, org):
    people.user("sec2", Role.SECRETARY, org["second"])
    first, second = org["first"].id, org["second"].id
    admin = signed_in(app, "admin1")
    for path in (
        "/plans/year/2026",
        f"/plans/year/2026?branch={first}",
        f"/plans/year/2026/export.xlsx?branch={second}",
    ):
        assert admin.get(path).status_code == 200, path
    assert admin.get("/plans/year/2026?branch=999").status_code == 404
    for odd in ("x", "²", str(2**63)):
        assert admin.get(f"/plans/year/2026?branch={odd}").status_code == 404, odd
    assert admin.get("/plans/year/").headers["Location"] == "/plans/year/2026"

    secretary = signed_in(app, "sec1")
    assert secretary.get(f"/plans/year/2026?branch={first}").status_code == 200
    assert secretary.get("/plans/year/").headers["Location"] == f"/plans/year/2026?branch={first}"
    for path in (
        "/plans/year/2026?branch=",  # the organisation's
        f"/plans/year/2026?branch={second}",
        "/plans/year/2026/export.xlsx?branch=",
        f"/plans/year/2026/export.xlsx?branch={second}",
    ):
        assert secretary.get(path).status_code == 404, path
    page = secretary.get(f"/plans/year/2026?branch={first}").get_data(as_text=True)
    assert 'id="level-form"' not in page  # nothing else to choose
    # Without a level asked for, their own 党支部's (a link to a year shows the reader's own).
    own = secretary.get("/plans/year/2026")
    assert own.status_code == 200 and "<title>2026年度党建工作计划表 · 第一党支部" in own.get_data(
        as_text=True
    )
    export = secretary.get("/plans/year/2026/export.xlsx")
    assert export.status_code == 200 and f"branch-{first}.xlsx" in export.headers["Content-Disposition"]

    cadre = signed_in(app, "10001")
    for path in (
        "/plans/year/",
        "/plans/year/2026",
        "/plans/year/import",
        "/plans/year/import/template.xlsx",
    ):
        assert cadre.get(path).status_code == 403, path


def test_the_export_has_a_sheet_of_weeks_and_one_of_months_named_for_its_year_and_level(app, make_plan, org):
    _plan, (item_id, _other) = make_plan([read("宪法第一章总纲", points=3), read("宪法第二章")])
    done(app, "10001", item_id)
    response = signed_in(app, "admin1").get("/plans/year/2026/export.xlsx")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "year-plan-2026-org.xlsx" in disposition
    assert "2026%E5%B9%B4%E5%BA%A6" in disposition  # 2026年度…, with the level's name
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["每周计划", "月度计划"]
    weeks = [tuple(row) for row in workbook["每周计划"].iter_rows(values_only=True)]
    assert weeks[0] == ("2026年度党建工作计划表（全单位）",) + (None,) * 9
    assert weeks[1] == (
        "周次",
        "日期",
        "主题",
        "状态",
        "完成率",
        "内容",
        "形式",
        "完成时限",
        "分值",
        "已完成/应完成",
    )
    planned = [row for row in weeks[2:] if row[0] == WEEK]
    assert planned == [
        (
            WEEK,
            "2026-04-13至2026-04-19",
            "学习贯彻宪法",
            "已发布",
            "10%",
            "宪法第一章总纲",
            "阅读",
            "2026-04-19 22:00",
            3,
            "1/5",
        ),
        (
            WEEK,
            "2026-04-13至2026-04-19",
            "学习贯彻宪法",
            "已发布",
            "10%",
            "宪法第二章",
            "阅读",
            "2026-04-19 22:00",
            2,
            "0/5",
        ),
    ]
    assert len(weeks) == 2 + 52 + 2  # a row for each week without a plan, one per item for week 16
    months = [tuple(row) for row in workbook["月度计划"].iter_rows(values_only=True)]
    assert months[1][:5] == ("月份", "主题", "状态", "完成率", "各周完成率")
    assert months[5][:5] == (
        "4月",
        None,
        None,
        None,
        "10%",
    )  # April's weeks, though it has no plan of its own


def test_the_grid_reads_in_the_same_few_queries_however_many_plans_items_and_people(app, org, people):
    def statements() -> int:
        engine = app.extensions["studyhall.engine"]
        seen: list[str] = []

        def note(*_args: object) -> None:
            seen.append("q")

        event.listen(engine, "before_cursor_execute", note)
        try:
            found = grid(app, "admin1")
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert found.weeks
        return len(seen)

    def add_weeks(first: int, count: int) -> None:
        with app.app_context(), db.new_session() as session:
            admin = session.scalars(select(User).where(User.username == "admin1")).one()
            cadre = session.scalars(select(User).where(User.username == "10001")).one()
            for number in range(first, first + count):
                monday = year.week_monday(2026, number)
                items = [
                    read(f"第{number}周第{n}项", due=service.default_due(PlanPeriod.WEEK, monday))
                    for n in range(1, 4)
                ]
                items.append(
                    read("指定人员", due=service.default_due(PlanPeriod.WEEK, monday), usernames=["20001"])
                )
                plan = service.save_plan(
                    session, admin, PlanSpec(PlanPeriod.WEEK, monday, f"主题{number}", items=items), now=START
                )
                service.schedule(session, admin, plan.id, None, now=START)
                service.mark_done(session, cadre, plan.items[0], now=START)
            session.commit()

    add_weeks(1, 1)
    few = statements()
    add_weeks(2, 20)
    for n in range(30):
        people.user(f"3{n:04d}", branch=org["group"] if n % 2 else org["second"])
    assert statements() == few


def test_a_quick_link_opens_a_new_plan_for_that_week_and_level(app, org):
    first = org["first"].id
    page = (
        signed_in(app, "admin1")
        .get(f"/plans/new?period=month&start=2026-06-01&level={first}")
        .get_data(as_text=True)
    )
    assert 'value="2026-06-01"' in page
    assert re.search(r'<option selected value="month">|<option value="month" selected>', page)
    assert re.search(rf'<option selected value="{first}">|<option value="{first}" selected>', page)
