"""积分公示: frozen when published, published on schedule once per period, highlighted only when asked,
exported and printed; cadres read them, administrators publish and withdraw."""

from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from studyhall import PROJECT_ROOT, db, scheduler
from studyhall.accounts.models import AuditEvent, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.points import boards, publications
from studyhall.points.models import Period, Publication, PublicationSchedule
from studyhall.points.periods import Span
from studyhall.points.publications import Highlights
from tests.conftest import START
from tests.points.test_pages import client_for, give
from tests.xxqg.test_import import csv_bytes
from tests.xxqg.test_import import save as save_export

WEEK = Span(Period.WEEK, date(2026, 4, 13))  # START's week, Monday 13 to Sunday 19 April
MONDAY_0800 = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai, the Monday after
WAIT = 30  # seconds: the longest a step of a race may take before the test fails


def publish_week(app, **form) -> int:  # type: ignore[no-untyped-def]
    """An administrator publishes START's week by hand; the new publication's id."""
    response = client_for(app, "admin1").post(
        "/admin/points/publications/new", data={"period": "week", "day": "2026-04-15", "branch": "0", **form}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def stored(app, publication_id: int) -> Publication:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        publication = session.get(Publication, publication_id)
        session.expunge(publication)
        return publication


def notice(html: str) -> str:
    """The publication itself, without the page around it (whose CSRF token changes each second)."""
    return html[html.index('<article class="publication"') : html.index("</article>")]


def rows(html: str) -> list[tuple[str, ...]]:
    """(name, points, note) of every person's row on a publication page, branch by branch."""
    return re.findall(
        r'<tr(?: class="hl-\w+")?><td>\d+</td><td class="nowrap">([^<]+)</td><td class="nowrap">[^<]*</td>'
        r'<td>(-?\d+)</td><td>\d+</td><td class="nowrap">([^<]*)</td></tr>',
        html,
    )


def test_a_publication_keeps_the_board_as_published_whatever_happens_later(app, org, frozen_now):
    give(app, "10001", 7, "a")
    give(app, "20001", 5, "a")
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publication_id = publish_week(app)
    cadre = client_for(app, "20001")
    before = notice(cadre.get(f"/points/publications/{publication_id}").get_data(as_text=True))
    # Each 党支部 with its members, those without points too: 王建国 7, then 书记甲 and 李晓燕 at 0;
    # not the administrator in the 机关党委 itself, who studies for no 党支部.
    assert rows(before) == [
        ("王建国", "7", ""),
        ("书记甲", "0", ""),
        ("李晓燕", "0", ""),
        ("张三", "5", ""),
    ]
    assert "第一党小组" in before and "7 points, 2.3 per member" in before

    give(app, "10002", 20, "late", at=START)  # a late award dated in that week
    admin = client_for(app, "admin1")
    with app.app_context(), db.new_session() as session:
        leaver = session.scalars(select(User.id).where(User.username == "10001")).one()
    admin.post(f"/admin/users/{leaver}/active", data={"active": "0"})

    with app.app_context(), db.new_session() as session:  # the live board moved on
        assert [row.name for row in boards.people(session, WEEK)] == ["李晓燕", "张三"]
    assert notice(cadre.get(f"/points/publications/{publication_id}").get_data(as_text=True)) == before


def test_a_publication_is_never_edited_only_withdrawn_with_a_reason_and_kept(app, org, frozen_now):
    give(app, "10001", 7, "a")
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publication_id = publish_week(app)
    with app.app_context(), db.new_session() as session:
        publication = session.get(Publication, publication_id)
        publication.people = []
        with pytest.raises(ValueError, match="never changes"):
            session.flush()
    admin = client_for(app, "admin1")
    assert (
        admin.post(f"/admin/points/publications/{publication_id}/withdraw", data={"reason": ""}).status_code
        == 302
    )
    assert not stored(app, publication_id).withdrawn
    admin.post(f"/admin/points/publications/{publication_id}/withdraw", data={"reason": "统计口径有误"})
    kept = stored(app, publication_id)
    assert kept.withdrawn and kept.withdrawal_reason == "统计口径有误" and kept.people[0]["name"] == "王建国"
    listing = admin.get("/points/publications/").get_data(as_text=True)
    assert "Withdrawn" in listing and kept.title in listing
    assert "统计口径有误" in admin.get(f"/points/publications/{publication_id}").get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("publication.%")))
        assert sorted(actions) == ["publication.publish", "publication.withdraw"]


