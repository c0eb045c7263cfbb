"""Headings say what their column holds."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.exams.test_attempts import sign_in, start


def test_tests_list_heads_its_links_column_without_calling_it_pages(app, make_exam):
    make_exam()
    page = sign_in(app, "admin1").get("/admin/exams/").get_data(as_text=True)
    heads = page.split("<thead>")[1].split("</thead>")[0]
    assert "分页" not in heads and "监控与成绩" in heads


def test_results_table_and_export_head_peoples_names_as_xingming(app, make_exam):
    exam_id = make_exam()
    start(sign_in(app, "10001"), exam_id)
    admin = sign_in(app, "admin1")
    page = admin.get(f"/admin/exams/{exam_id}/results").get_data(as_text=True)
    assert '<th scope="col">姓名</th>' in page and "名称" not in page
    sheet = load_workbook(io.BytesIO(admin.get(f"/admin/exams/{exam_id}/results.xlsx").data)).active
    assert next(sheet.iter_rows(values_only=True))[0] == "姓名"


def test_the_site_menu_is_hidden_during_an_attempt(app, make_exam):
    exam_id = make_exam()
    cadre = sign_in(app, "10001")
    assert '<nav aria-label="' in cadre.get("/").get_data(as_text=True)
    attempt_id = start(cadre, exam_id).get_json()["attempt"]
    page = cadre.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'id="attempt"' in page and '<nav aria-label="' not in page


def test_language_password_and_sign_out_are_hidden_during_an_attempt(app, make_exam):
    exam_id = make_exam()
    cadre = sign_in(app, "10001")
    home = cadre.get("/").get_data(as_text=True)
    assert 'name="lang"' in home and 'href="/password"' in home and 'action="/logout"' in home
    attempt_id = start(cadre, exam_id).get_json()["attempt"]
    page = cadre.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'id="attempt"' in page
    assert 'name="lang"' not in page and 'href="/password"' not in page and 'action="/logout"' not in page
