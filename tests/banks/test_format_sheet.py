"""The Chinese Excel template and the same layout as CSV."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from studyhall.banks.formats import sheet
from tests.banks.helpers import SAMPLE, csv_bytes, row, sheet_rows, xlsx


def test_every_type_reads_from_xlsx_with_its_key():
    result = sheet.parse_xlsx(xlsx(sheet_rows(*SAMPLE)))
    assert result.errors == []
    single, multiple, judge, blank = result.questions
    assert (single.type, single.answer, single.options[1], single.difficulty) == (
        "single",
        ["B"],
        "4月15日",
        2,
    )
    assert (
        single.categories == ["国家安全法", "教育日"] and single.external_id == "T-001" and single.line == 2
    )
    assert (multiple.type, multiple.answer) == ("multiple", ["A", "B", "D"])
    assert (judge.type, judge.answer, judge.options) == ("judge", True, [])
    assert blank.answer == [["4月15日", "四月十五日"], ["总体国家安全观"]]


def test_csv_in_gbk_and_utf8_with_bom_read_the_same():
    rows = sheet_rows(*SAMPLE)
    gbk = sheet.parse_csv(csv_bytes(rows, "gbk"))
    bom = sheet.parse_csv(b"\xef\xbb\xbf" + csv_bytes(rows))
    assert gbk.errors == [] and bom.errors == []
    assert [q.stem for q in gbk.questions] == [q.stem for q in bom.questions] == [r[1] for r in SAMPLE]


def test_header_synonyms_and_a_notes_row_above_the_header():
    header = ("试题类型", "题目内容", "A", "B", "C", "D", "正确答案", "分数", "章节")
    data = xlsx(
        [
            list(header),
            [
                "单项选择题",
                "我国的根本大法是（ ）。",
                "刑法",
                "宪法",
                "民法典",
                "国家安全法",
                "Ｂ",
                "2",
                "宪法",
            ],
        ],
        notes_row=True,
    )
    result = sheet.parse_xlsx(data)
    assert result.errors == []
    question = result.questions[0]
    assert (question.type, question.answer, question.score, question.categories) == (
        "single",
        ["B"],
        2.0,
        ["宪法"],
    )
    assert question.line == 3


def test_answer_spellings_people_use_are_accepted():
    spellings = {
        "ABC": ["A", "B", "C"],
        "A,B,C": ["A", "B", "C"],
        "A、C": ["A", "C"],
        "A|C": ["A", "C"],
        "B;D": ["B", "D"],
        "ＡＣ": ["A", "C"],
        "c a": ["A", "C"],
    }
    for text, letters in spellings.items():
        result = sheet.parse_csv(csv_bytes(sheet_rows(row("多选", "题", ["一", "二", "三", "四"], text))))
        assert result.questions[0].answer == letters, text
    for text, value in {
        "对": True,
        "错": False,
        "正确": True,
        "错误": False,
        "√": True,
        "×": False,
        "是": True,
        "否": False,
        "T": True,
        "F": False,
        "true": True,
        "FALSE": False,
    }.items():
        result = sheet.parse_csv(csv_bytes(sheet_rows(row("判断题", "陈述。", [], text))))
        assert result.questions[0].answer is value, text


def test_difficulty_words_and_numbers():
    for text, level in {"易": 2, "中": 3, "难": 4, "简单": 2, "中等": 3, "困难": 4, "1": 1, "5": 5}.items():
        result = sheet.parse_csv(csv_bytes(sheet_rows(row("判断", "陈述。", [], "对", difficulty=text))))
        assert result.questions[0].difficulty == level, text


def test_bad_rows_are_reported_by_row_and_column():
    rows = sheet_rows(
        row("单选", "好题。", ["甲", "乙"], "A"),
        row("问答", "论述题。", [], "略"),
        row("单选", "", ["甲", "乙"], "A"),
        row("多选", "题。", ["甲", "乙", "丙"], "甲乙"),
        row("判断", "陈述。", [], "可能"),
        row("单选", "题。", ["甲", "乙"], "A", difficulty="很难"),
        row("单选", "题。", ["甲", "乙"], "A", score="-1"),
        row("填空", "题____。", [], ""),
    )
    result = sheet.parse_xlsx(xlsx(rows))
    messages = {(issue.row, issue.message) for issue in result.errors}
    assert (3, "Column 题型: unknown question type “问答” (use 单选, 多选, 判断 or 填空).") in messages
    assert (4, "Column 题干: empty.") in messages
    assert (5, "Column 答案: “甲乙” is not option letters (e.g. B or ACD).") in messages
    assert (6, "Column 答案: “可能” is neither true nor false (use 对 or 错).") in messages
    assert (7, "Column 难度: “很难” is not 1–5 or 易/中/难.") in messages
    assert (8, "Column 分值: “-1” is not a positive number.") in messages
    assert (9, "Column 答案: empty.") in messages
    assert [q.line for q in result.questions] == [2]


def test_files_that_are_not_question_sheets_get_one_clear_error():
    assert "not a valid xlsx" in sheet.parse_xlsx(b"not a zip").errors[0].message
    assert "No header row found" in sheet.parse_csv("姓名,工号\n张三,1\n".encode()).errors[0].message
    assert "neither UTF-8 nor GBK" in sheet.parse_csv(b"\x80\xff\x80\xff,\xff").errors[0].message
    assert "no questions" in sheet.parse_csv(csv_bytes(sheet_rows())).errors[0].message


def held(q) -> tuple:  # type: ignore[no-untyped-def]
    """What the template layout stores of a question."""
    return (
        q.type,
        q.stem,
        q.options,
        q.answer,
        q.explanation,
        q.categories,
        q.difficulty,
        q.source,
        q.external_id,
    )


def test_export_then_import_gives_the_same_questions():
    original = sheet.parse_xlsx(xlsx(sheet_rows(*SAMPLE))).questions
    for export, parse in ((sheet.export_xlsx, sheet.parse_xlsx), (sheet.export_csv, sheet.parse_csv)):
        again = parse(export(original))
        assert again.errors == []
        assert [held(q) for q in again.questions] == [held(q) for q in original]


def test_template_download_explains_every_column_and_imports_cleanly():
    import io

    from openpyxl import load_workbook

    data = sheet.template_xlsx()
    workbook = load_workbook(io.BytesIO(data))
    notes = [r[0] for r in workbook["填写须知"].iter_rows(min_row=2, values_only=True)]
    assert notes == ["题型", "题干", "选项A～选项H", "答案", "解析", "分值", "难度", "知识点", "出处", "编号"]
    assert "示例" in workbook["填写须知"]["C11"].value  # the 编号 note says how example rows are told apart
    workbook["试题"].append(row("判断", "宪法是国家的根本法。", [], "对", id="XF-001"))
    filled = io.BytesIO()
    workbook.save(filled)
    result = sheet.parse_xlsx(filled.getvalue())
    assert result.errors == []
    assert [question.external_id for question in result.questions] == ["XF-001"]
    assert [issue.row for issue in result.warnings] == [2, 3]


def test_the_templates_example_rows_alone_import_nothing_and_say_why():
    result = sheet.parse_xlsx(sheet.template_xlsx())
    assert result.questions == []
    assert [issue.message for issue in result.errors] == [
        "The file holds only the template's example rows: add your questions below them."
    ]


SAMPLE_CSV = csv_bytes(sheet_rows(*SAMPLE))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_either_parser(data):
    for parse in (sheet.parse_csv, sheet.parse_xlsx):
        result = parse(data)
        assert result.questions or result.errors


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SAMPLE_CSV)), st.binary(max_size=3)), max_size=8))
def test_mutated_csv_files_never_crash(edits):
    data = SAMPLE_CSV
    for position, insert in edits:
        data = data[:position] + insert + data[position + 1 :]
    sheet.parse_csv(data)