def test_of_two_withdrawals_at_once_one_is_written_and_the_other_is_told_it_was_withdrawn_already(
    app, org, frozen_now
):
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publication_id = publish_week(app)
    with app.app_context(), db.new_session() as first, ThreadPoolExecutor(1) as pool:
        admin_id = first.scalars(select(User.id).where(User.username == "admin1")).one()
        publications.withdraw(
            first, first.get(User, admin_id), publication_id, "统计口径有误", now=MONDAY_0800
        )
        read = threading.Event()

        def withdraw_too() -> DomainError | None:
            """The second request, which reads the notice while the first is not yet committed."""
            with app.app_context(), db.new_session() as second:
                admin = second.get(User, admin_id)
                event.listen(second, "do_orm_execute", lambda _state: read.set())
                try:
                    publications.withdraw(second, admin, publication_id, "重复撤回", now=MONDAY_0800)
                    second.commit()
                except DomainError as refused:
                    return refused
                return None

        outcome = pool.submit(withdraw_too)
        assert read.wait(WAIT), "the second withdrawal never read the notice"
        first.commit()
        refused = outcome.result(timeout=WAIT)
    assert refused is not None and refused.code == ErrorCode.REFUSED  # the page says so; no server error
    assert stored(app, publication_id).withdrawal_reason == "统计口径有误"
    with app.app_context(), db.new_session() as session:
        withdrawals = session.scalars(select(AuditEvent).where(AuditEvent.action == "publication.withdraw"))
        assert [audit.detail["reason"] for audit in withdrawals] == ["统计口径有误"]
    again = client_for(app, "admin1").post(
        f"/admin/points/publications/{publication_id}/withdraw", data={"reason": "再"}, follow_redirects=True
    )
    assert again.status_code == 200
    assert "This publication was withdrawn already." in again.get_data(as_text=True)


def test_only_a_week_or_month_that_has_ended_can_be_published(app, org, frozen_now):
    frozen_now(MONDAY_0800 - timedelta(hours=8, minutes=1))  # Sunday 23:59 in Shanghai: the week is not over
    response = client_for(app, "admin1").post(
        "/admin/points/publications/new", data={"period": "week", "day": "2026-04-15", "branch": "0"}
    )
    assert response.status_code == 200 and "has not ended yet" in response.get_data(as_text=True)
    for day, says in (("9999-12-31", "has not ended yet"), ("0001-01-01", "no points from that long ago")):
        response = client_for(app, "admin1").post(
            "/admin/points/publications/new", data={"period": "week", "day": day, "branch": "0"}
        )
        assert response.status_code == 200 and says in response.get_data(as_text=True), day
    with app.app_context(), db.new_session() as session:
        assert session.scalars(select(Publication)).all() == []


def test_a_branch_publication_covers_that_branch_only(app, org, frozen_now):
    give(app, "10001", 7, "a")
    give(app, "20001", 5, "a")
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publication = stored(app, publish_week(app, branch=str(org["second"].id)))
    assert publication.branch_name == "第二党支部" and "第二党支部" in publication.title
    assert [person["name"] for person in publication.people] == ["张三"]
    assert [section["name"] for section in publication.sections] == ["第二党支部"]


