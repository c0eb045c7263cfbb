"""Every .xlsx and .csv the app hands out shows a formula-like text as text, and a bank exported
then imported comes back unchanged. A sheet bigger than an import's limits is refused, saying
which limit, before it is read in full."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Border, Side

from studyhall import PROJECT_ROOT, tabular
from studyhall.accounts import user_import
from studyhall.accounts.models import User
from studyhall.banks.formats import FORMATS
from studyhall.banks.formats.base import ParsedQuestion
from studyhall.exams import export, reports
from studyhall.exams.models import Attempt, Exam
from studyhall.tabular import FileProblem, Limits, Problem, list_problems, read_rows
from tests.banks.helpers import xlsx_with_shared_texts

# OWASP's list: each of these starts a formula in Excel, WPS or LibreOffice.
PREFIXES = ["=", "+", "-", "@", "\t", "\r"]


def payload(prefix: str) -> str:
    return f'{prefix}HYPERLINK("http://evil.example","查看")'


def xlsx_cells(data: bytes) -> list:
    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_neutralised_xlsx(data: bytes, prefix: str) -> None:
    cells = [
        cell for cell in xlsx_cells(data) if isinstance(cell.value, str) and "evil.example" in cell.value
    ]
    assert cells
    assert all(cell.data_type == "s" and cell.value == "'" + payload(prefix) for cell in cells)


def questions(prefix: str) -> list[ParsedQuestion]:
    return [
        ParsedQuestion(
            type="single",
            stem=payload(prefix),
            options=[payload(prefix), "乙"],
            answer=["A"],
            explanation=payload(prefix),
            external_id="F-001",
        ),
        # A stem that legitimately starts with a sign.
        ParsedQuestion(type="judge", stem=f"{prefix}5 是负数吗", answer=False, external_id="F-002"),
    ]


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_bank_export_as_xlsx_shows_formula_like_text_as_text(app, prefix):
    with app.app_context():
        data = FORMATS["xlsx"].export(questions(prefix))
    assert_neutralised_xlsx(data, prefix)


def test_bank_export_as_xlsx_drops_control_characters_that_xlsx_cannot_hold(app):
    """A stem pasted from a PDF can hold a C0 control character; the export must not fail for it."""
    stem = "国家安全\x01教育日\x1b是哪天"
    with app.app_context():
        data = FORMATS["xlsx"].export(
            [ParsedQuestion(type="judge", stem=stem, answer=True, external_id="C-1")]
        )
    assert "国家安全教育日是哪天" in [cell.value for cell in xlsx_cells(data)]


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_bank_export_as_csv_shows_formula_like_text_as_text(app, prefix):
    with app.app_context():
        data = FORMATS["csv"].export(questions(prefix))
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]
    assert [cell for cell in cells if "evil.example" in cell] == ["'" + payload(prefix)] * 3
    assert "'" + f"{prefix}5 是负数吗" in cells


@pytest.mark.parametrize("format_name", ["xlsx", "csv"])
@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"], ids=repr)
def test_an_exported_bank_imports_back_unchanged(app, format_name, prefix):
    # (Tab and CR cannot start a stored stem: every import strips the cell around it.)
    with app.app_context():
        original = questions(prefix)
        back = FORMATS[format_name].parse(FORMATS[format_name].export(original))
    assert back.errors == []
    assert [(q.stem, q.options, q.explanation) for q in back.questions] == [
        (q.stem, q.options, q.explanation) for q in original
    ]


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_results_workbook_shows_formula_like_names_as_text(app, prefix):
    user = User(username="10001", display_name=payload(prefix))
    attempt = Attempt(
        number=1,
        score=8,
        max_score=10,
        state="submitted",
        started_at=datetime(2026, 4, 15, 1, tzinfo=UTC),
        tab_switches=0,
        ended_by="cadre",
    )
    row = reports.ResultRow(attempt, user, payload(prefix), 300, counted=True)
    with app.test_request_context():
        data = export.results_workbook(Exam(mode="contest"), [row], reports.ranking([row]), zone=UTC)
    assert_neutralised_xlsx(data, prefix)
    assert sum("evil.example" in str(cell.value) for cell in xlsx_cells(data)) == 4  # both sheets


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_initial_passwords_workbook_shows_formula_like_names_as_text(prefix):
    assert_neutralised_xlsx(user_import.passwords_workbook([("10001", payload(prefix), "pw-123456")]), prefix)


def test_only_the_tabular_module_writes_spreadsheets():
    """So that every export passes through its neutralising writer."""
    writers = [
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "studyhall").rglob("*.py")
        if any(
            call in path.read_text(encoding="utf-8") for call in ("Workbook(", "csv.writer(", "DictWriter(")
        )
    ]
    assert writers == ["studyhall/tabular.py"]


# ---- size limits ------------------------------------------------------------------------------

SMALL = Limits(rows=20, cells=100)


def written(rows: list[list[str]], *, write_only: bool) -> bytes:
    """openpyxl's normal writer records the sheet's <dimension>; its write-only one does not."""
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("a") if write_only else workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("write_only", [False, True], ids=["declared", "streamed"])
def test_a_sheet_with_more_rows_than_the_limit_is_refused_naming_the_row_limit(app, write_only):
    data = written([["工号", "姓名"]] + [[str(n), "甲"] for n in range(20)], write_only=write_only)
    with app.test_request_context(), pytest.raises(FileProblem, match="超过 20 行"):
        read_rows("a.xlsx", data, SMALL)


@pytest.mark.parametrize("write_only", [False, True], ids=["declared", "streamed"])
def test_a_sheet_with_more_cells_than_the_limit_is_refused_naming_the_cell_limit(app, write_only):
    data = written([["工号", "姓名"], ["1", *[""] * 60, "x"], ["2", *[""] * 60, "x"]], write_only=write_only)
    with app.test_request_context(), pytest.raises(FileProblem, match="超过 100 个单元格"):
        read_rows("a.xlsx", data, SMALL)


def test_a_csv_with_more_rows_or_cells_than_the_limit_is_refused(app):
    with app.test_request_context():
        with pytest.raises(FileProblem, match="超过 20 行"):
            read_rows("a.csv", "\n".join(f"{n},甲" for n in range(21)).encode(), SMALL)
        with pytest.raises(FileProblem, match="超过 100 个单元格"):
            read_rows("a.csv", ("," * 60 + "x\n").encode() * 2, SMALL)


def test_a_workbook_with_more_shared_texts_than_cells_allowed_is_refused_before_they_are_read(app):
    with app.test_request_context():
        assert [row.cells for row in read_rows("a.xlsx", xlsx_with_shared_texts(100), SMALL)] == [("工号",)]
        with pytest.raises(FileProblem, match="不同文本超过 100 条"):
            read_rows("a.xlsx", xlsx_with_shared_texts(101), SMALL)


@pytest.mark.parametrize("format_name", ["csv", "gift", "aiken", "text"])
def test_a_text_file_holding_a_nul_is_refused_naming_its_line(app, format_name):
    """PostgreSQL cannot store a NUL; the import says where it is instead of failing as it saves."""
    data = "题型,题干\n单选,国家安全\x00日\n".encode()
    with app.test_request_context():
        if format_name == "csv":
            with pytest.raises(FileProblem, match="第 2 行含有 NUL 字符"):
                read_rows("a.csv", data, SMALL)
        else:
            result = FORMATS[format_name].parse(data)
            assert not result.questions
            assert any("第 2 行含有 NUL 字符" in str(error.to_json()) for error in result.errors), (
                result.errors
            )


def with_dimension(data: bytes, ref: str) -> bytes:
    """The same workbook with its first sheet's <dimension> saying `ref`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), part)
            target.writestr(item, part)
    return buffer.getvalue()


