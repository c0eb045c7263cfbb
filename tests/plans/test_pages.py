"""The plan editor's pages: who may reach them, writing a plan an item at a time with each kind's
fields, messages that name the item and the field, scheduling, and the audit log of every change."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import AuditEvent, Role, User
from studyhall.plans import service
from studyhall.plans.document_formats import DocumentKind
from studyhall.plans.documents import Document
from studyhall.plans.models import ItemKind, MeetingKind, Plan, PlanItem, PlanPeriod, PlanStatus
from tests.conftest import START
from tests.plans.conftest import MONDAY, SUNDAY_2200, read, signed_in

NEXT_MONDAY = MONDAY + timedelta(weeks=1)
ITEM = {
    "title": "宪法第一章总纲",
    "due_at": "2026-04-26T22:00",
    "points": "2",
    "body_html": "第一段\n\n第二段",
}


def test_cadres_cannot_reach_the_editor(app, make_plan):
    plan_id, (item_id,) = make_plan([read("宪法全文")])
    client = signed_in(app, "10001")
    for path in (
        "/plans/",
        "/plans/new",
        f"/plans/{plan_id}",
        f"/plans/{plan_id}/preview",
        f"/plans/{plan_id}/items/{item_id}",
        f"/plans/{plan_id}/items/new?kind=read",
    ):
        assert client.get(path).status_code == 403, path
    for path in (
        f"/plans/{plan_id}/schedule",
        f"/plans/{plan_id}/unschedule",
        f"/plans/{plan_id}/items/{item_id}/remove",
    ):
        assert client.post(path).status_code == 403, path
    assert "/plans/" not in client.get("/").get_data(as_text=True)  # no link to it either


def test_a_secretary_cannot_open_another_branchs_plan_or_the_organisations(app, people, org, make_plan):
    """Nor the organisation's draft: the organisation's plans are read once published (below)."""
    people.user("sec2", Role.SECRETARY, org["second"])
    own_id, _own_items = make_plan([read("x")], by="sec1", branch="first", theme="一支部自学")
    for plan_id, (item_id,) in (
        make_plan([read("x")], theme="全体学习", publish=False),
        make_plan([read("x")], by="sec2", branch="second", theme="二支部自学"),
    ):
        client = signed_in(app, "sec1")
        for path in (
            f"/plans/{plan_id}",
            f"/plans/{plan_id}/preview",
            f"/plans/{plan_id}/items/{item_id}",
            f"/plans/{plan_id}/items/new?kind=read",
        ):
            assert client.get(path).status_code == 404, path
        for path in (
            f"/plans/{plan_id}/schedule",
            f"/plans/{plan_id}/unschedule",
            f"/plans/{plan_id}/items/{item_id}/remove",
            f"/plans/{plan_id}/items/{item_id}",
        ):
            assert client.post(path, data={**ITEM, "now": "1"}).status_code == 404, path
        listing = client.get("/plans/").get_data(as_text=True)
        assert "一支部自学" in listing and "全体学习" not in listing and "二支部自学" not in listing
    assert signed_in(app, "sec1").get(f"/plans/{own_id}").status_code == 200


def test_an_administrator_writes_a_plan_item_by_item_and_schedules_it(app, org, session):
    client = signed_in(app, "admin1")
    form = client.get("/plans/new").get_data(as_text=True)
    assert 'value="2026-04-20"' in form  # next week, by default
    created = client.post(
        "/plans/new", data={"level": "", "period": "week", "start": "2026-04-22", "theme": "学习贯彻宪法"}
    )
    plan = session.scalars(select(Plan)).one()
    assert created.headers["Location"] == f"/plans/{plan.id}"
    assert (plan.start, plan.branch_id, plan.status) == (NEXT_MONDAY, None, PlanStatus.DRAFT)  # its Monday

    new_item = client.get(f"/plans/{plan.id}/items/new?kind=read").get_data(as_text=True)
    assert 'value="2026-04-26T22:00"' in new_item  # due: the plan's Sunday, 22:00 local
    assert 'name="body_html"' in new_item and 'name="place"' not in new_item  # a read item's fields only
    saved = client.post(
        f"/plans/{plan.id}/items/new?kind=read",
        data={**ITEM, "due_at": "2026-04-26T22:00", "min_minutes": "10"},
    )
    assert saved.status_code == 302
    meeting = {
        "title": "支部党员大会",
        "due_at": "2026-04-24T17:00",
        "points": "3",
        "meeting_kind": "assembly",
        "starts_at": "2026-04-24T15:00",
        "place": "三楼会议室",
        "branch_ids": [str(org["first"].id)],
    }
    assert client.post(f"/plans/{plan.id}/items/new?kind=meeting", data=meeting).status_code == 302
    session.expire_all()
    first, second = session.scalars(select(PlanItem).order_by(PlanItem.position)).all()
    assert (first.kind, first.body_html, first.min_seconds) == (
        ItemKind.READ,
        "<p>第一段</p><p>第二段</p>",
        600,
    )
    assert first.due_at == datetime(2026, 4, 26, 14, 0, tzinfo=UTC)
    assert (second.meeting_kind, second.starts_at) == (
        MeetingKind.ASSEMBLY,
        datetime(2026, 4, 24, 7, 0, tzinfo=UTC),
    )
    assert [member.branch_id for member in second.audience] == [org["first"].id]

    # Editing one item leaves the other as it was; the editor shows the text as it was written.
    edit_page = client.get(f"/plans/{plan.id}/items/{first.id}").get_data(as_text=True)
    assert "第一段\n\n第二段</textarea>" in edit_page and 'value="10"' in edit_page
    client.post(f"/plans/{plan.id}/items/{first.id}", data={**ITEM, "title": "宪法第一章（修订）"})
    session.expire_all()
    assert [item.title for item in session.scalars(select(PlanItem).order_by(PlanItem.position))] == [
        "宪法第一章（修订）",
        "支部党员大会",
    ]

    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert 'value="2026-04-20T08:00"' in page  # publish: the plan's Monday, 08:00 local
    assert (
        client.post(f"/plans/{plan.id}/schedule", data={"publish_at": "2026-04-20T08:00"}).status_code == 302
    )
    session.expire_all()
    assert (plan.status, plan.publish_at) == (PlanStatus.SCHEDULED, datetime(2026, 4, 20, 0, 0, tzinfo=UTC))
    assert "2026-04-20 08:00" in client.get("/plans/").get_data(as_text=True)  # 已定时, with its time
    client.post(f"/plans/{plan.id}/unschedule")
    session.expire_all()
    assert (plan.status, plan.publish_at) == (PlanStatus.DRAFT, None)
    client.post(f"/plans/{plan.id}/schedule", data={"now": "1"})
    session.expire_all()
    assert (plan.status, plan.published_at) == (PlanStatus.PUBLISHED, START)
    refused = client.post(f"/plans/{plan.id}/unschedule", follow_redirects=True).get_data(as_text=True)
    assert "已发布" in refused and plan.status is PlanStatus.PUBLISHED

    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("plan.%")).order_by(AuditEvent.id)
    )
    assert list(actions) == ["plan.save"] * 4 + ["plan.schedule", "plan.unschedule", "plan.schedule"]
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "学习计划已保存" in audit and "学习计划设定发布" in audit and "学习计划退回草稿" in audit


def test_the_item_form_names_the_item_and_the_field_of_each_problem(app, make_plan, session):
    plan_id, _items = make_plan([read("第一篇")], publish=False)
    client = signed_in(app, "admin1")
    lacking = client.post(f"/plans/{plan_id}/items/new?kind=read", data={**ITEM, "body_html": " "})
    page = lacking.get_data(as_text=True)
    assert lacking.status_code == 422
    assert "第 2 项“宪法第一章总纲”，正文：请填写正文或上传文档。" in page  # in the summary
    assert re.search(r'id="body_html-error">请填写正文或上传文档。<', page)  # and at the field
    unreadable = client.post(f"/plans/{plan_id}/items/new?kind=read", data={**ITEM, "due_at": "周日晚上"})
    assert unreadable.status_code == 422
    assert "第 2 项“宪法第一章总纲”，截止时间：" in unreadable.get_data(as_text=True)
    meeting = client.post(
        f"/plans/{plan_id}/items/new?kind=meeting", data={**ITEM, "title": "党课", "meeting_kind": "lecture"}
    )
    assert "第 2 项“党课”，会议时间：请填写会议时间。" in meeting.get_data(as_text=True)
    unknown = client.post(f"/plans/{plan_id}/items/new?kind=read", data={**ITEM, "usernames": "10001 99999"})
    assert "第 2 项“宪法第一章总纲”，人员（工号）：工号 99999 不存在。" in unknown.get_data(as_text=True)
    assert len(session.get(Plan, plan_id).items) == 1  # nothing was added


def test_a_read_items_text_is_sanitised_when_saved(app, make_plan, session):
    plan_id, (item_id,) = make_plan([read("第一篇")], publish=False)
    client = signed_in(app, "admin1")
    body = '<h2 onclick="steal()">第五条</h2><p>依法治国<script>alert(1)</script><img src="http://evil/x.png"></p><a href="javascript:alert(1)">链接</a>'
    client.post(f"/plans/{plan_id}/items/{item_id}", data={**ITEM, "body_html": body})
    stored = session.get(PlanItem, item_id).body_html
    assert stored == '<h2>第五条</h2><p>依法治国</p><a rel="noopener noreferrer">链接</a>'
    preview = client.get(f"/plans/{plan_id}/preview").get_data(as_text=True)
    assert "<h2>第五条</h2>" in preview and "alert(1)" not in preview and "evil" not in preview


def test_a_secretary_plans_for_their_branch_and_names_only_its_people(app, org, session):
    client = signed_in(app, "sec1")
    form = client.get("/plans/new").get_data(as_text=True)
    assert 'name="level"' not in form and "第一党支部" in form
    client.post("/plans/new", data={"period": "week", "start": "2026-04-20", "theme": "支部学习"})
    plan = session.scalars(select(Plan)).one()
    assert plan.branch_id == org["first"].id
    item_form = client.get(f"/plans/{plan.id}/items/new?kind=read").get_data(as_text=True)
    assert "第一党小组" in item_form and "第二党支部" not in item_form  # their subtree only
    outside = client.post(f"/plans/{plan.id}/items/new?kind=read", data={**ITEM, "usernames": "20001"})
    assert outside.status_code == 422 and "不在您的党支部内" in outside.get_data(as_text=True)


def test_removing_an_item_keeps_the_others_progress_and_a_started_item_stays(app, make_plan, session):
    plan_id, (first, second, third) = make_plan([read("第一篇"), read("第二篇"), read("第三篇")])
    cadre = session.scalars(select(User).where(User.username == "10001")).one()
    with app.app_context(), db.new_session() as writer:
        service.mark_done(writer, cadre, writer.get(PlanItem, third), now=START)
        writer.commit()
    client = signed_in(app, "admin1")
    client.post(f"/plans/{plan_id}/items/{second}/remove")
    refused = client.post(f"/plans/{plan_id}/items/{third}/remove", follow_redirects=True)
    assert "已有人开始" in refused.get_data(as_text=True)
    with app.app_context(), db.new_session() as reader:
        mine = service.week_of(reader, reader.get(User, cadre.id), MONDAY, now=START)
        assert [(m.item.title, m.item.position, m.done) for m in mine] == [
            ("第一篇", 1, False),
            ("第三篇", 2, True),
        ]
    assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "plan.remove_item")).all()


def test_a_new_plan_starts_from_last_weeks(app, make_plan, session):
    make_plan([read("上周文章", usernames=["10001"]), read("全体文章")], theme="上周主题")
    client = signed_in(app, "admin1")
    response = client.post(
        "/plans/new", data={"level": "", "period": "week", "start": "2026-04-20", "copy": "1"}
    )
    copied = session.scalars(select(Plan).where(Plan.start == NEXT_MONDAY)).one()
    assert response.headers["Location"] == f"/plans/{copied.id}"
    assert copied.theme == "上周主题" and copied.status is PlanStatus.DRAFT
    assert [(item.title, item.due_at, item.audience) for item in copied.items] == [
        ("上周文章", SUNDAY_2200 + timedelta(weeks=1), []),  # named people stay with last week
        ("全体文章", SUNDAY_2200 + timedelta(weeks=1), []),
    ]
    nothing = client.post(
        "/plans/new",
        data={
            "level": str(service.levels(session)[1][0]),
            "period": "week",
            "start": "2026-04-20",
            "copy": "1",
        },
    )
    assert nothing.status_code == 422 and "没有更早的计划" in nothing.get_data(as_text=True)


def test_moving_a_plan_to_another_week_moves_its_items(app, make_plan, session):
    plan_id, (item_id,) = make_plan([read("第一篇")], publish=False)
    client = signed_in(app, "admin1")
    client.post(
        f"/plans/{plan_id}", data={"period": "week", "start": "2026-04-21", "theme": "改期", "notes": ""}
    )
    session.expire_all()
    assert session.get(Plan, plan_id).start == NEXT_MONDAY
    assert session.get(PlanItem, item_id).due_at == SUNDAY_2200 + timedelta(weeks=1)
    empty = client.post(f"/plans/{plan_id}", data={"period": "week", "start": "2026-04-21", "theme": " "})
    assert empty.status_code == 422 and "请填写计划主题" in empty.get_data(as_text=True)


def test_the_list_shows_this_and_coming_weeks_first(app, make_plan):
    for weeks, theme in ((-2, "两周前"), (1, "下周"), (0, "本周"), (-1, "上周"), (3, "三周后")):
        due = SUNDAY_2200 + timedelta(weeks=weeks)
        make_plan([read("x", due)], start=MONDAY + timedelta(weeks=weeks), theme=theme, publish=weeks <= 0)
    page = signed_in(app, "admin1").get("/plans/").get_data(as_text=True)
    order = re.findall(r'<a href="/plans/\d+">([^<]+)</a>', page)
    assert order == ["本周", "下周", "三周后", "上周", "两周前"]


def test_a_preview_shows_every_item_as_a_cadre_sees_it(app, make_plan):
    meeting = service.ItemSpec(
        ItemKind.MEETING,
        "主题党日",
        SUNDAY_2200,
        meeting_kind="theme_day",
        starts_at=SUNDAY_2200 - timedelta(days=2),
        place="革命纪念馆",
    )
    plan_id, _items = make_plan([read("第一篇", body_html="宪法是国家的根本法。"), meeting], publish=False)
    page = signed_in(app, "admin1").get(f"/plans/{plan_id}/preview").get_data(as_text=True)
    assert "宪法是国家的根本法。" in page and "革命纪念馆" in page and "主题党日" in page
    assert "我已学习" in page and 'action="/study/' not in page  # shown, but nothing to post


def test_an_item_someone_completed_keeps_its_points_and_minimum(app, make_plan, session):
    """Changed after 10001 earned 2 积分 with 1 minute read, the item's page and the week would say
    5 积分 and 30 minutes while the ledger says 2: the editor refuses, naming the field."""
    plan_id, (item_id,) = make_plan([read("第一篇", min_seconds=60)])
    cadre = session.scalars(select(User).where(User.username == "10001")).one()
    with app.app_context(), db.new_session() as writer:
        service.mark_done(writer, cadre, writer.get(PlanItem, item_id), now=START)
        writer.commit()
    client = signed_in(app, "admin1")
    form = client.get(f"/plans/{plan_id}/items/{item_id}").get_data(as_text=True)
    assert form.count("已有人完成此项，不能再修改。") == 2  # beside the points and the minimum time
    assert re.search(r'<input[^>]*id="points"[^>]*readonly', form)
    edit = {**ITEM, "title": "第一篇", "min_minutes": "1"}
    for changed, message in (
        ({"points": "5"}, "第 1 项“第一篇”，积分：已有人完成此项"),
        ({"min_minutes": "30"}, "第 1 项“第一篇”，最少时长（分钟）：已有人完成此项"),
    ):
        refused = client.post(f"/plans/{plan_id}/items/{item_id}", data={**edit, **changed})
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert (
        client.post(f"/plans/{plan_id}/items/{item_id}", data={**edit, "title": "第一篇（修订）"}).status_code
        == 302
    )
    session.expire_all()
    item = session.get(PlanItem, item_id)
    assert (item.title, item.points, item.min_seconds) == ("第一篇（修订）", 2, 60)


def test_a_due_time_of_another_year_shows_its_year_and_one_weeks_past_its_period_is_refused(app, make_plan):
    """The last week of 2026 is due on 3 January 2027: every short due time says 2027, while this
    year's say only the day. An item of the week of 7 December due 1 March is a typo, refused."""
    new_year = datetime(2027, 1, 3, 14, 0, tzinfo=UTC)  # Sunday 22:00 in Shanghai
    last_week = datetime(2026, 12, 28).date()
    plan_id, _items = make_plan([read("年末学习", new_year)], start=last_week, theme="年末")
    make_plan([read("本周学习")])
    admin = signed_in(app, "admin1")
    assert "2027-01-03 周日 22:00" in admin.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "2027-01-03 22:00" in admin.get("/plans/progress/?week=2026-12-28").get_data(as_text=True)
    assert "截止 2027-01-03 22:00" in admin.get("/plans/year/2026").get_data(as_text=True)
    cadre = signed_in(app, "10001")
    assert "截止 2027-01-03 周日 22:00" in cadre.get("/study/?week=2026-12-28").get_data(as_text=True)
    this_week = cadre.get("/study/").get_data(as_text=True)
    assert "截止 04-19 周日 22:00" in this_week and "2026-04-19" not in this_week

    december_sunday = datetime(2026, 12, 13, 14, 0, tzinfo=UTC)
    december, _items = make_plan(
        [read("十二月学习", december_sunday)], start=datetime(2026, 12, 7).date(), publish=False
    )
    late = admin.post(f"/plans/{december}/items/new?kind=read", data={**ITEM, "due_at": "2027-03-01T22:00"})
    assert late.status_code == 422
    assert (
        "第 2 项“宪法第一章总纲”，截止时间：2027-03-01 距第50周（2026年12月7日至12月13日）结束已超过 8 周"
        in late.get_data(as_text=True)
    )
    in_time = {**ITEM, "due_at": "2027-02-07T22:00"}  # eight weeks after its Sunday: still its own
    assert admin.post(f"/plans/{december}/items/new?kind=read", data=in_time).status_code == 302