def test_highlights_are_off_by_default_and_mark_the_top_and_those_under_the_threshold_when_set(
    app, org, frozen_now
):
    give(app, "10001", 7, "a")
    give(app, "20001", 5, "a")
    give(app, "10002", 2, "a")
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    cadre = client_for(app, "10001")
    plain_id = publish_week(app)
    plain = cadre.get(f"/points/publications/{plain_id}").get_data(as_text=True)
    assert "hl-" not in plain and all(note == "" for _name, _points, note in rows(plain))
    withdraw = {"reason": "改为标注先进与后进"}  # one notice in force per period: withdrawn to publish again
    client_for(app, "admin1").post(f"/admin/points/publications/{plain_id}/withdraw", data=withdraw)
    marked = cadre.get(f"/points/publications/{publish_week(app, top_n='1', threshold='3')}").get_data(
        as_text=True
    )
    assert rows(marked) == [
        ("王建国", "7", "★ First 1"),
        ("李晓燕", "2", "▽ Under 3 points"),
        ("书记甲", "0", "▽ Under 3 points"),
        ("张三", "5", ""),
    ]
    assert '<tr class="hl-top"><td>1</td><td class="nowrap">王建国' in marked


def test_the_xlsx_export_holds_the_frozen_rows_and_each_branchs_totals(app, org, frozen_now):
    give(app, "10001", 7, "a")
    give(app, "20001", 5, "a")
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publication_id = publish_week(app, threshold="1")
    cadres = load_workbook(
        io.BytesIO(client_for(app, "10002").get(f"/points/publications/{publication_id}.xlsx").data)
    )
    header = list(cadres.worksheets[0].iter_rows(values_only=True))[3]
    assert header == ("Rank", "Full name", "党支部", "党小组", "Points", "Note")  # no one's sign-in name
    response = client_for(app, "admin1").get(f"/points/publications/{publication_id}.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    people, branches = workbook.worksheets
    lines = list(people.iter_rows(values_only=True))
    assert lines[0][0] == "Points notice, Apr 13, 2026 – Apr 19"
    assert lines[1][0] == "Published 2026-04-20 09:00"
    assert lines[3] == ("Rank", "Full name", "工号", "党支部", "党小组", "Points", "Note")
    assert lines[4] == (1, "王建国", "10001", "第一党支部", None, 7, None)
    assert lines[7] == (4, "李晓燕", "10002", "第一党支部", "第一党小组", 0, "Under 1 points")
    summary = list(branches.iter_rows(min_row=5, values_only=True))
    assert summary == [
        (1, "第二党支部", 1, 5, 5),
        (2, "第一党支部", 3, 7, 2.3),
    ]


def test_the_print_stylesheet_puts_each_branch_on_its_own_a4_page(app, org, frozen_now):
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    html = client_for(app, "10001").get(f"/points/publications/{publish_week(app)}").get_data(as_text=True)
    assert html.count('<section class="publication-branch"') == 2
    assert 'class="dateline"' in html and "Published: 2026-04-20 09:00" in html
    css = (PROJECT_ROOT / "static" / "css" / "app.css").read_text()
    assert re.search(r"@page \{\s*size: A4 portrait;", css)
    print_rules = css.split("@media print {", 1)[1]
    assert re.search(r"\.publication-branch \{ break-before: page;", print_rules)


def test_cadres_and_secretaries_read_notices_but_only_administrators_publish_and_withdraw(
    app, org, frozen_now
):
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publication_id = publish_week(app)
    for username in ("10001", "sec1"):
        reader = client_for(app, username)
        assert reader.get("/points/publications/").status_code == 200
        page = reader.get(f"/points/publications/{publication_id}").get_data(as_text=True)
        assert "Withdraw this notice" not in page
        assert reader.get("/admin/points/publications/new").status_code == 403
        data = {"period": "week", "day": "2026-04-15", "branch": "0"}
        assert reader.post("/admin/points/publications/new", data=data).status_code == 403
        assert (
            reader.post(
                f"/admin/points/publications/{publication_id}/withdraw", data={"reason": "x"}
            ).status_code
            == 403
        )
        assert reader.post("/admin/points/publications/schedule", data={"weekly": "y"}).status_code == 403
    assert "Withdraw this notice" in client_for(app, "admin1").get(
        f"/points/publications/{publication_id}"
    ).get_data(as_text=True)
    assert len(stored(app, publication_id).people) == 4


# ---- the schedule ------------------------------------------------------------------------------


def sweep(app, now: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        made = [publication.schedule_key or "" for publication in publications.publish_due(session, now=now)]
        session.commit()
        return made


def switch_on(app, **highlights) -> None:  # type: ignore[no-untyped-def]
    """The administrator switches the weekly and monthly schedule on at START (Wednesday 15 April)."""
    data = {"weekly": "y", "monthly": "y", **highlights}
    assert client_for(app, "admin1").post("/admin/points/publications/schedule", data=data).status_code == 302


def test_the_schedule_is_off_until_an_administrator_switches_it_on(app, org, frozen_now):
    assert sweep(app, MONDAY_0800 + timedelta(days=30)) == []
    switch_on(app)
    assert sweep(app, START + timedelta(days=1)) == []  # nothing due before it was switched on is published


def test_the_weekly_notice_is_published_at_monday_0800_in_shanghai_once(app, org, frozen_now):
    give(app, "10001", 7, "a")
    switch_on(app, top_n="3")
    assert sweep(app, MONDAY_0800 - timedelta(minutes=1)) == []
    assert sweep(app, MONDAY_0800) == ["week:2026-04-13"]
    assert sweep(app, MONDAY_0800) == []
    assert sweep(app, MONDAY_0800 + timedelta(hours=5)) == []
    with app.app_context(), db.new_session() as session:
        publication = session.scalars(select(Publication)).one()
        assert publication.scheduled and publication.published_by_id is None and publication.top_n == 3
        assert publication.people[0]["name"] == "王建国"
    listing = client_for(app, "10001").get("/points/publications/").get_data(as_text=True)
    assert "On schedule" in listing and "Apr 13, 2026 – Apr 19" in listing


def test_a_server_down_over_the_weekend_publishes_what_fell_due_when_it_is_back_once(app, org, frozen_now):
    switch_on(app)
    assert sweep(app, MONDAY_0800) == ["week:2026-04-13"]
    # Down from Friday 24 April to Tuesday 5 May: the week of the 20th, the week of the 27th and April.
    back = datetime(2026, 5, 5, 2, 30, tzinfo=UTC)
    assert sweep(app, back) == ["month:2026-04-01", "week:2026-04-20", "week:2026-04-27"]
    assert sweep(app, back) == []
    assert sweep(app, back + timedelta(minutes=5)) == []


def test_the_monthly_notice_is_published_on_the_1st_at_0800(app, org, frozen_now):
    switch_on(app)
    first_of_may = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)  # Friday 1 May, 08:00 in Shanghai
    sweep(app, first_of_may - timedelta(days=4))  # the weeks until then
    assert sweep(app, first_of_may - timedelta(minutes=1)) == []
    assert sweep(app, first_of_may) == ["month:2026-04-01"]
    assert sweep(app, first_of_may + timedelta(days=1)) == []


def test_the_scheduler_runs_the_sweep_and_a_second_run_adds_nothing(app, org, frozen_now):
    switch_on(app)
    frozen_now(MONDAY_0800 + timedelta(minutes=3))
    job = next(job for job in scheduler.JOBS if job.name == "publish_publications")
    scheduler.run_job(app, job)
    scheduler.run_job(app, job)
    with app.app_context(), db.new_session() as session:
        assert session.scalars(select(Publication.schedule_key)).all() == ["week:2026-04-13"]


def test_a_notice_states_its_objection_period_its_issuer_and_date_and_how_equal_points_are_placed(
    app, org, frozen_now
):
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    first = publish_week(app)
    app.config.update(PUBLICATION_ISSUER="中共某某人民检察院机关委员会", PUBLICATION_OBJECTION_DAYS=5)
    second = publish_week(app, title="第二次", branch=str(org["first"].id))
    reader = client_for(app, "10001")
    page = notice(reader.get(f"/points/publications/{first}").get_data(as_text=True))
    # Published on Monday 20 April: seven days for objections, the 20th to the 26th.
    assert (
        "Objection period (公示期): Apr 20 to Apr 26. Any objection may be raised with 机关党委 within it."
        in page
    )
    assert re.search(
        r'<footer class="publication-foot" id="issued">\s*<p>机关党委</p>\s*<p>Apr 20, 2026</p>', page
    )
    assert "whoever reached that score first is placed first, so no two people share a place" in page
    configured = notice(reader.get(f"/points/publications/{second}").get_data(as_text=True))
    assert (
        "Apr 20 to Apr 24. Any objection may be raised with 中共某某人民检察院机关委员会 within it."
        in configured
    )
    assert "<p>中共某某人民检察院机关委员会</p>" in configured
    # What a notice says was fixed when it was published.
    assert stored(app, first).issuer == "机关党委" and stored(app, first).objection_days == 7
    reader.post("/language", data={"lang": "zh_Hans_CN"})
    chinese = notice(reader.get(f"/points/publications/{first}").get_data(as_text=True))
    assert "公示期：4月20日至4月26日" in chinese and "<p>2026年4月20日</p>" in chinese
    assert "同分者按先达到该分数者在前" in chinese


def test_a_period_has_one_notice_in_force_whoever_publishes_it_again(app, org, frozen_now):
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    first = publish_week(app)
    admin = client_for(app, "admin1")
    again = admin.post(
        "/admin/points/publications/new", data={"period": "week", "day": "2026-04-15", "branch": "0"}
    )
    assert again.status_code == 200 and "is in force for this period" in again.get_data(as_text=True)
    assert publish_week(app, branch=str(org["first"].id))  # another scope is another notice
    # The schedule, switched on before that Monday, finds the week in force and publishes nothing.
    with app.app_context(), db.new_session() as session:
        assert session.get(Publication, first).live_key == "week:2026-04-13:0"
        session.add(
            PublicationSchedule(id=1, weekly_since=MONDAY_0800 - timedelta(hours=1), updated_at=START)
        )
        session.commit()
        assert publications.publish_due(session, now=MONDAY_0800 + timedelta(hours=1)) == []
    admin.post(f"/admin/points/publications/{first}/withdraw", data={"reason": "数据有误"})
    assert publish_week(app) != first  # withdrawn: the period may be published afresh


def test_two_administrators_publishing_the_same_period_at_once_make_one_notice(app, org, frozen_now):
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    with app.app_context(), db.new_session() as session:
        boards.count(session, WEEK)  # the rules and tree read once before the race
    ready = threading.Barrier(2, timeout=15)

    def publish() -> str:
        with app.app_context(), db.new_session() as session:
            admin = session.scalars(select(User).where(User.username == "admin1")).one()
            ready.wait()
            try:
                publications.publish(session, admin, WEEK, None, Highlights(), now=MONDAY_0800)
                session.commit()
                return "published"
            except DomainError as refused:
                session.rollback()
                return refused.code

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(lambda _n: publish(), range(2)))
    assert outcomes == ["published", "refused"]
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Publication)) == 1


