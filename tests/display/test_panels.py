"""The corridor screen's 积分公示 and 学习强国 panels: what they show, how they name people, when they
are left out, and that a screen polling with its ETag is given the new board once either changes."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from studyhall import clock, db
from studyhall.accounts.models import User
from studyhall.display.models import Privacy
from studyhall.plans import service as plans
from studyhall.plans.models import ItemKind, PlanPeriod
from studyhall.plans.service import ItemSpec, PlanSpec
from studyhall.points import publications
from studyhall.points.models import Period
from studyhall.points.periods import Span
from studyhall.points.publications import Highlights
from studyhall.xxqg import service as xxqg
from tests.conftest import START
from tests.display.conftest import registered as register
from tests.points.test_pages import give
from tests.points.test_publications import MONDAY_0800, WEEK
from tests.xxqg.test_import import csv_bytes, save


def publish(  # type: ignore[no-untyped-def]
    app, highlights: Highlights | None = None, branch_id: int | None = None, **options
) -> int:
    """START's week (of the whole organisation, or of one 党支部) published by the administrator,
    an hour after it could be; its id."""
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        publication = publications.publish(
            session,
            admin,
            WEEK,
            branch_id,
            highlights or Highlights(),
            now=MONDAY_0800 + timedelta(hours=1),
            **options,
        )
        session.commit()
        return publication.id


def withdraw(app, publication_id: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        publications.withdraw(session, admin, publication_id, "统计有误", now=clock.now())
        session.commit()


def panel(client, token: str, kind: str) -> dict | None:  # type: ignore[no-untyped-def,type-arg]
    """The screen's panel of that kind, or None if the board leaves it out."""
    board = client.get(f"/display/{token}/data.json").json
    return next((shown for shown in board["panels"] if shown["kind"] == kind), None)


def points_week(app) -> None:  # type: ignore[no-untyped-def]
    """王建国 (第一党支部) 7, 张三 (第二党支部) 5, 李晓燕 (第一党支部 / 第一党小组) 2; 书记甲 none."""
    give(app, "10001", 7, "a")
    give(app, "20001", 5, "a")
    give(app, "10002", 2, "a")


# ---- the latest 积分公示 --------------------------------------------------------------------------


def test_the_notice_panel_shows_its_title_the_党支部_by_average_and_its_first_people(
    app, org, client, frozen_now
):
    points_week(app)
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publish(app)
    token = register(app, panels=["publication"], privacy=Privacy.FULL_NAME)
    shown = panel(client, token, "publication")
    assert shown is not None
    assert shown["title"] == "最新积分公示"
    assert shown["notice_title"] == "积分公示（2026年4月13日至4月19日）"
    assert shown["period"] == "2026年4月13日至4月19日"
    assert shown["branches"] == [
        {"rank": 1, "name": "第二党支部", "average": 5.0},
        {"rank": 2, "name": "第一党支部", "average": 3.0},
    ]
    assert shown["people_title"] == "积分前列"
    # Those with points, in the notice's order; 书记甲, without any, is not put forward.
    assert shown["people"] == [
        {"rank": 1, "name": "王建国", "branch": "第一党支部", "points": 7},
        {"rank": 2, "name": "张三", "branch": "第二党支部", "points": 5},
        {"rank": 3, "name": "李晓燕", "branch": "第一党支部 / 第一党小组", "points": 2},
    ]


def test_with_highlights_on_the_screen_names_only_the_first_never_those_under_the_threshold(
    app, org, client, frozen_now
):
    points_week(app)
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    token = register(app, panels=["publication"])
    first = publish(app, Highlights(top_n=1, threshold=3))
    shown = panel(client, token, "publication")
    assert shown is not None
    assert shown["people_title"] == "前 1 名"
    assert [person["name"] for person in shown["people"]] == ["王建国"]

    withdraw(app, first)  # and published again: 张三 (5) and 李晓燕 (2) are under its threshold
    publish(app, Highlights(threshold=6))
    shown = panel(client, token, "publication")
    assert shown is not None
    assert [person["name"] for person in shown["people"]] == ["王建国"]
    body = client.get(f"/display/{token}/data.json").get_data(as_text=True)
    assert "张三" not in body and "李晓燕" not in body


