"""Plans: scheduled publication (the server down at 08:00 included), who sees which item, items
done once with their points, and what editing keeps."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.errors import DomainError
from studyhall.plans import service
from studyhall.plans.models import ItemKind, Plan, PlanPeriod, PlanStatus
from studyhall.plans.service import ItemSpec, PlanSpec
from studyhall.points.models import PointAward
from tests.conftest import START

MONDAY = date(2026, 4, 13)  # START's week
MONDAY_0800 = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai, the Monday after
DUE = datetime(2026, 4, 26, 14, 0, tzinfo=UTC)  # Sunday 22:00 in Shanghai


def user(session, username: str) -> User:  # type: ignore[no-untyped-def]
    return session.scalars(select(User).where(User.username == username)).one()


def read(title: str, **audience) -> ItemSpec:  # type: ignore[no-untyped-def]
    return ItemSpec(ItemKind.READ, title, DUE, points=2, body_html="<p>学习内容</p>", **audience)


def make_plan(session, actor: str, items: list[ItemSpec], *, start=MONDAY, branch_id=None) -> Plan:  # type: ignore[no-untyped-def]
    spec = PlanSpec(PlanPeriod.WEEK, start, "学习贯彻宪法", branch_id, items=items)
    return service.save_plan(session, user(session, actor), spec, now=START)


def titles(session, username: str, day: date, now: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    return [mine.item.title for mine in service.week_of(session, user(session, username), day, now=now)]


def test_an_item_due_before_someones_account_was_made_is_not_theirs(app, org, people, frozen_now):
    """Imported on Wednesday of the next week: last week's items and this week's due Tuesday are
    not in their week, their 往周未完成 or their reach; this week's due later are."""
    with app.app_context(), db.new_session() as session:
        tuesday = DUE - timedelta(days=5)  # the next week's Tuesday 22:00
        last_week = ItemSpec(ItemKind.READ, "上周的文章", DUE - timedelta(weeks=1), body_html="<p>学习</p>")
        last = make_plan(session, "admin1", [last_week], start=MONDAY)
        this = make_plan(
            session,
            "admin1",
            [ItemSpec(ItemKind.READ, "周二截止", tuesday, body_html="<p>学习</p>"), read("周日截止")],
            start=MONDAY + timedelta(weeks=1),
        )
        for plan in (last, this):
            service.schedule(session, user(session, "admin1"), plan.id, None, now=START)
        session.commit()
        last_item, (tuesday_item, sunday_item) = last.items[0].id, [item.id for item in this.items]
    wednesday = frozen_now(tuesday + timedelta(hours=12))
    people.user("30001", branch=org["first"], name="新同志")
    with app.app_context(), db.new_session() as session:
        newcomer, old_hand = user(session, "30001"), user(session, "10001")
        next_week = MONDAY + timedelta(weeks=1)
        assert titles(session, "30001", next_week, wednesday) == ["周日截止"]
        assert titles(session, "10001", next_week, wednesday) == ["周二截止", "周日截止"]
        assert titles(session, "30001", MONDAY, wednesday) == []
        assert service.overdue(session, newcomer, next_week, now=wednesday) == []
        assert [mine.item.id for mine in service.overdue(session, old_hand, next_week, now=wednesday)] == [
            last_item
        ]
        for item_id in (last_item, tuesday_item):
            with pytest.raises(DomainError):
                service.item_for(session, newcomer, item_id, now=wednesday)
        assert service.item_for(session, newcomer, sunday_item, now=wednesday).item.title == "周日截止"


def test_a_scheduled_plan_appears_at_its_time_even_if_the_server_was_down_then(app, org):
    with app.app_context(), db.new_session() as session:
        plan = make_plan(session, "admin1", [read("宪法全文")], start=MONDAY + timedelta(weeks=1))
        service.schedule(session, user(session, "admin1"), plan.id, MONDAY_0800, now=START)
        session.commit()
        next_week = MONDAY + timedelta(weeks=1)
        assert titles(session, "10001", next_week, MONDAY_0800 - timedelta(seconds=1)) == []
        # 08:00 came while the server was down: no sweep ran; at 10:00 the plan shows all the same,
        assert titles(session, "10001", next_week, MONDAY_0800 + timedelta(hours=2)) == ["宪法全文"]
        # and the sweep, run late and twice, publishes it once, as of 08:00.
        assert service.publish_due(session, now=MONDAY_0800 + timedelta(hours=2)) == 1
        assert service.publish_due(session, now=MONDAY_0800 + timedelta(hours=2)) == 0
        session.commit()
        published = session.get(Plan, plan.id)
        assert published.status is PlanStatus.PUBLISHED and published.published_at == MONDAY_0800


def test_a_draft_is_seen_by_nobody_and_an_empty_plan_cannot_be_published(app, org):
    with app.app_context(), db.new_session() as session:
        make_plan(session, "admin1", [read("草稿中的文章")])
        empty = make_plan(session, "admin1", [])
        session.commit()
        assert titles(session, "10001", MONDAY, START) == []
        with pytest.raises(DomainError, match="至少一项"):
            service.schedule(session, user(session, "admin1"), empty.id, None, now=START)