# ---- 学习强国 figures ----------------------------------------------------------------------------


def xxqg_rows(html: str) -> list[tuple[str, ...]]:
    """(name, points, 学习强国 total, gain) of every person's row on a notice with those columns."""
    return re.findall(
        r'<tr(?: class="hl-\w+")?><td>\d+</td><td class="nowrap">([^<]+)</td><td class="nowrap">[^<]*</td>'
        r"<td>(-?\d+)</td><td>([^<]+)</td><td>([^<]+)</td><td>\d+</td>",
        html,
    )


def import_export(app, day: str, *lines: str) -> None:  # type: ignore[no-untyped-def]
    save_export(app, f"{day}.csv", csv_bytes(["工号,姓名,总积分", *lines]))


def test_学习强国_figures_are_off_by_default(app, org, frozen_now):
    import_export(app, "2026-04-14", "10001,王建国,160")
    give(app, "10001", 7, "a")
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publication_id = publish_week(app)
    kept = stored(app, publication_id)
    assert not kept.with_xxqg and kept.xxqg_exported_on is None
    assert all("xxqg_total" not in person for person in kept.people)
    page = notice(
        client_for(app, "10001").get(f"/points/publications/{publication_id}").get_data(as_text=True)
    )
    assert "学习强国" not in page
    form = client_for(app, "admin1").get("/admin/points/publications/new").get_data(as_text=True)
    assert re.search(r'<input id="with_xxqg" name="with_xxqg" type="checkbox" value="y">', form)


