"""Odd dates, numbers and levels sent to the plans feature: a plan, an item or a meeting outside
the years the plans feature takes is refused naming its field, a published or scheduled plan keeps
its week, an item is never due before its plan begins, a week, year or row number in a query is
the default or not found, and plans are the organisation's or a 党支部's only. Never a 500."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.errors import DomainError
from studyhall.plans import service
from studyhall.plans.meeting_models import Meeting
from studyhall.plans.models import Plan, PlanItem, PlanPeriod, PlanStatus
from studyhall.plans.service import PlanSpec
from tests.conftest import START
from tests.plans.conftest import MONDAY, SUNDAY_2200, read, signed_in
from tests.plans.test_meeting_pages import details
from tests.plans.test_year_import import one_week, row, token_of, upload, xlsx

FAR = ("9999-12-31", "0001-01-01", "1999-12-26", "2101-01-03")
HUGE = ("99999999999999999999", "-99999999999999999999", "-1", "²", "9" * 5000)


def plan_count(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        return session.scalar(select(func.count()).select_from(Plan)) or 0


@pytest.mark.parametrize("start", FAR)
def test_a_plan_outside_the_years_is_refused_and_every_list_still_opens(app, make_plan, start):
    make_plan([read("上周的任务")])  # "start from the latest earlier plan" would move its items as far
    for username, copy in (("admin1", ""), ("sec1", ""), ("admin1", "1")):
        client = signed_in(app, username)
        data = {"level": "", "period": "week", "start": start, "theme": "x", "copy": copy}
        refused = client.post("/plans/new", data=data)
        assert refused.status_code == 422
        assert "所在周或月：请选择 2000-01-01 至 2101-01-02 之间的日期。" in refused.get_data(as_text=True)
        assert client.get("/plans/").status_code == 200
    assert plan_count(app) == 1


def test_the_first_and_last_weeks_and_months_of_the_years_are_taken(app, org):
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        for period, day in (
            (PlanPeriod.WEEK, date(2000, 1, 3)),
            (PlanPeriod.MONTH, date(2000, 1, 1)),
            (PlanPeriod.WEEK, date(2101, 1, 2)),  # the last ISO week of 2100
            (PlanPeriod.MONTH, date(2100, 12, 31)),
        ):
            service.save_plan(session, admin, PlanSpec(period, day, "边界"), now=START)
        session.commit()
    assert signed_in(app, "admin1").get("/plans/").status_code == 200


@pytest.mark.parametrize("status", [PlanStatus.PUBLISHED, PlanStatus.SCHEDULED])
def test_a_plan_people_see_or_are_to_see_keeps_its_week(app, make_plan, status):
    plan_id, (item_id,) = make_plan([read("宪法全文")], publish=status is PlanStatus.PUBLISHED)
    client = signed_in(app, "admin1")
    if status is PlanStatus.SCHEDULED:
        client.post(f"/plans/{plan_id}/schedule", data={"publish_at": "2026-04-20T08:00"})
    words = "该计划已发布" if status is PlanStatus.PUBLISHED else "请先撤回定时发布"
    for period, start, said in (
        ("week", "2026-04-20", words),
        ("month", "2026-04-13", words),
        ("month", "0001-01-01", "所在周或月：请选择 2000-01-01"),
    ):
        moved = client.post(f"/plans/{plan_id}", data={"period": period, "start": start, "theme": "改期"})
        assert moved.status_code == 422 and said in moved.get_data(as_text=True), start
    # Its theme may still change, in its own week.
    same = client.post(f"/plans/{plan_id}", data={"period": "week", "start": "2026-04-15", "theme": "新主题"})
    assert same.status_code == 302
    with app.app_context(), db.new_session() as session:
        plan = session.get(Plan, plan_id)
        assert (plan.period, plan.start, plan.theme, plan.status) == (
            PlanPeriod.WEEK,
            MONDAY,
            "新主题",
            status,
        )
        assert session.get(PlanItem, item_id).due_at == SUNDAY_2200
    if status is PlanStatus.PUBLISHED:
        assert client.get(f"/plans/progress/?plan={plan_id}").status_code == 200


def test_a_draft_still_moves_with_its_items(app, make_plan):
    plan_id, (item_id,) = make_plan([read("宪法全文")], publish=False)
    client = signed_in(app, "admin1")
    moved = client.post(f"/plans/{plan_id}", data={"period": "week", "start": "2026-04-22", "theme": "改期"})
    assert moved.status_code == 302
    with app.app_context(), db.new_session() as session:
        assert session.get(Plan, plan_id).start == date(2026, 4, 20)
        assert session.get(PlanItem, item_id).due_at == datetime(
            2026, 4, 26, 14, 0, tzinfo=SUNDAY_2200.tzinfo
        )


@pytest.mark.parametrize(
    ("kind", "fields", "words"),
    [
        ("read", {"due_at": "0001-01-01T00:00"}, "截止时间：请选择 2000-01-01 至 2101-01-02 之间的日期。"),
        ("read", {"due_at": "9999-12-31T23:59"}, "截止时间：请选择 2000-01-01 至 2101-01-02 之间的日期。"),
        (
            "meeting",
            {"starts_at": "0001-01-01T00:00", "meeting_kind": "assembly"},
            "会议时间：请选择 2000-01-01 至 2101-01-02 之间的日期。",
        ),
        (
            "meeting",
            {"starts_at": "9999-12-31T23:59", "meeting_kind": "assembly"},
            "会议时间：请选择 2000-01-01 至 2101-01-02 之间的日期。",
        ),
        # Due before its week begins: overdue the moment it appeared (as the year import refuses it).
        (
            "read",
            {"due_at": "2026-04-10T22:00"},
            "截止时间：2026-04-10 早于第16周（2026年4月13日至4月19日）的开始。",
        ),
    ],
)
def test_an_item_outside_its_plans_days_is_refused_naming_its_field(app, make_plan, kind, fields, words):
    plan_id, _items = make_plan([read("宪法全文")])
    client = signed_in(app, "admin1")
    data = {"title": "新任务", "due_at": "2026-04-19T22:00", "points": "1", "body_html": "内容", **fields}
    refused = client.post(f"/plans/{plan_id}/items/new?kind={kind}", data=data)
    assert refused.status_code == 422
    assert words in refused.get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(PlanItem)) == 1
    for path in (f"/plans/{plan_id}", "/plans/", f"/plans/progress/?plan={plan_id}"):
        assert client.get(path).status_code == 200, path


def test_a_publish_time_outside_the_years_is_refused(app, make_plan):
    plan_id, _items = make_plan([read("宪法全文")], publish=False)
    client = signed_in(app, "admin1")
    for at in ("9999-12-31T23:59", "0001-01-01T00:00"):
        client.post(f"/plans/{plan_id}/schedule", data={"publish_at": at})
    with app.app_context(), db.new_session() as session:
        plan = session.get(Plan, plan_id)
        assert (plan.status, plan.publish_at) == (PlanStatus.DRAFT, None)


@pytest.mark.parametrize(
    "fields",
    [
        {"starts_at": "0001-01-01T00:00", "ends_at": ""},
        {"starts_at": "9999-12-31T23:00", "ends_at": ""},
        {"starts_at": "9999-12-31T23:00", "ends_at": "9999-12-31T23:30"},
        {"ends_at": "9999-12-31T23:30"},
    ],
)
def test_a_meeting_outside_the_years_is_refused_naming_its_field(app, org, fields):
    client = signed_in(app, "sec1")
    page = client.post(f"/meetings/new?branch={org['first'].id}", data=details(**fields))
    assert page.status_code == 422 or page.status_code == 200
    assert "时间：请选择 2000-01-01 至 2101-01-02 之间的日期。" in page.get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_a_far_week_or_year_in_a_query_is_the_default_or_not_found(app, make_plan, people):
    plan_id, _items = make_plan([read("宪法全文")])
    for username in ("admin1", "sec1", "10001"):
        client = signed_in(app, username)
        for day in FAR:
            assert client.get(f"/study/?week={day}").status_code == 404, (username, day)
        assert client.get("/study/archive/?year=99999").status_code == 404
        assert client.get("/study/archive/?year=²").status_code == 404
    admin = signed_in(app, "admin1")
    for day in FAR:
        assert admin.get(f"/plans/progress/?week={day}").status_code == 404, day
        assert admin.get(f"/reflections/review?week={day}").status_code == 200, day
        new = admin.get(f"/plans/new?start={day}")
        assert new.status_code == 200 and 'value="2026-04-20"' in new.get_data(as_text=True)
    for quarter in ("99999Q1", "²Q1", "2026Q²", "0001Q1"):
        assert admin.get(f"/meetings/?quarter={quarter}").status_code == 200, quarter
        assert admin.get(f"/meetings/checklist?quarter={quarter}").status_code == 200, quarter
    for year in ("99999", "²", "-1"):
        assert admin.get(f"/plans/year/import?year={year}").status_code == 200, year
        assert admin.get(f"/plans/year/import/template.xlsx?year={year}").status_code == 404, year
    # The first and last weeks taken open, with no neighbour past the ends to fail on.
    assert admin.get("/study/?week=2000-01-03").status_code == 200
    assert admin.get("/study/?week=2101-01-02").status_code == 200
    assert admin.get("/plans/progress/?week=2101-01-02").status_code == 200


@pytest.mark.parametrize("number", HUGE)
def test_a_huge_or_negative_row_number_in_a_query_is_harmless(app, make_plan, number):
    make_plan([read("宪法全文")])
    admin = signed_in(app, "admin1")
    for path in (
        f"/reflections/review?plan={number}",
        f"/meetings/?branch={number}",
        f"/plans/progress/?plan={number}",
        f"/points/board?branch={number}",
        f"/admin/users?branch={number}",
    ):
        assert admin.get(path).status_code in {200, 404}, path
    assert admin.get(f"/meetings/new?branch={number}").status_code == 200  # choose the branch
    assert admin.get(f"/plans/year/2026?branch={number}").status_code == 404


def test_plans_are_the_organisations_or_a_party_branchs_only(app, org):
    group, root, first = org["group"].id, org["root"].id, org["first"].id
    admin = signed_in(app, "admin1")
    for branch in (group, root):
        assert admin.get(f"/plans/year/2026?branch={branch}").status_code == 404, branch
        assert admin.get(f"/plans/year/2026/export.xlsx?branch={branch}").status_code == 404, branch
    # The confirmation takes no level the upload did not: a 党小组's plan is never made.
    page = upload(admin, xlsx(one_week(row()))).get_data(as_text=True)
    for level in (str(group), str(root)):
        form = {"token": token_of(page), "year": "2026", "level": level}
        assert admin.post("/plans/year/import/confirm", data=form).status_code == 404, level
    assert plan_count(app) == 0
    with app.app_context(), db.new_session() as session:
        actor = session.scalars(select(User).where(User.username == "admin1")).one()
        for branch in (group, root):
            with pytest.raises(DomainError, match="只能属于整个机关或某个党支部"):
                service.save_plan(
                    session, actor, PlanSpec(PlanPeriod.WEEK, MONDAY, "小组学习", branch), now=START
                )
        assert service.save_plan(
            session, actor, PlanSpec(PlanPeriod.WEEK, MONDAY, "支部学习", first), now=START
        )
