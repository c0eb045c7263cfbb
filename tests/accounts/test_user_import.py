"""Bulk import of people: every bad input gets a row/column/reason and nothing partial is written."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from studyhall.accounts import user_import
from studyhall.accounts.models import Branch, Role, User
from tests.banks.helpers import xlsx
from tests.conftest import PASSWORD

HEADER = ["工号", "姓名", "党支部", "党小组", "角色", "初始密码"]


def csv_text(rows) -> str:
    return "\r\n".join(",".join(row) for row in rows) + "\r\n"


def upload(client, data: bytes, filename: str = "people.xlsx"):
    return client.post(
        "/admin/users/import", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def token_of(page: str) -> str:
    return page.split('name="token" type="hidden" value="')[1].split('"')[0]


def confirm(client, page: str, create_branches: bool = False):
    data = {"token": token_of(page), "action": "import"}
    if create_branches:
        data["create_branches"] = "y"
    return client.post("/admin/users/import/confirm", data=data)


def user_count(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def org(people):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    people.branch("第一党小组", first)
    people.branch("第二党支部", root)
    return root


def test_xlsx_import_previews_then_creates_people_in_their_groups(admin, people, client, session):
    org(people)
    page = upload(
        client,
        xlsx(
            [
                HEADER,
                ["10001", "张三", "第一党支部", "第一党小组", "", ""],
                ["10002", "李四", "第二党支部", "", "支部书记", "Initial-Pass-1"],
            ]
        ),
    )
    text = page.get_data(as_text=True)
    assert "新建 2 人" in text and "张三" in text
    assert user_count(session) == 1  # the preview wrote nothing
    done = confirm(client, text).get_data(as_text=True)
    assert "新建 2 人，更新 0 人" in done
    zhang = session.scalars(select(User).where(User.username == "10001")).one()
    assert zhang.branch.name == "第一党小组" and zhang.role == Role.CADRE and zhang.must_change_password
    assert session.scalars(select(User).where(User.username == "10002")).one().role == Role.SECRETARY
    # 张三's password was generated and is shown once; 李四's was given in the file.
    assert 'class="secret"' in done and "10001" in done.split('id="passwords"')[1]
    assert "10002" not in done.split('id="passwords"')[1]


def test_generated_passwords_download_as_a_sheet_and_work(admin, people, client, app):
    org(people)
    done = confirm(
        client,
        upload(client, xlsx([HEADER, ["10001", "张三", "第一党支部", "", "", ""]])).get_data(as_text=True),
    ).get_data(as_text=True)
    password = done.split('<td class="secret">')[1].split("<")[0]
    sheet = client.post(
        "/admin/users/import/passwords.xlsx", data={"username": "10001", "name": "张三", "password": password}
    )
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows == [("工号", "姓名", "初始密码"), ("10001", "张三", password)]
    newcomer = app.test_client()
    assert newcomer.post("/login", data={"username": "10001", "password": password}).status_code == 302


def test_csv_saved_by_chinese_excel_in_gbk_imports(admin, people, client, session):
    org(people)
    data = csv_text([HEADER, ["10001", "欧阳修", "第一党支部", "第一党小组", "干警", ""]]).encode("gbk")
    confirm(client, upload(client, data, "people.csv").get_data(as_text=True))
    assert session.scalars(select(User.display_name).where(User.username == "10001")).one() == "欧阳修"


def test_utf8_csv_with_bom_imports(admin, people, client, session):
    org(people)
    data = b"\xef\xbb\xbf" + csv_text([HEADER, ["10001", "司马光", "第二党支部", "", "", ""]]).encode()
    confirm(client, upload(client, data, "people.csv").get_data(as_text=True))
    assert session.scalars(select(User.display_name).where(User.username == "10001")).one() == "司马光"


def test_header_is_found_under_a_notes_row_and_by_synonyms(admin, people, client, session):
    org(people)
    data = xlsx([["账号", "名字", "所在支部"], ["10001", "王五", "第一党支部"]], notes_row=True)
    confirm(client, upload(client, data).get_data(as_text=True))
    assert session.scalars(select(User.display_name).where(User.username == "10001")).one() == "王五"


def test_every_bad_row_is_reported_with_row_and_column_and_nothing_is_written(admin, people, client, session):
    org(people)
    data = xlsx(
        [
            HEADER,
            ["10001", "张三", "第一党支部", "", "", ""],
            ["10002", "", "第一党支部", "", "", ""],
            ["", "无工号", "第一党支部", "", "", ""],
            ["10001", "重复", "第一党支部", "", "", ""],
            ["10004", "角色错", "第一党支部", "", "组长", ""],
            ["10005", "密码短", "第一党支部", "", "", "123"],
            ["10006", "无支部", "", "", "", ""],
        ]
    )
    text = upload(client, data).get_data(as_text=True)
    assert "第 3 行，“姓名”列：姓名为空。" in text
    assert "第 4 行，“工号”列：工号为空。" in text
    assert "第 5 行，“工号”列：工号 10001 与第 2 行重复。" in text
    assert "第 6 行，“角色”列：无法识别的角色“组长”" in text
    assert "第 7 行，“初始密码”列：密码至少需要 8 位。" in text
    assert "第 8 行，“党支部”列：党支部为空。" in text
    assert "确认导入" not in text
    forged = client.post("/admin/users/import/confirm", data={"token": token_of(text), "action": "import"})
    assert forged.status_code == 200 and "确认导入" not in forged.get_data(as_text=True)
    assert user_count(session) == 1  # only the admin


def test_unknown_branches_are_offered_for_creation(admin, people, client, session):
    org(people)
    data = xlsx(
        [
            HEADER,
            ["10001", "张三", "第三党支部", "第一党小组", "", ""],
            ["10002", "李四", "第一党支部", "第九党小组", "", ""],
        ]
    )
    text = upload(client, data).get_data(as_text=True)
    assert (
        "以下组织尚不存在" in text and "第三党支部 / 第一党小组" in text and "第一党支部 / 第九党小组" in text
    )
    refused = confirm(client, text).get_data(as_text=True)
    assert "以下组织尚不存在" in refused and user_count(session) == 1
    confirm(client, text, create_branches=True)
    session.expire_all()
    zhang = session.scalars(select(User).where(User.username == "10001")).one()
    assert zhang.branch.name == "第一党小组" and zhang.branch.parent.name == "第三党支部"
    assert zhang.branch.parent.parent.name == "机关党委"
    li = session.scalars(select(User).where(User.username == "10002")).one()
    assert li.branch.name == "第九党小组" and li.branch.parent.name == "第一党支部"


def test_reimport_updates_people_instead_of_duplicating_them(admin, people, client, session):
    org(people)
    first = [HEADER, ["10001", "张三", "第一党支部", "", "", ""], ["10002", "李四", "第一党支部", "", "", ""]]
    confirm(client, upload(client, xlsx(first)).get_data(as_text=True))
    password_hash = session.scalars(select(User.password_hash).where(User.username == "10001")).one()
    again = [
        HEADER,
        ["10001", "张三丰", "第二党支部", "", "", ""],
        ["10002", "李四", "第一党支部", "", "", ""],
    ]
    text = upload(client, xlsx(again)).get_data(as_text=True)
    assert "更新 1 人" in text and "无变化 1 人" in text and "姓名：张三 → 张三丰" in text
    confirm(client, text)
    session.expire_all()
    assert user_count(session) == 3
    zhang = session.scalars(select(User).where(User.username == "10001")).one()
    assert (zhang.display_name, zhang.branch.name) == ("张三丰", "第二党支部")
    assert zhang.password_hash == password_hash  # re-import never resets a password


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(admin, client):
    text = upload(client, b"PK\x03\x04 this is not really a zip").get_data(as_text=True)
    assert "不是有效的 xlsx 文件" in text
    text = upload(client, b"\x80\xff\x80\xff,\xff\n", "people.csv").get_data(as_text=True)
    assert "既不是 UTF-8 也不是 GBK/GB18030" in text
    text = upload(client, csv_text([["编号", "名称"], ["1", "x"]]).encode(), "people.csv").get_data(
        as_text=True
    )
    assert "未找到表头行" in text and "工号、姓名、党支部" in text


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_parsing(admin, client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    text = upload(client, buffer.getvalue()).get_data(as_text=True)
    assert "压缩比异常" in text


def test_an_upload_over_the_size_limit_gets_a_413_page(app, admin, client):
    # Kept under the test client's 500 KB spooling threshold so no temporary file is left open.
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    response = upload(client, b"x" * (300 * 1024), "people.csv")
    assert response.status_code == 413
    assert "文件过大，上限为 0.25 MB" in response.get_data(as_text=True)


def test_the_template_download_is_itself_importable(admin, people, client, session):
    org(people)
    template = client.get("/admin/users/import/template.xlsx")
    workbook = load_workbook(io.BytesIO(template.data))
    assert [c.value for c in workbook["人员"][1]] == HEADER and "填写须知" in workbook.sheetnames
    confirm(client, upload(client, template.data).get_data(as_text=True))
    assert session.scalars(select(User.display_name).where(User.username == "10002")).one() == "李四"


def test_cli_import_dry_run_writes_nothing_and_real_run_imports(app, people, runner, session, tmp_path):
    org(people)
    people.user("admin1", Role.ADMIN)
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx([HEADER, ["10001", "张三", "第一党支部", "", "", ""]]))
    dry = runner.invoke(args=["user", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "1 to create" in dry.output and user_count(session) == 1
    real = runner.invoke(args=["user", "import", str(path)])
    assert real.exit_code == 0, real.output
    assert "1 created" in real.output and "10001\t张三\t" in real.output
    assert user_count(session) == 2


def test_cli_import_reports_problems_with_rows_and_fails(app, people, runner, session, tmp_path):
    org(people)
    path = tmp_path / "people.csv"
    path.write_text(csv_text([HEADER, ["10001", "", "第五党支部", "", "", ""]]), encoding="gb18030")
    result = runner.invoke(args=["user", "import", str(path)])
    assert result.exit_code == 1
    assert "第 2 行，“姓名”列：姓名为空。" in result.output
    assert session.scalar(select(func.count()).select_from(Branch).where(Branch.name == "第五党支部")) == 0


def test_imported_people_sign_in_with_the_password_from_the_file(admin, people, client, app):
    org(people)
    confirm(
        client,
        upload(client, xlsx([HEADER, ["10009", "赵六", "第一党支部", "", "", PASSWORD]])).get_data(
            as_text=True
        ),
    )
    newcomer = app.test_client()
    assert newcomer.post("/login", data={"username": "10009", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("filename", ["people.xlsx", "people.csv"])
def test_a_people_file_over_the_row_limit_is_refused_saying_so_and_nobody_is_added(
    admin, people, client, session, filename
):
    org(people)
    rows = [
        HEADER,
        *([str(100000 + n), "张三", "第一党支部", "", "", ""] for n in range(user_import.LIMITS.rows)),
    ]
    data = xlsx(rows) if filename.endswith(".xlsx") else csv_text(rows).encode()
    page = upload(client, data, filename).get_data(as_text=True)
    assert f"超过 {user_import.LIMITS.rows:,} 行" in page
    assert 'value="import"' not in page
    assert user_count(session) == 1  # the administrator


def test_an_import_that_would_leave_no_active_administrator_is_refused_at_its_row(
    admin, people, client, session
):
    org(people)
    retired = people.user("admin2", Role.ADMIN)
    session.get(User, retired.id).active = False  # a deactivated administrator cannot step in
    session.commit()
    # The whole organisation's file, with 角色 left empty (干警) for everyone, the admin too.
    rows = [
        HEADER,
        ["admin1", "管理员甲", "第一党支部", "", "", ""],
        ["10001", "张三", "第一党支部", "", "", ""],
    ]
    page = upload(client, xlsx(rows)).get_data(as_text=True)
    assert "此行将取消 admin1 的管理员角色，导入后将没有任何在用的管理员" in page
    assert 'value="import"' not in page
    confirm(client, page)  # posting the confirmation anyway changes nothing
    assert session.scalars(select(User.role).where(User.username == "admin1")).one() == Role.ADMIN
    assert user_count(session) == 2


def test_an_import_may_demote_an_administrator_while_another_stays(admin, people, client, session):
    org(people)
    people.user("admin2", Role.ADMIN)
    rows = [HEADER, ["admin2", "admin2", "第一党支部", "", "干警", ""]]
    page = upload(client, xlsx(rows)).get_data(as_text=True)
    assert 'value="import"' in page
    confirm(client, page)
    assert session.scalars(select(User.role).where(User.username == "admin2")).one() == Role.CADRE


def test_a_file_with_a_problem_in_every_row_names_the_first_and_counts_the_rest_by_column(
    admin, people, client, session
):
    """Each row's problems are looked up once, and the page names at most 200 of them."""
    org(people)
    rows = [HEADER, *([str(100000 + n), "", "", "", "", ""] for n in range(300))]
    page = upload(client, xlsx(rows)).get_data(as_text=True)
    assert "600 个问题" in page
    assert page.count("行，“姓名”列：姓名为空。") == 100 and page.count("行，“党支部”列：党支部为空。") == 100
    assert "第 101 行，“党支部”列：党支部为空。" in page and "第 102 行，“姓名”列" not in page
    counted = page.split('id="unshown-problems"')[1].split("</div>")[0]
    assert "前 200 个问题列在所在行旁；其余 400 个按列统计如下：" in counted
    assert "<li>“姓名”列：另有 200 个</li>" in counted and "<li>“党支部”列：另有 200 个</li>" in counted
    assert "第 102 行：另有 2 个问题，见上方统计。" in page
    assert user_count(session) == 1