def test_学习强国_figures_are_frozen_with_the_days_of_their_exports_and_a_later_import_changes_nothing(
    app, org, frozen_now
):
    import_export(app, "2026-04-07", "10001,王建国,100", "10002,李晓燕,90")
    import_export(app, "2026-04-14", "10001,王建国,160", "10002,李晓燕,200", "20001,张三,150")
    give(app, "10001", 7, "a")
    give(app, "20001", 5, "a")
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publication_id = publish_week(app, with_xxqg="y")
    kept = stored(app, publication_id)
    assert (kept.with_xxqg, kept.xxqg_exported_on, kept.xxqg_previous_on) == (
        True,
        date(2026, 4, 14),
        date(2026, 4, 7),
    )
    reader = client_for(app, "10001")
    before = notice(reader.get(f"/points/publications/{publication_id}").get_data(as_text=True))
    assert (
        '<th scope="col" class="xxqg">学习强国 total (export of Apr 14)</th>'
        '<th scope="col" class="xxqg">Gain since the previous export (Apr 7)</th>'
    ) in before
    # Beside the points, never added to them; a gain only for those the export before held;
    # 书记甲, in neither export, has none.
    assert xxqg_rows(before) == [
        ("王建国", "7", "160", "+60"),
        ("书记甲", "0", "—", "—"),
        ("李晓燕", "0", "200", "+110"),
        ("张三", "5", "150", "—"),
    ]
    assert "学习强国 figures are those of its export of Apr 14" in before

    import_export(app, "2026-04-15", "10001,王建国,999", "10002,李晓燕,999", "20001,张三,999")
    assert notice(reader.get(f"/points/publications/{publication_id}").get_data(as_text=True)) == before

    reader.post("/language", data={"lang": "zh_Hans_CN"})
    chinese = reader.get(f"/points/publications/{publication_id}").get_data(as_text=True)
    assert "学习强国总积分（4月14日导出）" in chinese and "较上次导出（4月7日）增加" in chinese

    sheet = load_workbook(
        io.BytesIO(client_for(app, "admin1").get(f"/points/publications/{publication_id}.xlsx").data)
    ).worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[3] == (
        "Rank",
        "Full name",
        "工号",
        "党支部",
        "党小组",
        "Points",
        "学习强国 total (export of Apr 14)",
        "Gain since the previous export (Apr 7)",
        "Note",
    )
    assert lines[4] == (1, "王建国", "10001", "第一党支部", None, 7, 160, 60, None)
    assert lines[5] == (2, "张三", "20001", "第二党支部", None, 5, 150, None, None)