def test_each_item_reaches_its_audience_only(app, org):
    with app.app_context(), db.new_session() as session:
        first, group = org["first"].id, org["group"].id
        plan = make_plan(
            session,
            "admin1",
            [
                read("全体"),
                read("第一党支部及其党小组", branch_ids=[first]),
                read("第一党小组", branch_ids=[group]),
                read("张三本人", usernames=["20001"]),
            ],
        )
        service.schedule(session, user(session, "admin1"), plan.id, None, now=START)
        own = make_plan(session, "sec1", [read("支部自学")], branch_id=first)
        service.schedule(session, user(session, "sec1"), own.id, None, now=START)
        session.commit()
        assert titles(session, "10001", MONDAY, START) == ["全体", "第一党支部及其党小组", "支部自学"]
        assert titles(session, "10002", MONDAY, START) == [
            "全体",
            "第一党支部及其党小组",
            "第一党小组",
            "支部自学",
        ]
        assert titles(session, "20001", MONDAY, START) == ["全体", "张三本人"]
        with pytest.raises(DomainError):  # not theirs: as if it did not exist
            service.item_for(session, user(session, "20001"), own.items[0].id, now=START)


def test_a_secretary_plans_for_their_own_branch_only(app, org):
    with app.app_context(), db.new_session() as session:
        with pytest.raises(DomainError, match="只能为本党支部"):
            make_plan(session, "sec1", [read("x")], branch_id=org["second"].id)
        with pytest.raises(DomainError, match="只能为本党支部"):
            make_plan(session, "sec1", [read("x")])  # the whole organisation
        with pytest.raises(DomainError, match="不在您的党支部内"):
            make_plan(session, "sec1", [read("x", branch_ids=[org["second"].id])], branch_id=org["first"].id)
        with pytest.raises(DomainError, match="不在您的党支部内"):
            make_plan(session, "sec1", [read("x", usernames=["20001"])], branch_id=org["first"].id)
        plan = make_plan(session, "admin1", [read("x")])
        with pytest.raises(DomainError, match="没有这份计划"):
            service.schedule(session, user(session, "sec1"), plan.id, None, now=START)


def test_an_item_done_twice_is_done_once_with_its_points_once(app, org):
    with app.app_context(), db.new_session() as session:
        plan = make_plan(session, "admin1", [read("宪法全文")])
        service.schedule(session, user(session, "admin1"), plan.id, None, now=START)
        session.commit()
        cadre = user(session, "10001")
        mine = service.item_for(session, cadre, plan.items[0].id, now=START)
        assert service.mark_done(session, cadre, mine.item, now=START) == service.Completion(True, 2)
        assert service.mark_done(session, cadre, mine.item, now=START) == service.Completion(False, 0)
        session.commit()
        awards = session.scalars(select(PointAward).where(PointAward.user_id == cadre.id)).all()
        assert [(award.source, award.points, award.reason) for award in awards] == [
            (f"plan_item:{plan.items[0].id}", 2, "宪法全文")
        ]
        assert service.week_of(session, cadre, MONDAY, now=START)[0].done


def test_two_devices_reporting_an_item_done_at_once_do_it_once(app, org):
    with app.app_context(), db.new_session() as session:
        plan = make_plan(session, "admin1", [read("宪法全文")])
        service.schedule(session, user(session, "admin1"), plan.id, None, now=START)
        service.mark_done(session, user(session, "20001"), plan.items[0], now=START)  # rules in place
        session.commit()
        item_id = plan.items[0].id
    ready = threading.Barrier(2, timeout=15)

    def report() -> bool:
        with app.app_context(), db.new_session() as session:
            cadre = user(session, "10001")
            item = service.item_for(session, cadre, item_id, now=START).item
            ready.wait()
            done = service.mark_done(session, cadre, item, now=START).first
            session.commit()
            return done

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _n: report(), range(2)))
    assert sorted(results) == [False, True]
    with app.app_context(), db.new_session() as session:
        given = select(func.count()).where(PointAward.user_id == user(session, "10001").id)
        assert session.scalar(given) == 1


def test_editing_keeps_progress_and_refuses_to_remove_a_started_item(app, org):
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        plan = make_plan(session, "admin1", [read("第一篇"), read("第二篇")])
        service.schedule(session, admin, plan.id, None, now=START)
        cadre = user(session, "10001")
        service.mark_done(session, cadre, plan.items[1], now=START)
        session.commit()
        spec = PlanSpec(
            PlanPeriod.WEEK, MONDAY, "学习贯彻宪法", items=[read("第一篇"), read("第二篇（修订）")]
        )
        service.save_plan(session, admin, spec, plan_id=plan.id, now=START)
        session.commit()
        mine = service.week_of(session, cadre, MONDAY, now=START)
        assert [(m.item.title, m.done) for m in mine] == [("第一篇", False), ("第二篇（修订）", True)]
        with pytest.raises(DomainError, match="已有人开始学习"):
            spec.items = [read("第一篇")]
            service.save_plan(session, admin, spec, plan_id=plan.id, now=START)


