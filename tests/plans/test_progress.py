"""学习进度: each person's state on each item of a plan, who is behind, sorted by any column,
exported to .xlsx, for a secretary's own 党支部 and for administrators' choice; nobody else's."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from studyhall import db
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Role, User
from studyhall.plans import progress
from tests.conftest import START
from tests.plans.conftest import MONDAY, SUNDAY_2200, THURSDAY, joined, read, signed_in


def rows(page: str) -> list[tuple[str, list[str]]]:
    """Each person's 工号 and the states of their cells, in the table's order."""
    body = page.split('id="progress"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [
        (username, re.findall(r'class="cell" data-state="(\w+)"', row))
        for username, row in re.findall(r'<tr data-username="([^"]+)"(.*?)</tr>', body, flags=re.DOTALL)
    ]


def order(page: str) -> list[str]:
    return [username for username, _cells in rows(page)]


def test_a_secretary_sees_each_state_the_counts_and_who_is_behind(app, week):
    _plan, items = week
    page = signed_in(app, "sec1").get("/plans/progress/").get_data(as_text=True)
    assert rows(page) == [
        ("10001", ["done", "done", "not_theirs", "not_theirs"]),
        ("sec1", ["not_started", "overdue", "not_theirs", "not_theirs"]),
        ("10002", ["started", "overdue", "not_theirs", "not_started"]),
    ]  # the 党支部's own members, then its 党小组's
    assert 'data-username="10001" data-done="2" data-behind="0"' in page
    assert 'data-username="sec1" data-done="0" data-behind="2"' in page
    assert 'data-username="10002" data-done="0" data-behind="3"' in page
    assert "04-15 09:00" in page  # when 王建国 was done
    assert "第一党支部 / 第一党小组" in page
    counts = re.findall(r'<td data-item="(\d+)" data-done="(\d+)" data-people="(\d+)"', page)
    assert counts == [
        (str(items[0]), "1", "3"),
        (str(items[1]), "1", "3"),
        (str(items[2]), "0", "0"),
        (str(items[3]), "0", "1"),
    ]
    assert 'data-people="3" data-behind="2"' in page
    assert "3 人 · 2 人有未完成的任务，其中 2 人已逾期" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["10001", "sec1", "10002"]),  # by branch: the 党支部, then its 党小组
        ("?sort=branch&dir=desc", ["10002", "10001", "sec1"]),
        ("?sort=username", ["10001", "10002", "sec1"]),
        ("?sort=username&dir=desc", ["sec1", "10002", "10001"]),
        ("?sort=name", ["10002", "sec1", "10001"]),  # by pinyin: 李晓燕 li, 书记甲 shu, 王建国 wang
        ("?sort=done&dir=desc", ["10001", "10002", "sec1"]),
        ("?sort=behind&dir=desc", ["10002", "sec1", "10001"]),
        ("?sort=behind&dir=asc", ["10001", "sec1", "10002"]),
        ("?sort=nonsense", ["10001", "sec1", "10002"]),
    ],
)
def test_the_table_sorts_by_the_column_asked_for(app, week, query, expected):
    assert order(signed_in(app, "sec1").get(f"/plans/progress/{query}").get_data(as_text=True)) == expected


def test_a_column_heading_sorts_by_it_and_again_reverses(app, week):
    client = signed_in(app, "sec1")
    page = client.get("/plans/progress/").get_data(as_text=True)
    plan_id, _items = week
    link = re.search(r'data-sort="behind">\s*<a href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "sort=behind" in link and "dir=desc" in link and f"plan={plan_id}" in link  # most behind first
    sorted_page = client.get(link).get_data(as_text=True)
    assert order(sorted_page) == ["10002", "sec1", "10001"]
    assert 'data-sort="behind" aria-sort="descending"' in sorted_page
    again = re.search(r'data-sort="behind" aria-sort="descending">\s*<a href="([^"]+)"', sorted_page).group(1)
    assert "dir=asc" in again


def test_the_export_holds_the_whole_table_in_its_order_named_by_branch_and_week(app, week):
    response = signed_in(app, "sec1").get("/plans/progress/export.xlsx?sort=behind&dir=desc")
    assert response.status_code == 200
    disposition = unquote(response.headers["Content-Disposition"])
    assert "学习进度 第一党支部 2026-04-13~2026-04-19 学习贯彻宪法.xlsx" in disposition
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["第一党支部 2026-04-13", "按任务统计"]
    table = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert table[0] == [
        "姓名",
        "工号",
        "所在支部",
        "1. 宪法全文",
        "2. 党章学习",
        "3. 第二支部专题",
        "4. 个人任务",
        "已完成",
        "未完成",
        "已逾期",
    ]
    assert table[1:] == [
        ["李晓燕", "10002", "第一党支部 / 第一党小组", "已开始", "已逾期", "—", "未开始", 0, 3, 1],
        ["书记甲", "sec1", "第一党支部", "未开始", "已逾期", "—", "—", 0, 2, 1],
        ["王建国", "10001", "第一党支部", "已完成 04-15 09:00", "已完成 04-15 09:00", "—", "—", 2, 0, 0],
    ]
    per_item = [list(row) for row in workbook.worksheets[1].iter_rows(values_only=True)]
    assert per_item[0] == ["学习任务", "类型", "截止时间", "人员", "已完成", "未完成"]
    assert per_item[2] == ["2. 党章学习", "阅读", "2026-04-15 22:00", 3, 1, 2]


def test_administrators_see_the_whole_organisation_or_any_branch(app, week, org):
    client = signed_in(app, "admin1")
    whole = client.get("/plans/progress/").get_data(as_text=True)
    assert sorted(order(whole)) == ["10001", "10002", "20001", "admin1", "sec1"]
    assert dict(rows(whole))["20001"] == ["not_started", "overdue", "not_started", "not_theirs"]
    assert "第二党支部" in whole and "全单位" in whole
    second = client.get(f"/plans/progress/?branch={org['second'].id}").get_data(as_text=True)
    assert order(second) == ["20001"]
    workbook = load_workbook(io.BytesIO(client.get("/plans/progress/export.xlsx").data))
    assert workbook.sheetnames[0] == "全单位 2026-04-13"
    assert workbook.worksheets[0].max_row == 6  # the heading and five people
    assert client.get(f"/plans/progress/?branch={org['group'].id}").status_code == 404  # a 党小组


def test_a_secretary_sees_only_their_own_branch_and_a_cadre_nothing(app, week, org, make_plan):
    other_plan, _ = make_plan([read("第二支部计划")], branch="second", theme="第二支部的计划")
    secretary = signed_in(app, "sec1")
    assert secretary.get(f"/plans/progress/?branch={org['first'].id}").status_code == 200
    assert secretary.get(f"/plans/progress/?branch={org['second'].id}").status_code == 404
    assert secretary.get(f"/plans/progress/export.xlsx?branch={org['second'].id}").status_code == 404
    assert secretary.get(f"/plans/progress/?plan={other_plan}").status_code == 404
    assert "第二支部的计划" not in secretary.get("/plans/progress/").get_data(as_text=True)
    assert signed_in(app, "10001").get("/plans/progress/").status_code == 403
    assert signed_in(app, "admin1").get(f"/plans/progress/?plan={other_plan}").status_code == 200


def test_a_week_with_two_plans_offers_both_and_a_draft_is_not_among_them(app, week, make_plan):
    plan_id, _ = week
    own_plan, _ = make_plan([read("支部学习")], by="sec1", branch="first", theme="支部自己的计划")
    draft, _ = make_plan([read("草稿")], publish=False, theme="还没发布")
    client = signed_in(app, "sec1")
    page = client.get("/plans/progress/").get_data(as_text=True)
    current = re.search(r'plan=(\d+)&amp;branch=\d+" aria-current="page">([^<]+)<', page)
    assert current.groups() == (str(plan_id), "全单位 · 学习贯彻宪法")  # the organisation's first
    assert "第一党支部 · 支部自己的计划" in page and "还没发布" not in page
    assert order(client.get(f"/plans/progress/?plan={own_plan}").get_data(as_text=True)) == [
        "10001",
        "sec1",
        "10002",
    ]
    assert client.get(f"/plans/progress/?plan={draft}").status_code == 404


def test_earlier_weeks_are_browsable_and_an_empty_week_says_so(app, week, make_plan):
    last_monday = MONDAY - timedelta(weeks=1)
    joined(app, START - timedelta(weeks=4))
    make_plan([read("上周的文章", due=SUNDAY_2200 - timedelta(weeks=1))], start=last_monday, theme="上周主题")
    client = signed_in(app, "sec1")
    this_week = client.get("/plans/progress/").get_data(as_text=True)
    assert "学习贯彻宪法" in this_week and f"week={last_monday.isoformat()}" in this_week
    earlier = client.get(f"/plans/progress/?week={last_monday.isoformat()}").get_data(as_text=True)
    assert "上周主题" in earlier and "学习贯彻宪法" not in earlier
    assert rows(earlier)[0][1] == ["overdue"]
    empty = client.get("/plans/progress/?week=2026-03-02").get_data(as_text=True)
    assert 'id="no-plan"' in empty
    nothing = client.get("/plans/progress/export.xlsx?week=2026-03-02")
    assert nothing.status_code == 302 and nothing.location == "/plans/progress/?week=2026-03-02&branch=2"
    assert client.get("/plans/progress/?week=not-a-day").status_code == 404


def add_people(app, org, count: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        for number in range(count):
            accounts.create_user(
                session,
                None,
                username=f"3{number:04d}",
                display_name=f"干警{number}",
                role=Role.CADRE,
                branch_id=org["group"].id,
                password="correct-horse-1",
                now=START,
            )
        session.commit()


def test_a_large_branch_is_paged_and_exported_whole(app, week, org):
    add_people(app, org, progress.PER_PAGE)  # with the three before: a page and three more
    client = signed_in(app, "sec1")
    first = client.get("/plans/progress/?sort=username").get_data(as_text=True)
    assert len(order(first)) == progress.PER_PAGE and order(first)[:2] == ["10001", "10002"]
    second = client.get("/plans/progress/?sort=username&page=2").get_data(as_text=True)
    assert order(second) == ["30048", "30049", "sec1"]
    workbook = load_workbook(io.BytesIO(client.get("/plans/progress/export.xlsx").data))
    assert workbook.worksheets[0].max_row == progress.PER_PAGE + 3 + 1


def statements(app, run) -> int:  # type: ignore[no-untyped-def]
    """How many SQL statements `run(session)` sends."""
    engine = app.extensions["studyhall.engine"]
    sent: list[str] = []

    def count(*_args) -> None:  # type: ignore[no-untyped-def]
        sent.append("statement")

    event.listen(engine, "before_cursor_execute", count)
    try:
        with app.app_context(), db.new_session() as session:
            run(session)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)


def test_the_table_takes_as_many_queries_for_a_large_branch_as_for_a_small_one(app, week, org):
    plan_id, _ = week

    def build(session) -> None:  # type: ignore[no-untyped-def]
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        scope = progress.scope_for(session, admin)
        found = progress.table(
            session, scope, progress.plan_in(session, scope, plan_id, now=THURSDAY), now=THURSDAY
        )
        assert found.rows

    small = statements(app, build)
    add_people(app, org, 60)
    assert statements(app, build) == small


def test_an_excused_person_is_neither_done_nor_behind(app, week, monkeypatch):
    """The hook 三会一课 attendance fills: someone on leave for an item."""
    _plan, items = week
    with app.app_context(), db.new_session() as session:
        sec1 = session.scalars(select(User.id).where(User.username == "sec1")).one()
    monkeypatch.setattr(progress, "excused", lambda _session, _items, _people: {(items[1], sec1)})
    page = signed_in(app, "sec1").get("/plans/progress/").get_data(as_text=True)
    assert dict(rows(page))["sec1"] == ["not_started", "excused", "not_theirs", "not_theirs"]
    assert 'data-username="sec1" data-done="0" data-behind="1"' in page


def test_the_plan_editor_leads_to_its_progress(app, week):
    plan_id, _ = week
    client = signed_in(app, "admin1")
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" id="progress-link"', page).group(1).replace("&amp;", "&")
    assert order(client.get(link).get_data(as_text=True))  # the whole organisation's people


@pytest.mark.parametrize(
    "query",
    [
        "?plan=99999999999",
        "?plan=abc",
        "?branch=²",
        "?branch=-1",
        "?page=-3",
        "?page=999",
        "?sort=__class__&dir=up",
    ],
)
def test_odd_query_strings_fall_back_to_the_usual_table(app, week, query):
    page = signed_in(app, "admin1").get(f"/plans/progress/{query}")
    assert page.status_code == 200 and len(order(page.get_data(as_text=True))) == 5


def test_someone_added_later_is_not_behind_on_what_was_due_before_their_account(
    app, week, make_plan, people, org
):
    """People imported on Thursday: 党章学习 (due Wednesday 22:00) and last week's plan were never
    theirs, so they are not shown overdue on them, nor counted among its people."""
    _plan, items = week
    last_monday = MONDAY - timedelta(weeks=1)
    make_plan([read("上周的文章", due=SUNDAY_2200 - timedelta(weeks=1))], start=last_monday, theme="上周主题")
    joined(app, START - timedelta(weeks=4))  # the fixtures' people were there all along
    people.user("30001", branch=org["first"], name="新同志")  # made now: Thursday
    client = signed_in(app, "sec1")
    page = client.get("/plans/progress/").get_data(as_text=True)
    assert ("30001", ["not_started", "not_theirs", "not_theirs", "not_theirs"]) in rows(page)
    counts = re.findall(r'<td data-item="(\d+)" data-done="(\d+)" data-people="(\d+)"', page)
    assert counts[:2] == [(str(items[0]), "1", "4"), (str(items[1]), "1", "3")]
    assert "4 人 · 3 人有未完成的任务，其中 2 人已逾期" in page
    earlier = client.get(f"/plans/progress/?week={last_monday.isoformat()}").get_data(as_text=True)
    assert "30001" not in order(earlier) and sorted(order(earlier)) == ["10001", "10002", "sec1"]