def test_the_notice_panel_shows_the_latest_not_withdrawn_and_is_left_out_when_there_is_none(
    app, org, client, frozen_now
):
    points_week(app)
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    token = register(app, panels=["publication", "notice"])
    assert panel(client, token, "publication") is None  # nothing published yet: the panel is skipped
    assert panel(client, token, "notice") is not None

    first = publish(app, branch_id=org["first"].id, title="第一党支部的公示")
    second = publish(app, title="全单位的公示")
    assert panel(client, token, "publication")["notice_title"] == "全单位的公示"  # type: ignore[index]
    withdraw(app, second)
    assert panel(client, token, "publication")["notice_title"] == "第一党支部的公示"  # type: ignore[index]
    withdraw(app, first)
    assert panel(client, token, "publication") is None


def test_a_notice_of_one_党支部_shows_its_people_without_a_ranking_of_党支部(app, org, client, frozen_now):
    points_week(app)
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publish(app, branch_id=org["first"].id)
    shown = panel(client, register(app, panels=["publication"]), "publication")
    assert shown is not None
    assert shown["branches"] == []
    assert [person["name"] for person in shown["people"]] == ["王建国", "李晓燕"]


# ---- the 学习强国 ranking ------------------------------------------------------------------------


def import_exports(app) -> None:  # type: ignore[no-untyped-def]
    """Two exports: 7 April, then 14 April (张三 was in the first only as of the second)."""
    save(app, "2026-04-07.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,100", "10002,李晓燕,90"]))
    save(
        app,
        "2026-04-14.csv",
        csv_bytes(["工号,姓名,总积分", "10001,王建国,160", "10002,李晓燕,200", "20001,张三,150"]),
    )


def test_the_学习强国_panel_ranks_the_latest_export_headed_by_its_day_and_the_one_before(app, org, client):
    import_exports(app)
    token = register(app, panels=["xuexi"], privacy=Privacy.FULL_NAME)
    shown = panel(client, token, "xuexi")
    assert shown is not None
    assert shown["title"] == "学习强国积分排行"
    # The leaderboard's own headings: whose export the totals are, since which one a gain counts.
    assert shown["total_label"] == "学习强国总积分（4月14日导出）"
    assert shown["gain_label"] == "较上次导出（4月7日）增加"
    assert shown["rows"] == [
        {"rank": 1, "name": "李晓燕", "branch": "第一党支部 / 第一党小组", "total": 200, "gain": 110},
        {"rank": 2, "name": "王建国", "branch": "第一党支部", "total": 160, "gain": 60},
        {"rank": 3, "name": "张三", "branch": "第二党支部", "total": 150, "gain": None},
    ]


def test_with_surnames_only_neither_panel_names_anyone_in_full_nor_their_党小组(app, org, client, frozen_now):
    points_week(app)
    import_exports(app)
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publish(app)
    token = register(app, panels=["publication", "xuexi"], privacy=Privacy.SURNAME)
    body = client.get(f"/display/{token}/data.json").get_data(as_text=True)
    assert not any(name in body for name in ("王建国", "张三", "李晓燕", "10001", "第一党小组"))
    notice, exports = panel(client, token, "publication"), panel(client, token, "xuexi")
    assert notice is not None and exports is not None
    assert [(person["name"], person["branch"]) for person in notice["people"]] == [
        ("王同志", "第一党支部"),
        ("张同志", "第二党支部"),
        ("李同志", "第一党支部"),
    ]
    assert [(row["name"], row["branch"]) for row in exports["rows"]] == [
        ("李同志", "第一党支部"),
        ("王同志", "第一党支部"),
        ("张同志", "第二党支部"),
    ]


def test_the_学习强国_panel_is_left_out_until_an_export_is_imported_and_after_the_last_is_deleted(
    app, org, client
):
    token = register(app, panels=["xuexi", "notice"])
    assert panel(client, token, "xuexi") is None
    save(app, "2026-04-07.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,100"]))
    shown = panel(client, token, "xuexi")
    assert shown is not None
    assert shown["gain_label"] == "增加（无上次导出）"
    assert shown["rows"][0]["gain"] is None
    delete_latest(app)
    assert panel(client, token, "xuexi") is None