def test_last_weeks_plan_is_the_start_of_this_weeks(app, org):
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        make_plan(session, "admin1", [read("第一篇", branch_ids=[org["first"].id])])
        session.commit()
        next_week = MONDAY + timedelta(weeks=1)
        found = service.previous(session, admin, PlanPeriod.WEEK, next_week, None)
        assert found is not None
        copied = service.copy_spec(found, next_week)
        assert copied.start == next_week and copied.items[0].due_at == DUE + timedelta(weeks=1)
        assert copied.items[0].branch_ids == [org["first"].id]


def test_each_kind_names_what_it_lacks_by_item_and_field(app, org):
    with app.app_context(), db.new_session() as session:
        lacking = [
            (ItemSpec(ItemKind.READ, "空", DUE), "第 1 项“空”，正文：请填写正文或上传文档。"),
            (
                ItemSpec(ItemKind.READ, "只有脚本", DUE, body_html="<script>alert(1)</script>"),
                "第 1 项“只有脚本”，正文：请填写正文",  # sanitised, nothing is left
            ),
            (
                ItemSpec(ItemKind.WATCH, "视频", DUE, link_url="javascript:alert(1)"),
                "第 1 项“视频”，视频地址：地址须以",
            ),
            (
                ItemSpec(
                    ItemKind.WATCH, "专题片", DUE, link_url="http://video.intranet/a.mp4", min_seconds=600
                ),
                "第 1 项“专题片”，最少时长（分钟）：外部地址的视频无法计时",  # it plays on another page
            ),
            (
                ItemSpec(ItemKind.MEETING, "党课", DUE, meeting_kind="lecture"),
                "第 1 项“党课”，会议时间：请填写会议时间。",
            ),
            (ItemSpec(ItemKind.REFLECTION, "心得", DUE), "第 1 项“心得”，心得体会题目：请写明"),
            (ItemSpec(ItemKind.TEST, "测试", DUE, exam_id=999), "第 1 项“测试”，测试：请选择测试。"),
            (ItemSpec(ItemKind.READ, " ", DUE, body_html="x"), "第 1 项，任务名称：请填写标题。"),
        ]
        for spec, message in lacking:
            with pytest.raises(DomainError) as refused:
                make_plan(session, "admin1", [spec])
            assert refused.value.message.startswith(message)


def test_a_plan_goes_back_to_draft_only_before_it_appears(app, org):
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        plan = make_plan(session, "admin1", [read("宪法全文")], start=MONDAY + timedelta(weeks=1))
        with pytest.raises(DomainError, match="该时间已过"):
            service.schedule(session, admin, plan.id, START - timedelta(minutes=1), now=START)
        service.schedule(session, admin, plan.id, MONDAY_0800, now=START)
        with pytest.raises(DomainError, match="已发布"):  # 08:00 has come, the sweep not yet
            service.unschedule(session, admin, plan.id, now=MONDAY_0800)
        assert service.unschedule(session, admin, plan.id, now=START).status is PlanStatus.DRAFT
        now_published = service.schedule(session, admin, plan.id, None, now=START)
        assert (now_published.status, now_published.published_at) == (PlanStatus.PUBLISHED, START)


def test_changing_one_item_keeps_the_others_and_their_audience(app, org):
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        plan = make_plan(
            session,
            "admin1",
            [read("第一篇", usernames=["20001"]), read("第二篇", branch_ids=[org["first"].id])],
        )
        second = plan.items[1]
        changed = service.save_item(
            session, admin, plan.id, read("第二篇（修订）"), item_id=second.id, now=START
        )
        added = service.save_item(session, admin, plan.id, read("第三篇"), now=START)
        session.commit()
        assert changed.id == second.id and added.position == 3
        assert [(item.title, [m.user_id or m.branch_id for m in item.audience]) for item in plan.items] == [
            ("第一篇", [user(session, "20001").id]),
            ("第二篇（修订）", []),
            ("第三篇", []),
        ]


def test_a_completed_reflection_keeps_its_minimum_length(app, org):
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        reflection = ItemSpec(ItemKind.REFLECTION, "心得", DUE, prompt="谈谈体会", min_chars=300)
        plan = make_plan(session, "admin1", [reflection])
        service.schedule(session, admin, plan.id, None, now=START)
        service.mark_done(session, user(session, "10001"), plan.items[0], now=START)
        longer = ItemSpec(ItemKind.REFLECTION, "心得", DUE, prompt="谈谈体会", min_chars=800)
        with pytest.raises(DomainError, match="第 1 项“心得”，最少字数：已有人完成此项"):
            service.save_item(session, admin, plan.id, longer, item_id=plan.items[0].id, now=START)