def test_a_secretary_reads_the_organisations_plans_beside_their_own(app, make_plan):
    """Their 党支部 studies the organisation's plans too: listed to read (全单位, its preview and
    progress), never to edit; with none yet, the list says who makes them."""
    empty = signed_in(app, "sec1").get("/plans/").get_data(as_text=True)
    assert "还没有学习计划。" in empty and "全单位计划由管理员制定" in empty
    org_id, _items = make_plan([read("宪法全文")], theme="全体学习")
    next_sunday = SUNDAY_2200 + timedelta(weeks=1)
    make_plan([read("x", next_sunday)], start=NEXT_MONDAY, theme="全体草稿", publish=False)
    own_id, _items = make_plan(
        [read("x", next_sunday)], by="sec1", branch="first", start=NEXT_MONDAY, theme="一支部自学"
    )
    client = signed_in(app, "sec1")
    listing = client.get("/plans/").get_data(as_text=True)
    assert re.findall(r'<tr data-plan="(\d+)"', listing) == [str(org_id), str(own_id)]  # this week first
    row = listing.split(f'<tr data-plan="{org_id}" data-read-only>')[1].split("</tr>")[0]
    assert "全单位" in row and "由管理员制定" in row and f"/plans/{org_id}/preview" in row
    assert f"/plans/progress/?plan={org_id}" in row and f'href="/plans/{org_id}"' not in row
    assert "全体草稿" not in listing
    preview = client.get(f"/plans/{org_id}/preview").get_data(as_text=True)
    assert "宪法全文" in preview and f'href="/plans/{org_id}"' not in preview and "返回计划列表" in preview
    assert client.get(f"/plans/progress/?plan={org_id}").status_code == 200
    assert client.get(f"/plans/{org_id}").status_code == 404  # to read only