def test_rows_past_the_limit_that_hold_no_data_do_not_count_toward_it(app):
    """A border drawn on a cell far below the data stretches the sheet, and its <dimension>, without
    adding a row of data."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (["工号", "姓名"], ["1", "甲"], ["2", "乙"]):
        sheet.append(row)
    sheet.cell(25_000, 3).border = Border(bottom=Side(style="thin"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    formatted = buffer.getvalue()
    declared = with_dimension(
        written([["工号", "姓名"], ["1", "甲"], ["2", "乙"]], write_only=False), "A1:C30000"
    )
    assert b'<dimension ref="A1:C25000"' in zipfile.ZipFile(io.BytesIO(formatted)).read(
        "xl/worksheets/sheet1.xml"
    )
    with app.test_request_context():
        for data in (formatted, declared):
            assert [row.cells for row in read_rows("a.xlsx", data, SMALL)] == [
                ("工号", "姓名"),
                ("1", "甲"),
                ("2", "乙"),
            ]
        blank_lines = "工号,姓名\n1,甲\n" + ",,\n" * 25 + "\n" * 25 + "2,乙\n"
        assert [row.number for row in read_rows("a.csv", blank_lines.encode(), SMALL)] == [1, 2, 53]


def test_a_sheet_of_endless_empty_formatted_rows_is_refused_before_they_are_all_read(app, monkeypatch):
    """Empty rows only cost time, but they do cost it: past a bound the sheet is refused, saying what to delete."""
    monkeypatch.setattr(tabular, "MAX_EMPTY_CELLS", 50)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["工号", "姓名"])
    for row in range(2, 60):
        sheet.cell(row, 1).border = Border(bottom=Side(style="thin"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    with (
        app.test_request_context(),
        pytest.raises(FileProblem, match="大量设置了格式的空行或空单元格（到第 52 行）"),
    ):
        read_rows("a.xlsx", buffer.getvalue(), SMALL)


def test_a_csv_field_too_long_is_named_by_its_row_in_chinese(app):
    """Most often a quotation mark left open, which makes the rest of the file one field."""
    long_field = "工号,姓名\n1,甲\n2," + "乙" * 131_073 + "\n"
    unclosed = '工号,姓名\n1,"甲\n' + "2,乙\n" * 40_000
    with app.test_request_context():
        for data, row in ((long_field, 3), (unclosed, 2)):
            with pytest.raises(FileProblem) as refused:
                read_rows("a.csv", data.encode(), Limits(rows=50_000, cells=10**6))
            assert str(refused.value) == (
                f'第 {row} 行有一个字段超过 131,072 个字符：是否有引号（"）未闭合？'
            )


def test_a_previews_problems_are_named_up_to_a_bound_and_the_rest_counted_by_column():
    problems = [Problem(None, "", "整个文件")] + [
        Problem(row, column, f"{row}{column}") for row in range(2, 12) for column in ("总积分", "本周积分")
    ]
    listing = list_problems(problems, shown=5)
    assert listing.of_file == [problems[0]] and listing.total == 21 and listing.named == 5
    assert {row: [p.message for p in named] for row, named in listing.shown.items()} == {
        2: ["2总积分", "2本周积分"],
        3: ["3总积分", "3本周积分"],
        4: ["4总积分"],
    }
    assert listing.unshown == {4: 1, **{row: 2 for row in range(5, 12)}} and listing.counted == 15
    assert listing.unshown_by_column == {"本周积分": 8, "总积分": 7}
    assert listing.has(4) and listing.has(11) and not listing.has(12)


def test_a_sheet_is_named_whatever_its_title_holds():
    from openpyxl import load_workbook

    from studyhall.tabular import Sheet, sheet_name, xlsx_bytes

    assert sheet_name("第一党支部:学习 [试]*?/\\") == "第一党支部_学习 _试_____"
    assert len(sheet_name("长" * 40)) == 31 and sheet_name("") == "Sheet"
    workbook = load_workbook(io.BytesIO(xlsx_bytes(Sheet("A:B", [["x"]]), Sheet("'quoted'", [["y"]]))))
    assert workbook.sheetnames == ["A_B", "quoted"]
