"""The 学习强国 upload → preview → confirm pages, the snapshots, and the figures on the leaderboard."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from studyhall import clock, db, demo
from studyhall.accounts.models import AuditEvent
from studyhall.xxqg import service
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


def test_the_sample_export_is_the_next_whole_export_of_the_latest_ones_people_dated_now(
    app, client, session, frozen_now
):
    """Uploaded on a fresh demo server, it is saved as the next export: everyone, each a little ahead."""
    with app.app_context(), db.new_session() as writer:
        demo.load_demo(
            writer, now=clock.now()
        )  # with its two exports of all 45 people, the latest 3 days old
        writer.commit()
    frozen_now(datetime(2026, 4, 14, 16, 36, tzinfo=UTC))  # 00:36 on the 15th in Shanghai
    client.post("/login", data={"username": "demo-admin", "password": demo.PASSWORD})
    client.post("/language", data={"lang": "en"})
    sample = load_workbook(io.BytesIO(client.get("/admin/xxqg/sample.xlsx").data))
    assert "示例" in sample.sheetnames[0]
    lines = list(sample.worksheets[0].iter_rows(values_only=True))
    assert lines[1][0] == "导出时间：2026-04-15 00:36"  # when it was made, not later that day
    assert len(lines) == 3 + 45

    buffer = io.BytesIO()
    sample.save(buffer)
    html = upload(client, buffer.getvalue(), "学习强国积分导出示例.xlsx").get_data(as_text=True)
    assert (
        "Exported on 2026-04-15 (from the lines above the header) · 45 matched · 0 to choose · 0 unmatched"
        in html
    )
    assert 'id="shrink"' not in html and 'id="fell"' not in html and 'class="error"' not in html
    done = client.post("/admin/xxqg/confirm", data={"token": token_of(html), "action": "import"})
    assert done.status_code == 302
    latest = service.latest_snapshot(session)
    assert latest is not None and latest.exported_on == date(2026, 4, 15)
    gains = [row.gain for row in service.board(session, latest, limit=100)]
    assert len(gains) == 44 and all(
        gain is not None and gain > 0 for gain in gains
    )  # (the administrator is on no board)


def test_the_sample_export_without_an_export_yet_holds_the_demo_organisations_people(app, org, session):
    names = load_workbook(
        io.BytesIO(client_for(app, "admin1").get("/admin/xxqg/sample.xlsx").data)
    ).worksheets[0]
    assert [row[1] for row in names.iter_rows(min_row=4, values_only=True)] == [
        name for name, _organisation in demo.xxqg_sample_people()
    ]


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


def test_a_day_that_is_no_day_gives_the_preview_back_with_a_message_at_the_field_and_the_choices_kept(
    app, org, session
):
    client = client_for(app, "admin1")
    html = upload(client, csv_bytes(EXPORT), "export.csv").get_data(as_text=True)
    chosen = re.search(r'<option value="(\d+)" >张三 \(20002\)', html)
    assert chosen
    for day, message in (
        ("2026-02-30", "Not a valid date value."),
        ("abc", "Not a valid date value."),
        ("0001-01-01", "The export is dated 0001-01-01, before 学习强国 opened (2019-01-01)."),
        ("2026-05-01", "The export is dated 2026-05-01, a day still to come."),
    ):
        again = client.post(
            "/admin/xxqg/confirm",
            data={
                "token": token_of(html),
                "exported_on": day,
                "choice-5": chosen.group(1),
                "action": "import",
            },
        )
        page = again.get_data(as_text=True)
        assert again.status_code == 200, day
        field = page.split('id="exported_on-error"')[1].split("</p>")[0]
        assert message in field and f'value="{day}"' in page, day
        assert f'<option value="{chosen.group(1)}" selected>张三 (20002)' in page, day
        assert "Save the snapshot" not in page
    assert session.scalar(select(func.count()).select_from(Snapshot)) == 0
    client.post(
        "/admin/xxqg/confirm",
        data={
            "token": token_of(html),
            "exported_on": "2026-04-13",
            "choice-5": chosen.group(1),
            "action": "import",
        },
    )
    assert session.scalars(select(Snapshot.exported_on)).one() == date(2026, 4, 13)


def test_the_organisations_not_plainly_ours_are_asked_about_and_the_answer_kept(app, org, session):
    client = client_for(app, "admin1")
    data = csv_bytes(
        ["姓名,所在组织,总积分", "王建国,外单位第一党支部,100", "李晓燕,机关党委/第一党支部,90"], "utf-8"
    )
    html = upload(client, data).get_data(as_text=True)
    asked = html.split('id="organisations"')[1].split("</section>")[0]
    assert "外单位第一党支部" in asked
    assert "It ends with the name of our 机关党委 / 第一党支部, but “外单位” names no unit of ours." in asked
    field = re.search(r'<select name="(organisation-\w+)"', asked)
    assert field and f'<option value="{org["first"].id}" >Ours: 机关党委 / 第一党支部</option>' in asked
    left_out = html.split('id="unmatched"')[1].split("</section>")[0]
    assert (
        "Row 2: 王建国 · 外单位第一党支部 · Its organisation is not plainly ours (see “Organisations that are not plainly ours” above)."
        in left_out
    )
    assert "Save the snapshot" in html  # the other unit's row is left out unless asked otherwise

    answered = client.post(
        "/admin/xxqg/confirm",
        data={"token": token_of(html), field.group(1): str(org["first"].id), "action": "recheck"},
    ).get_data(as_text=True)
    assert "2 matched · 0 to choose · 0 unmatched" in answered
    assert f'<option value="{org["first"].id}" selected>Ours: 机关党委 / 第一党支部</option>' in answered
    client.post(
        "/admin/xxqg/confirm",
        data={"token": token_of(html), field.group(1): str(org["first"].id), "action": "import"},
    )
    assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 2


def test_an_export_of_a_day_saved_already_names_it_and_links_to_deleting_it(app, org, session):
    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160"]))
    saved = session.scalars(select(Snapshot.id)).one()
    client = client_for(app, "admin1")
    html = upload(
        client, csv_bytes(["工号,姓名,总积分", "10001,王建国,170"]), "again 2026-04-14.csv"
    ).get_data(as_text=True)
    notice = html.split('id="same-day"')[1].split("</div>")[0]
    assert "An export of 2026-04-14 is saved already: 2026-04-14.csv, imported" in notice
    assert f'href="/admin/xxqg/{saved}/delete"' in notice and f'href="/xxqg/{saved}"' in notice
    assert "Save the snapshot" not in html
    client.post("/admin/xxqg/confirm", data={"token": token_of(html), "action": "import"})
    assert session.scalar(select(func.count()).select_from(Snapshot)) == 1


def test_a_total_lower_than_before_is_warned_of_per_row_and_may_still_be_saved(app, org, session):
    save(app, "2026-04-07.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160", "10002,李晓燕,90"]))
    client = client_for(app, "admin1")
    html = upload(client, csv_bytes(["工号,姓名,总积分", "10001,王建国,120", "10002,李晓燕,95"])).get_data(
        as_text=True
    )
    warning = html.split('id="fell"')[1].split("</div>")[0]
    assert "1 people have a lower total than in the previous export (2026-04-07)." in warning
    assert "<li>Row 2: 王建国, 160 → 120</li>" in warning and "李晓燕" not in warning
    assert "Total lower than in the previous export: 160 → 120" in html.split('id="preview"')[1]
    assert "Save the snapshot" in html
    client.post("/language", data={"lang": "zh_Hans_CN"})
    chinese = upload(client, csv_bytes(["工号,姓名,总积分", "10001,王建国,120", "10002,李晓燕,95"])).get_data(
        as_text=True
    )
    assert "<li>第 2 行：王建国，160 → 120</li>" in chinese


def test_a_file_with_a_bad_value_in_every_cell_names_the_first_problems_and_counts_the_rest_by_column(
    app, org, session
):
    """Named all, the problems of a 20,000-row file made a 21 MB page that took minutes."""
    periods = [f"第{n}周积分" for n in range(1, 16)]
    rows = ["姓名,所在组织,总积分," + ",".join(periods)]
    rows += [f"王建国,第一党支部,{n}," + ",".join(["-"] * 15) for n in range(400)]
    html = upload(client_for(app, "admin1"), csv_bytes(rows, "utf-8")).get_data(as_text=True)
    assert "6000 problems" in html
    # 200 named (rows 2 to 14, and 5 of row 15's), then the count of the rest on each row from row 15
    assert html.count('<p class="error">Row ') == 200 + 387
    assert "Row 15, column 第5周积分: “-” is not a number of points." in html
    assert "Row 15, column 第6周积分" not in html
    counted = html.split('id="unshown-problems"')[1].split("</div>")[0]
    assert (
        "The first 200 problems are named beside their rows; the other 5,800 are counted by column:"
        in counted
    )
    assert (
        "<li>Column 第1周积分: 386 more</li>" in counted and "<li>Column 第6周积分: 387 more</li>" in counted
    )
    assert "Row 15: 10 more problems, counted above." in html


def test_the_preview_names_the_columns_as_the_file_does_and_its_rows_with_full_width_colons(
    app, org, session
):
    client = client_for(app, "admin1")
    client.post("/language", data={"lang": "zh_Hans_CN"})
    html = upload(
        client,
        csv_bytes(
            [
                "姓名,所在组织,学习积分",
                "王建国,第一党支部,100",
                "赵敏,机关党委/第三党支部,",
                "李晓燕,第一党支部,9",
            ]
        ),
    ).get_data(as_text=True)
    assert "<h1>学习强国积分导入预览：学习强国_2026-04-14.csv</h1>" in html
    header = html.split('id="preview"')[1].split("</thead>")[0]
    assert '<th scope="col">学习积分</th>' in header and "合计" not in header
    assert "第 3 行，“学习积分”列：缺少总积分：该单元格为空。" in html
    assert "“”不是积分数" not in html


def test_the_学习强国_board_its_export_and_the_snapshot_page_show_the_branch_from_the_党支部_down(
    app, org, session
):
    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10002,李晓燕,500", "20001,张三,300"]))
    client = client_for(app, "admin1")
    snapshot_id = session.scalars(select(Snapshot.id)).one()
    for page in (
        client.get("/points/board?board=xxqg").get_data(as_text=True),
        client.get(f"/xxqg/{snapshot_id}").get_data(as_text=True),
    ):
        assert '<td class="nowrap">第一党支部 / 第一党小组</td>' in page
        assert '<td class="nowrap">第二党支部</td>' in page
    sheet = load_workbook(io.BytesIO(client.get("/points/board.xlsx?board=xxqg").data)).active
    assert sheet is not None
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "第一党支部 / 第一党小组",
        "第二党支部",
    ]


def test_a_choice_written_in_digits_int_refuses_is_ignored_not_a_crash():
    from werkzeug.datastructures import MultiDict

    from studyhall.xxqg.views import Answers

    read = Answers.read(MultiDict({"choice-፩": "3", "choice-4": "፩", "choice-5": "none", "choice-6": "7"}))
    assert read.people == {5: None, 6: 7}