def test_学习强国_figures_asked_for_by_hand_before_any_export_is_imported_are_refused(app, org, frozen_now):
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    response = client_for(app, "admin1").post(
        "/admin/points/publications/new",
        data={"period": "week", "day": "2026-04-15", "branch": "0", "with_xxqg": "y"},
    )
    assert response.status_code == 200
    assert "No 学习强国 export has been imported yet" in response.get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        assert session.scalars(select(Publication)).all() == []


def test_the_schedule_carries_学习强国_figures_when_asked_and_says_so_when_there_are_none(
    app, org, frozen_now
):
    give(app, "10001", 7, "a")
    switch_on(app, with_xxqg="y")
    schedule_form = client_for(app, "admin1").get("/points/publications/").get_data(as_text=True)
    assert re.search(
        r'<input checked id="with_xxqg" name="with_xxqg" type="checkbox" value="y">', schedule_form
    )
    assert sweep(app, MONDAY_0800) == ["week:2026-04-13"]  # no export yet: published all the same
    import_export(app, "2026-04-14", "10001,王建国,160")
    assert sweep(app, MONDAY_0800 + timedelta(days=7)) == ["week:2026-04-20"]
    with app.app_context(), db.new_session() as session:
        without, with_figures = session.scalars(select(Publication).order_by(Publication.start)).all()
        assert without.with_xxqg and without.xxqg_exported_on is None
        assert "xxqg_total" not in without.people[0]
        assert with_figures.xxqg_exported_on == date(2026, 4, 14) and with_figures.xxqg_previous_on is None
        figures = {person["name"]: person["xxqg_total"] for person in with_figures.people}
        assert figures == {"王建国": 160, "书记甲": None, "李晓燕": None, "张三": None}
        first_id, second_id = without.id, with_figures.id
    reader = client_for(app, "10001")
    assert "No 学习强国 export had been imported when this notice was published" in reader.get(
        f"/points/publications/{first_id}"
    ).get_data(as_text=True)
    assert '<th scope="col" class="xxqg">Gain (no earlier export)</th>' in reader.get(
        f"/points/publications/{second_id}"
    ).get_data(as_text=True)


