"""The 学习强国 upload → preview → confirm pages, the snapshots, and the figures on the leaderboard."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from studyhall import clock, db, demo
from studyhall.accounts.models import AuditEvent
from studyhall.xxqg.models import Snapshot, SnapshotRow
from tests.points.test_pages import client_for
from tests.xxqg.test_import import GBK_EXPORT, csv_bytes, save

EXPORT = GBK_EXPORT + ["张三,机关党委/第二党支部,13000,30,160"]


def upload(client, data: bytes, filename: str = "学习强国_2026-04-14.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/xxqg/upload",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def token_of(html: str) -> str:
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_upload_preview_choose_and_confirm_saves_one_snapshot(app, org, session):
    client = client_for(app, "admin1")
    preview = upload(client, csv_bytes(EXPORT))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "2 matched · 1 to choose · 1 unmatched" in html
    unmatched = html.split('id="unmatched"')[1].split("</section>")[0]
    assert "Row 4" in unmatched and "赵敏" in unmatched
    choose = html.split('id="to-choose"')[1].split("</section>")[0]
    assert 'name="choice-5"' in choose and "20001" in choose and "20002" in choose
    assert "Save the snapshot" not in html  # a row still waits for its person

    chosen = re.search(r'<option value="(\d+)" >张三 \(20002\)', choose)
    assert chosen
    token = token_of(html)
    done = client.post(
        "/admin/xxqg/confirm", data={"token": token, "choice-5": chosen.group(1), "action": "import"}
    )
    assert done.status_code == 302
    assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 3
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "学习强国 points of 2026-04-14 saved for 3 people." in page

    again = upload(client, csv_bytes(EXPORT)).get_data(as_text=True)
    assert 'id="already"' in again
    client.post("/admin/xxqg/confirm", data={"token": token_of(again), "action": "import"})
    assert session.scalar(select(func.count()).select_from(Snapshot)) == 1
    assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 3


def test_a_broken_file_is_previewed_with_row_and_column_and_cannot_be_confirmed(app, org, session):
    client = client_for(app, "admin1")
    html = upload(client, csv_bytes(["姓名,所在组织,总积分", "王建国,第一党支部,很多"])).get_data(
        as_text=True
    )
    assert "Row 2, column 总积分" in html and "Save the snapshot" not in html
    client.post("/admin/xxqg/confirm", data={"token": token_of(html), "action": "import"})
    assert session.scalar(select(func.count()).select_from(Snapshot)) == 0


def test_an_undated_file_asks_for_the_day(app, org, session):
    client = client_for(app, "admin1")
    html = upload(client, csv_bytes(GBK_EXPORT), "export.csv").get_data(as_text=True)
    assert 'name="exported_on"' in html and "Save the snapshot" not in html
    client.post(
        "/admin/xxqg/confirm", data={"token": token_of(html), "exported_on": "2026-04-13", "action": "import"}
    )
    assert session.scalars(select(Snapshot.exported_on)).one().isoformat() == "2026-04-13"


@pytest.mark.parametrize("username", ["10001", "sec1"])
def test_only_administrators_upload(app, org, username):
    client = client_for(app, username)
    assert upload(client, csv_bytes(GBK_EXPORT)).status_code == 403
    assert client.get("/admin/xxqg/sample.xlsx").status_code == 403


def test_a_secretary_sees_the_snapshots_for_their_branch_and_a_cadre_does_not(app, org):
    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10002,李晓燕,500", "20001,张三,300"]))
    secretary = client_for(app, "sec1")
    listing = secretary.get("/xxqg/").get_data(as_text=True)
    link = re.search(r'href="(/xxqg/\d+)"', listing)
    assert link and "Import 学习强国 points" not in listing
    page = secretary.get(link.group(1)).get_data(as_text=True)
    assert "李晓燕" in page and "张三" not in page
    cadre = client_for(app, "10001")
    assert cadre.get("/xxqg/").status_code == 403
    assert cadre.get(link.group(1)).status_code == 403


def test_the_leaderboard_has_a_学习强国_tab_and_shows_the_figure_beside_the_points(app, org):
    from tests.points.test_pages import give

    save(app, "2026-04-07.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,100"]))
    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160", "20001,张三,400"]))
    give(app, "10001", 5, "a")
    client = client_for(app, "10001")
    tab = client.get("/points/board?board=xxqg").get_data(as_text=True)
    board = tab.split('id="board"')[1].split("</table>")[0]
    assert re.findall(r'<td class="nowrap">([^<]+)</td><td class="nowrap">', board) == ["张三", "王建国"]
    assert "<td>160</td><td>+60</td>" in board
    filtered = client.get(f"/points/board?board=xxqg&branch={org['first'].id}").get_data(as_text=True)
    assert "张三" not in filtered.split('id="board"')[1]
    people = client.get("/points/board?board=people&period=week").get_data(as_text=True)
    assert '<td class="xxqg">160 (+60)</td>' in people
    admin = client_for(app, "admin1")
    sheet = load_workbook(io.BytesIO(admin.get("/points/board.xlsx?board=xxqg").data)).active
    assert sheet is not None
    assert [row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("张三", "20001", "第二党支部", 400, None),
        ("王建国", "10001", "第一党支部", 160, 60),
    ]


def test_the_sample_export_matches_every_row_on_a_demo_server_and_warns_it_is_no_whole_export(
    app, client, session, frozen_now
):
    with app.app_context(), db.new_session() as writer:
        demo.load_demo(writer, now=clock.now())  # with its two exports of all 45 people
        writer.commit()
    client.post("/login", data={"username": "demo-admin", "password": demo.PASSWORD})
    client.post("/language", data={"lang": "en"})
    sample = client.get("/admin/xxqg/sample.xlsx").data
    assert "示例" in load_workbook(io.BytesIO(sample)).sheetnames[0]
    html = upload(client, sample, "学习强国积分导出示例.xlsx").get_data(as_text=True)
    assert "8 matched · 0 to choose · 0 unmatched" in html
    assert 'id="unmatched"' not in html
    warning = html.split('id="shrink"')[1].split("</div>")[0]
    assert "This export holds 8 people; the latest one (2026-04-12) holds 45." in warning
    assert "the 学习强国 board and every gain show only these 8 people" in warning


def test_an_administrator_deletes_a_snapshot_after_confirming_and_the_one_before_is_the_latest_again(
    app, org, session
):
    save(app, "2026-04-07.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,100", "20001,张三,80"]))
    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160"]))
    latest = session.scalars(select(Snapshot).where(Snapshot.filename == "2026-04-14.csv")).one()
    client = client_for(app, "admin1")
    assert f"/admin/xxqg/{latest.id}/delete" in client.get(f"/xxqg/{latest.id}").get_data(as_text=True)
    page = client.get(f"/admin/xxqg/{latest.id}/delete").get_data(as_text=True)
    assert "the 学习强国 board and the gains show the export of 2026-04-07 again" in page
    assert session.scalar(select(func.count()).select_from(Snapshot)) == 2  # asking deletes nothing

    done = client.post(f"/admin/xxqg/{latest.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert (
        "The 学习强国 export of 2026-04-14 was deleted; the latest is now the export of 2026-04-07." in done
    )
    board = client.get("/points/board?board=xxqg").get_data(as_text=True)
    assert "学习强国 figures are those of the export of Apr 7, the first one imported" in board
    assert "张三" in board
    again = client.post(f"/admin/xxqg/{latest.id}/delete", follow_redirects=True)
    assert again.status_code == 200 and "This 学习强国 snapshot was deleted already." in again.get_data(
        as_text=True
    )
    assert (
        session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "xxqg.delete"))
        == 1
    )


@pytest.mark.parametrize("username", ["10001", "sec1"])
def test_only_administrators_delete_a_snapshot(app, org, session, username):
    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160"]))
    snapshot_id = session.scalars(select(Snapshot.id)).one()
    client = client_for(app, username)
    assert client.get(f"/admin/xxqg/{snapshot_id}/delete").status_code == 403
    assert client.post(f"/admin/xxqg/{snapshot_id}/delete").status_code == 403
    assert session.scalar(select(func.count()).select_from(Snapshot)) == 1


def test_a_学习强国_gain_is_labelled_as_between_two_exports_naming_their_days_not_the_period(
    app, org, session
):
    save(app, "2026-04-07.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,100"]))
    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160"]))
    client = client_for(app, "admin1")
    tab = client.get("/points/board?board=xxqg").get_data(as_text=True)
    assert (
        '<th scope="col">学习强国 total (export of Apr 14)</th>'
        '<th scope="col">Gain since the previous export (Apr 7)</th>'
    ) in tab
    as_of = tab.split('id="xxqg-as-of">')[1].split("</p>")[0]
    assert (
        "the export of Apr 14; a gain is counted since the previous export (Apr 7), whatever the period"
        in as_of
    )
    week = client.get("/points/board?board=people&period=week").get_data(as_text=True)
    assert "in brackets: Gain since the previous export (Apr 7)" in week
    snapshot_id = session.scalars(select(Snapshot.id).where(Snapshot.filename == "2026-04-14.csv")).one()
    page = client.get(f"/xxqg/{snapshot_id}").get_data(as_text=True)
    assert '<th scope="col">Gain since the previous export (Apr 7)</th>' in page
    sheet = load_workbook(io.BytesIO(client.get("/points/board.xlsx?board=xxqg").data)).active
    assert sheet is not None
    assert [cell.value for cell in sheet[1]][-2:] == [
        "学习强国 total (export of Apr 14)",
        "Gain since the previous export (Apr 7)",
    ]
    client.post("/language", data={"lang": "zh_Hans_CN"})
    chinese = client.get("/points/board?board=xxqg").get_data(as_text=True)
    assert "较上次导出（4月7日）增加" in chinese and "4月14日" in chinese


@pytest.mark.parametrize("board", ["people", "xxqg"])
def test_cadres_and_secretaries_read_the_学习强国_board_as_the_in_house_one_and_export_only_their_own(
    app, org, board
):
    from tests.points.test_pages import give

    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160", "20001,张三,400"]))
    give(app, "10001", 5, "a")
    give(app, "20001", 4, "a")
    whole = f"/points/board?board={board}&period=week&branch="
    for reader in ("10001", "sec1"):
        client = client_for(app, reader)
        page = client.get(whole).get_data(as_text=True).split('id="board"')[1]
        assert "王建国" in page and "张三" in page, reader
    assert client_for(app, "10001").get(whole.replace("board?", "board.xlsx?")).status_code == 403
    exported = client_for(app, "sec1").get(whole.replace("board?", "board.xlsx?"))
    sheet = load_workbook(io.BytesIO(exported.data)).active
    assert sheet is not None
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "王建国" in names and "张三" not in names
