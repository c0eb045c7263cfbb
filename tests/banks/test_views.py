"""Administrators' bank pages: upload → preview → confirm, browse, edit, retire, export."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from studyhall.accounts.models import Role
from studyhall.banks.formats import sheet
from studyhall.banks.models import Bank, Question
from studyhall.system.models import StagedFile
from tests.banks.helpers import SAMPLE, csv_bytes, row, sheet_rows, xlsx


def upload(
    client, data: bytes, bank: str = "国家安全", filename: str = "bank.xlsx", format_name: str = "auto"
):
    return client.post(
        "/admin/banks/",
        data={"bank": bank, "format": format_name, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm_from(client, page: str):
    fields = {
        name: page.split(f'name="{name}" type="hidden" value="')[1].split('"')[0]
        for name in ("token", "bank", "format")
    }
    return client.post("/admin/banks/import/confirm", data=fields)


def test_preview_shows_each_question_with_its_key_then_confirm_imports(admin, client, session):
    page = upload(client, xlsx(sheet_rows(*SAMPLE))).get_data(as_text=True)
    assert "每年（ ）为全民国家安全教育日。" in page and 'class="correct"' in page
    assert "新增 4 题" in page
    assert session.scalar(select(func.count()).select_from(Question)) == 0
    response = confirm_from(client, page)
    assert response.status_code == 302
    browse = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已导入“国家安全”：新增 4 题" in browse and "总体国家安全观" in browse
    assert session.scalar(select(func.count()).select_from(Question)) == 4


def test_preview_highlights_errors_at_their_row_and_offers_no_import(admin, client, session):
    data = xlsx(sheet_rows(*SAMPLE, row("单选", "题（ ）。", ["甲", "甲"], "A")))
    page = upload(client, data).get_data(as_text=True)
    assert "第 6 行：选项 A 与选项 B 相同。" in page
    assert "导入到“国家安全”" not in page
    token = session.scalars(select(StagedFile.token)).one()
    forged = client.post(
        "/admin/banks/import/confirm", data={"token": token, "bank": "国家安全", "format": "auto"}
    )
    assert forged.status_code == 200 and "选项 A 与选项 B 相同" in forged.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Question)) == 0


def test_browse_filters_and_counts(admin, client, session):
    confirm_from(client, upload(client, xlsx(sheet_rows(*SAMPLE))).get_data(as_text=True))
    bank_id = session.scalars(select(Question.bank_id)).first()
    assert f'href="/admin/banks/{bank_id}">国家安全</a>' in client.get("/admin/banks/").get_data(as_text=True)
    judge_only = client.get(f"/admin/banks/{bank_id}?type=judge").get_data(as_text=True)
    assert "维护国家安全是中华人民共和国公民的义务。" in judge_only and "教育日。" not in judge_only
    assert "共 4 题" in client.get(f"/admin/banks/{bank_id}").get_data(as_text=True)


def test_edit_creates_a_version_and_a_wrong_key_is_refused(admin, client, session):
    confirm_from(client, upload(client, xlsx(sheet_rows(*SAMPLE))).get_data(as_text=True))
    question = session.scalars(select(Question).where(Question.external_id == "T-001")).one()
    form = {
        "type": "single",
        "stem": question.stem,
        "option_A": "3月15日",
        "option_B": "4月15日",
        "option_C": "10月1日",
        "option_D": "12月4日",
        "answer": "E",
        "explanation": "",
        "categories": "",
        "difficulty": "",
        "score": "1",
        "source": question.source,
        "external_id": "T-001",
    }
    refused = client.post(f"/admin/banks/questions/{question.id}", data=form).get_data(as_text=True)
    assert "答案 E 不在选项之中。" in refused
    form["answer"] = "b"
    form["explanation"] = "新的解析"
    saved = client.post(f"/admin/banks/questions/{question.id}", data=form)
    assert saved.status_code == 302
    session.expire_all()
    versions = session.scalars(
        select(Question).where(Question.external_id == "T-001").order_by(Question.version)
    ).all()
    assert [(v.version, v.current, v.explanation) for v in versions] == [
        (1, False, "国家安全法第十四条。"),
        (2, True, "新的解析"),
    ]


def test_retire_and_restore(admin, client, session):
    confirm_from(client, upload(client, xlsx(sheet_rows(*SAMPLE))).get_data(as_text=True))
    question = session.scalars(select(Question).where(Question.external_id == "T-003")).one()
    client.post(f"/admin/banks/questions/{question.id}/retire", data={"retired": "1"})
    page = client.get(f"/admin/banks/{question.bank_id}").get_data(as_text=True)
    assert "维护国家安全是中华人民共和国公民的义务" not in page
    client.post(f"/admin/banks/questions/{question.id}/retire", data={"retired": "0"})
    assert "维护国家安全是中华人民共和国公民的义务" in client.get(
        f"/admin/banks/{question.bank_id}"
    ).get_data(as_text=True)


def test_export_downloads_and_template_downloads(admin, client, session):
    confirm_from(client, upload(client, xlsx(sheet_rows(*SAMPLE))).get_data(as_text=True))
    bank_id = session.scalars(select(Question.bank_id)).first()
    response = client.get(f"/admin/banks/{bank_id}/export?format=csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert "总体国家安全观" in response.data.decode("utf-8-sig")
    assert client.get("/admin/banks/template.xlsx").data[:2] == b"PK"


def test_oversized_upload_gets_a_413_page_with_the_way_back_to_the_form(app, admin, client):
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    response = client.post(
        "/admin/banks/",
        data={"bank": "国家安全", "format": "auto", "file": (io.BytesIO(b"x" * (300 * 1024)), "big.csv")},
        content_type="multipart/form-data",
        headers={"Referer": "http://localhost/admin/banks/"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "文件过大" in page
    assert '<a class="button primary" href="/admin/banks/">返回上一页</a>' in page


def test_preview_marks_the_rows_in_error_and_the_error_list_links_to_them(admin, client):
    data = xlsx(
        sheet_rows(*SAMPLE, row("单选", "题（ ）。", ["甲", "甲"], "A"), row("问答", "题干", [], "A"))
    )
    page = upload(client, data).get_data(as_text=True)
    errors = page.split('id="errors"')[1].split("</section>")[0]
    assert '<a href="#row-6">第 6 行：选项 A 与选项 B 相同。</a>' in errors
    assert '<a href="#row-7">' in errors  # a row that could not be read as a question at all
    preview = page.split('id="preview"')[1]
    for number, message in ((6, "选项 A 与选项 B 相同"), (7, "问答")):
        marked = preview.split(f'id="row-{number}"')[0].rsplit("<div", 1)[1]
        assert "row-error" in marked
        assert message in preview.split(f'id="row-{number}"')[1].split('class="question-row')[0]
    assert 'id="row-2"' in preview and "row-error" not in preview.split('id="row-2"')[0].rsplit("<div", 1)[1]


def test_every_link_of_the_preview_lands_on_a_row_and_an_unreadable_row_shows_its_type_and_stem(
    admin, client
):
    example = row("单选", "示例题干（ ）。", ["甲", "乙"], "A", id="示例-1")
    unreadable = row("单选", "国家安全教育日是每年的哪一天（ ）？", ["4月15日", "5月4日"], "")
    page = upload(client, xlsx(sheet_rows(example, *SAMPLE, unreadable))).get_data(as_text=True)
    links = set(re.findall(r'href="#(row-\d+)"', page))
    assert {"row-2", "row-7"} <= links  # the skipped example row's warning, the unreadable row's error
    for anchor in links:
        assert f'id="{anchor}"' in page, anchor
    skipped = page.split('id="row-2"')[1].split('class="question-row')[0]
    assert "示例" in skipped and "row-error" not in page.split('id="row-2"')[0].rsplit("<div", 1)[1]
    card = page.split('id="row-7"')[1].split('class="question-row')[0]
    assert '<p class="glimpse"><span class="tag">单选' in card and "国家安全教育日是每年的哪一天" in card


def test_banks_are_for_administrators_only(people, auth, client):
    people.user("sec1", Role.SECRETARY)
    auth.login("sec1")
    assert client.get("/admin/banks/").status_code == 403


def test_a_bank_file_over_the_row_limit_is_refused_saying_so_and_nothing_is_imported(admin, client, session):
    rows = [["题型", "题干", "答案"]] + [["判断", f"第{n}题。", "对"] for n in range(sheet.LIMITS.rows)]
    page = upload(client, csv_bytes(rows), filename="bank.csv").get_data(as_text=True)
    assert f"超过 {sheet.LIMITS.rows:,} 行" in page
    assert "导入到“国家安全”" not in page
    assert session.scalar(select(func.count()).select_from(Question)) == 0
    assert session.scalar(select(func.count()).select_from(Bank)) == 0


def test_preview_counts_unchanged_questions_as_questions_not_people(admin, client):
    confirm_from(client, upload(client, xlsx(sheet_rows(*SAMPLE))).get_data(as_text=True))
    page = upload(client, xlsx(sheet_rows(*SAMPLE))).get_data(as_text=True)
    assert "无变化 4 题" in page and "无变化 4 人" not in page