def delete_latest(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        latest = xxqg.latest_snapshot(session)
        assert latest is not None
        xxqg.delete_snapshot(session, admin, latest.id, now=clock.now())
        session.commit()


# ---- the ETag follows them ------------------------------------------------------------------------


def test_a_screen_polling_with_its_etag_gets_the_new_board_when_a_notice_or_an_export_comes_or_goes(
    app, org, client, frozen_now
):
    """Neither touches the ledger: the board's key must still move, or the screen keeps the old
    board (a 304) until the next award."""
    points_week(app)
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    token = register(app, panels=["publication", "xuexi", "notice"])
    address = f"/display/{token}/data.json"

    def kinds_after_change(etag: str) -> tuple[str, list[str]]:
        response = client.get(address, headers={"If-None-Match": etag})
        assert response.status_code == 200, "the screen was told nothing changed"
        assert response.headers["ETag"] != etag
        unchanged = client.get(address, headers={"If-None-Match": response.headers["ETag"]})
        assert unchanged.status_code == 304  # and the new board is the one kept from then on
        return response.headers["ETag"], [shown["kind"] for shown in response.json["panels"]]

    etag = client.get(address).headers["ETag"]
    assert client.get(address, headers={"If-None-Match": etag}).status_code == 304

    publication_id = publish(app)
    etag, kinds = kinds_after_change(etag)
    assert kinds == ["publication", "notice"]

    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160"]))
    etag, kinds = kinds_after_change(etag)
    assert kinds == ["publication", "xuexi", "notice"]

    withdraw(app, publication_id)
    etag, kinds = kinds_after_change(etag)
    assert kinds == ["xuexi", "notice"]

    delete_latest(app)
    etag, kinds = kinds_after_change(etag)
    assert kinds == ["notice"]


def test_a_notice_published_by_the_schedule_reaches_the_screen_too(app, org, client, frozen_now):
    points_week(app)
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        publications.set_schedule(
            session, admin, weekly=True, monthly=False, highlights=Highlights(), now=clock.now()
        )
        session.commit()
    frozen_now(MONDAY_0800)  # the clock stays here: only the publication can move the board's key
    token = register(app, panels=["publication", "notice"])
    address = f"/display/{token}/data.json"
    etag = client.get(address).headers["ETag"]
    with app.app_context(), db.new_session() as session:
        assert publications.publish_due(session, now=clock.now())
        session.commit()
    response = client.get(address, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert [shown["kind"] for shown in response.json["panels"]] == ["publication", "notice"]


def test_an_old_periods_notice_published_late_does_not_take_the_screen(app, org, client, frozen_now):
    points_week(app)
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    token = register(app, panels=["publication"])
    publish(app, title="上周公示")
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        old = Span(Period.MONTH, date(2025, 3, 1))
        publications.publish(session, admin, old, None, Highlights(), now=MONDAY_0800 + timedelta(hours=2))
        session.commit()
    assert panel(client, token, "publication")["notice_title"] == "上周公示"  # type: ignore[index]


def test_the_people_panel_shows_no_one_at_zero_or_below(app, org, client, frozen_now):
    give(app, "10001", 7, "a")
    give(app, "20001", -3, "a")  # a deduction: not for a corridor
    token = register(app, panels=["people"])
    rows = panel(client, token, "people")["rows"]  # type: ignore[index]
    assert [row["points"] for row in rows] == [7]


def test_the_plan_panel_shows_the_organisations_plan_for_everyone_this_week_once_it_shows(
    app, org, client, frozen_now
):
    token = register(app, panels=["plan", "notice"])
    assert panel(client, token, "plan") is None  # nothing planned: the panel is skipped
    due = START + timedelta(days=4)
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        items = [
            ItemSpec(ItemKind.READ, "宪法全文", due, body_html="学习内容"),
            # Meant for one person or one branch: not for a screen anyone may read.
            ItemSpec(ItemKind.READ, "个人整改学习材料", due, body_html="学习内容", usernames=["10001"]),
            ItemSpec(ItemKind.READ, "第二支部专题", due, body_html="学习内容", branch_ids=[org["second"].id]),
        ]
        plan = plans.save_plan(
            session, admin, PlanSpec(PlanPeriod.WEEK, START.date(), "学习宪法", items=items), now=START
        )
        session.commit()
        assert panel(client, token, "plan") is None  # a draft shows nowhere
        plans.schedule(session, admin, plan.id, None, now=START)
        session.commit()
    shown = panel(client, token, "plan")
    assert shown is not None and shown["theme"] == "学习宪法"
    assert shown["items"] == [{"title": "宪法全文", "kind": "阅读", "due_at": due.isoformat()}]