def test_a_withdrawn_notice_drops_its_objection_period_and_says_by_whom_and_why(app, org, frozen_now):
    give(app, "10001", 7, "a")
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publication_id = publish_week(app)
    admin = client_for(app, "admin1")
    admin.post("/language", data={"lang": "zh_Hans_CN"})
    shown = f"/points/publications/{publication_id}"
    assert 'id="objection-period"' in admin.get(shown).get_data(as_text=True)
    withdraw = f"/admin/points/publications/{publication_id}/withdraw"
    too_long = admin.post(withdraw, data={"reason": "误" * 201}, follow_redirects=True).get_data(as_text=True)
    assert "未撤回：过长：最多 200 字（现为 201 字）。" in too_long and "请填写撤回理由" not in too_long
    assert not stored(app, publication_id).withdrawn
    admin.post(withdraw, data={"reason": "统计口径有误"})
    page = admin.get(shown).get_data(as_text=True)
    page = page[page.index('<article class="publication is-withdrawn"') : page.index("</article>")]
    assert 'id="objection-period"' not in page and "如有异议" not in page
    assert re.search(r"已撤回（管理员，2026-04-20 09:00）。理由：统计口径有误", page)
    # Printed, each 党支部's page carries the mark and every page the stamp (tests/browser prints it).
    assert page.count("<strong>已撤回</strong>") == 2 and 'class="withdrawn-stamp"' in page


def test_a_notice_says_its_period_in_words_and_one_of_a_single_branch_ranks_no_branches(app, org, frozen_now):
    give(app, "10001", 7, "a")
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    whole = publish_week(app)
    single = publish_week(app, branch=str(org["first"].id))
    reader = client_for(app, "10001")
    reader.post("/language", data={"lang": "zh_Hans_CN"})
    page = notice(reader.get(f"/points/publications/{whole}").get_data(as_text=True))
    assert "时段：4月13日至4月19日" not in page and "时段：2026年4月13日至4月19日" in page
    assert "按人均排第 1 名" in page and 'id="summary"' in page
    one = notice(reader.get(f"/points/publications/{single}").get_data(as_text=True))
    assert "按人均排第" not in one and 'id="summary"' not in one and "党支部按人均积分排名" not in one
    assert "3 人，合计 7 分，人均 2.3 分" in one
    listing = reader.get("/points/publications/").get_data(as_text=True)
    assert listing.count("2026年4月13日至4月19日") == 2


def test_a_notice_for_a_past_period_carries_the_学习强国_figures_of_its_end_not_later_ones(
    app, org, frozen_now
):
    import_export(app, "2026-04-10", "10001,王建国,160")
    import_export(app, "2026-04-14", "10001,王建国,300")  # after the week before START's ended
    week_before = Span(Period.WEEK, WEEK.start - timedelta(weeks=1))
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        notice = publications.publish(
            session, admin, week_before, None, Highlights(), now=START, with_xxqg=True
        )
        session.commit()
        assert notice.xxqg_exported_on == date(2026, 4, 10)
