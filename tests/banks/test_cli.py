"""`studyhall bank check/import/export/list`."""

from __future__ import annotations

import json

from studyhall import PROJECT_ROOT
from tests.banks.helpers import SAMPLE, csv_bytes, row, sheet_rows, xlsx


def test_check_json_prints_one_object_in_the_documented_shape(runner, tmp_path):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(xlsx(sheet_rows(*SAMPLE)))
    result = runner.invoke(args=["bank", "check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"format", "questions", "errors", "warnings"} and report["format"] == "xlsx"
    first = report["questions"][0]
    assert set(first) == {
        "type",
        "stem",
        "options",
        "answer",
        "explanation",
        "categories",
        "difficulty",
        "score",
        "source",
        "line",
    }
    assert [q["answer"] for q in report["questions"]] == [
        ["B"],
        ["A", "B", "D"],
        True,
        [["4月15日", "四月十五日"], ["总体国家安全观"]],
    ]


def test_check_exits_1_and_names_the_row_of_each_error(runner, tmp_path):
    path = tmp_path / "bank.csv"
    path.write_bytes(csv_bytes(sheet_rows(row("单选", "题（ ）。", ["甲", "乙"], "AB")), "gbk"))
    result = runner.invoke(args=["bank", "check", str(path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["errors"] == [{"row": 2, "message": "单选题有多个答案（AB）。"}]
    plain = runner.invoke(args=["bank", "check", str(path)])
    assert plain.exit_code == 1 and "bank.csv: row 2: error: 单选题有多个答案（AB）。" in plain.output


def test_every_shipped_bank_passes_check_with_sources_required(runner):
    for name in (
        "national_security.csv",
        "constitution.csv",
        "party_rules.csv",
        "congress_report.csv",
        "party_discipline.csv",
        "procuratorate_law.csv",
    ):
        result = runner.invoke(
            args=["bank", "check", str(PROJECT_ROOT / "question_banks" / name), "--require-source", "--json"]
        )
        report = json.loads(result.output)
        assert result.exit_code == 0 and report["errors"] == [], (name, report["errors"][:3])


def test_import_dry_run_then_import_then_list_and_export(runner, tmp_path):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(xlsx(sheet_rows(*SAMPLE)))
    dry = runner.invoke(args=["bank", "import", str(path), "--bank", "国家安全", "--dry-run"])
    assert dry.exit_code == 0 and "4 new" in dry.output and "Dry run" in dry.output
    assert "国家安全" not in runner.invoke(args=["bank", "list"]).output
    real = runner.invoke(args=["bank", "import", str(path), "--bank", "国家安全"])
    assert real.exit_code == 0, real.output
    again = runner.invoke(args=["bank", "import", str(path), "--bank", "国家安全"])
    assert "0 new, 0 changed (new version), 4 unchanged" in again.output
    listing = runner.invoke(args=["bank", "list"]).output
    assert "国家安全\t4 questions (single=1 multiple=1 judge=1 blank=1), 0 retired" in listing
    out = tmp_path / "export.csv"
    exported = runner.invoke(args=["bank", "export", "国家安全", "--format", "csv", "-o", str(out)])
    assert exported.exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and "总体国家安全观" in out.read_text("utf-8-sig")


def test_import_with_errors_writes_nothing(runner, tmp_path):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(xlsx(sheet_rows(*SAMPLE, row("判断", "陈述。", [], "也许"))))
    result = runner.invoke(args=["bank", "import", str(path), "--bank", "国家安全"])
    assert result.exit_code == 1 and "row 6" in result.output
    assert "国家安全" not in runner.invoke(args=["bank", "list"]).output