def test_the_copy_button_is_named_for_the_period_and_a_branch_without_plans_is_told_why(app, org):
    client = signed_in(app, "sec1")
    form = client.get("/plans/new?period=month").get_data(as_text=True)
    assert re.search(r'id="copy-previous"[^>]*>沿用上月计划</button>', form)
    assert re.search(
        r'id="copy-previous"[^>]*>沿用上周计划</button>', client.get("/plans/new").get_data(as_text=True)
    )
    refused = client.post("/plans/new", data={"period": "week", "start": "2026-04-20", "copy": "1"})
    assert "该党支部没有更早的计划可以沿用：全单位的计划由管理员制定" in refused.get_data(as_text=True)


def test_the_editor_says_sizes_months_and_minutes_plainly(app, org, make_plan, session):
    """A 37 KB file is not 0.0 MB; a month's plan is 2026年5月, not 2026年5月 月; the minimum time
    is asked in minutes and refused in minutes."""
    with app.app_context(), db.new_session() as writer:
        admin = writer.scalars(select(User).where(User.username == "admin1")).one()
        month = service.PlanSpec(PlanPeriod.MONTH, datetime(2026, 5, 1).date(), "五月学习")
        service.save_plan(writer, admin, month, now=START)
        writer.add(
            Document(
                kind=DocumentKind.PDF,
                filename="学习材料.pdf",
                content_type="application/pdf",
                size=37 * 1024,
                sha256="0" * 64,
                path="00/0.pdf",
                uploaded_by_id=admin.id,
                uploaded_at=START,
            )
        )
        writer.commit()
    client = signed_in(app, "admin1")
    assert ">37 KB</td>" in client.get("/plans/documents").get_data(as_text=True)
    listing = client.get("/plans/").get_data(as_text=True)
    row = listing.split("五月学习")[0].rsplit("<tr", 1)[1]
    assert "2026年5月</td>" in row
    plan_id, _items = make_plan([read("第一篇")], publish=False)
    long = client.post(f"/plans/{plan_id}/items/new?kind=read", data={**ITEM, "min_minutes": "300"})
    assert "最短学习时间须在 1 到 240 分钟之间。" in long.get_data(as_text=True)
