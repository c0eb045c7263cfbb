"""The numbered plain-text layout (.txt, and what people paste from Word)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyhall.banks.formats import text
from studyhall.banks.formats.base import ParsedQuestion, ParseResult

EXAMPLE = """一、单选题
1. 每年（ ）为全民国家安全教育日。
A. 3月15日  B. 4月15日  C. 10月1日  D. 12月4日
答案：B
解析：《国家安全法》第十四条规定……
难度：易
知识点：国家安全法；国家安全教育日
出处：《中华人民共和国国家安全法》第十四条

2、下列……（　）
A．……
B．……
C．……
D．……
答案：ABD

二、判断题
3. 维护国家安全是公民的义务。（ ）
答案：正确

三、填空题
4. 国家安全工作应当坚持____、____。
答案：总体国家安全观；人民安全|人民的安全
"""


def parse(source: str) -> ParseResult:
    return text.parse(source.encode("utf-8"))


def only(source: str) -> ParsedQuestion:
    result = parse(source)
    assert result.errors == [], result.errors
    assert len(result.questions) == 1, result.questions
    return result.questions[0]


def messages(issues: list) -> list[tuple[int | None, str]]:
    return [(issue.line, issue.message) for issue in issues]


# --- the documented example ---------------------------------------------------------------------


def test_the_documented_example_reads_into_four_questions():
    result = parse(EXAMPLE)
    assert result.format == "text" and result.errors == []
    single, multiple, judge, blank = result.questions

    assert single.type == "single" and single.line == 2
    assert single.stem == "每年（ ）为全民国家安全教育日。"
    assert single.options == ["3月15日", "4月15日", "10月1日", "12月4日"]
    assert single.answer == ["B"]
    assert single.explanation == "《国家安全法》第十四条规定……"
    assert single.difficulty == 2
    assert single.categories == ["国家安全法", "国家安全教育日"]
    assert single.source == "《中华人民共和国国家安全法》第十四条"

    assert (multiple.type, multiple.answer, multiple.line) == ("multiple", ["A", "B", "D"], 10)
    assert multiple.stem == "下列……（　）" and multiple.options == ["……"] * 4

    assert (judge.type, judge.answer, judge.options) == ("judge", True, [])
    assert judge.stem == "维护国家安全是公民的义务。（ ）"

    assert blank.type == "blank" and blank.stem == "国家安全工作应当坚持____、____。"
    assert blank.answer == [["总体国家安全观"], ["人民安全", "人民的安全"]]


def test_a_multiple_answer_under_the_single_choice_heading_is_read_as_multiple_with_a_warning():
    result = parse(EXAMPLE)
    assert messages(result.warnings) == [
        (
            10,
            "Question 2 at line 10 is marked single choice, but the answer ABD on line 15 names 3 options; "
            "it was read as multiple choice.",
        )
    ]


# --- layouts people use --------------------------------------------------------------------------

OPTION_LAYOUTS = [
    "A. 甲  B. 乙  C. 丙  D. 丁",
    "A.甲\tB.乙\tC.丙\tD.丁",
    "A、甲　B、乙　C、丙　D、丁",  # ideographic spaces
    "A．甲 B．乙\nC．丙 D．丁",
    "A.甲\nB.乙\nC.丙\nD.丁",
    "(A) 甲 (B) 乙 (C) 丙 (D) 丁",
    "（A）甲\n（B）乙\n（C）丙\n（D）丁",
    "A) 甲 B) 乙 C) 丙 D) 丁",
    "A）甲  B）乙  C）丙  D）丁",
    "Ａ．甲  Ｂ．乙  Ｃ．丙  Ｄ．丁",
]


@pytest.mark.parametrize("layout", OPTION_LAYOUTS)
def test_options_on_one_line_or_one_per_line_read_the_same(layout: str):
    question = only(f"1. 题干（ ）\n{layout}\n答案：C")
    assert question.options == ["甲", "乙", "丙", "丁"]
    assert (question.type, question.answer) == ("single", ["C"])


def test_a_letter_inside_an_option_splits_only_when_it_is_the_next_letter():
    question = only("1. 哪种维生素（ ）\nA. 维生素 C. 是水溶性的  B. 维生素 D\n答案：A")
    assert question.options == ["维生素 C. 是水溶性的", "维生素 D"]


def test_eight_options_are_allowed():
    question = only("1. 题\nA.一 B.二 C.三 D.四 E.五 F.六 G.七 H.八\n答案：A、H")
    assert len(question.options) == 8 and question.answer == ["A", "H"]


@pytest.mark.parametrize("number", ["1.", "1．", "1、", "(1)", "（1）", "1)", "1）", "第1题", "１．"])
def test_question_number_styles(number: str):
    question = only(f"{number} 我国的根本大法是（ ）。\nA. 刑法 B. 宪法\n答案：B")
    assert question.stem == "我国的根本大法是（ ）。"


def test_a_decimal_at_the_start_of_a_line_is_not_a_question_number():
    question = only("1. 下列说法正确的是\n1.5倍于去年的投入\nA. 对 B. 错\n答案：A")
    assert question.stem == "下列说法正确的是\n1.5倍于去年的投入"


@pytest.mark.parametrize(
    "label", ["答案：", "答案:", "答案 ：", "正确答案：", "参考答案：", "【答案】", "【答案】：", "答 案："]
)
def test_answer_labels(label: str):
    assert only(f"1. 题\nA. 甲 B. 乙\n{label}B").answer == ["B"]


def test_several_fields_on_one_line_and_bracketed_labels():
    question = only("1. 题\nA. 甲 B. 乙\n答案：B　难度：易 【解析】本题答案：B，因为……\n【知识点】宪法")
    assert (question.answer, question.difficulty, question.categories) == (["B"], 2, ["宪法"])
    assert question.explanation == "本题答案：B，因为……"


def test_absurdly_long_numbers_are_text_not_a_crash():
    result = parse("9" * 5000 + ". 题\n答案：对\n一、判断题（每题" + "9" * 5000 + "分）\n1. 题\n答案：对")
    assert [(q.line, q.score) for q in result.questions] == [(4, None)]
    assert [issue.line for issue in result.warnings] == [1, 2]


def test_multi_line_stem_keeps_its_lines_until_the_first_option():
    source = (
        "1. 阅读下面的材料：\n“国家安全是民族复兴的根基。”\n\n"
        "据此，下列说法正确的是（ ）\nA. 甲 B. 乙\n答案：A"
    )
    question = only(source)
    assert question.stem == "阅读下面的材料：\n“国家安全是民族复兴的根基。”\n据此，下列说法正确的是（ ）"


def test_the_stem_may_start_on_the_line_after_the_number():
    assert only("1.\n题干在下一行\nA. 甲 B. 乙\n答案：A").stem == "题干在下一行"


def test_a_wrapped_option_and_a_wrapped_explanation_are_continued():
    source = "1. 题\nA. 很长的选项\n续写部分\nB. 乙\n答案：A\n解析：第一段\n第二段\n\n"
    question = only(source)
    assert question.options == ["很长的选项\n续写部分", "乙"]
    assert question.explanation == "第一段\n第二段"


def test_windows_line_endings_and_indentation_are_ignored():
    question = only("  1. 题\r\n    A. 甲\r\n    B. 乙\r\n  答案：B\r\n")
    assert question.options == ["甲", "乙"] and question.answer == ["B"]


# --- types: headings, 题型 and inference --------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("一、单选题", "single"),
        ("一、单项选择题", "single"),
        ("二、多项选择题", "multiple"),
        ("二、多选题（每题2分，共20分）", "multiple"),
        ("二．不定项选择题", "multiple"),
        ("（三）判断题", "judge"),
        ("三、判断", "judge"),
        ("四、填空题", "blank"),
        ("四、填空", "blank"),
        ("第四部分 填空题", "blank"),
        ("填空题", "blank"),
        ("判断题（共10题）", "judge"),
    ],
)
def test_section_headings_set_the_type(heading: str, kind: str):
    # The answer "A" would otherwise be read as an option letter; the heading says what it is.
    result = parse(f"{heading}\n1. 题目____（ ）\n答案：A")
    if kind in ("single", "multiple"):
        assert "no option lines" in result.errors[0].message
    elif kind == "judge":
        assert "neither true nor false" in result.errors[0].message
    else:
        assert result.errors == [] and result.questions[0].answer == [["A"]]


def test_a_judge_heading_reads_true_false_answers_and_a_blank_heading_keeps_words():
    source = (
        "一、判断题\n1. 陈述一。（ ）\n答案：√\n2. 陈述二。（ ）\n答案：×\n"
        "二、填空题\n3. 答案是（ ）。\n答案：是"
    )
    result = parse(source)
    assert result.errors == []
    assert [(q.type, q.answer) for q in result.questions] == [
        ("judge", True),
        ("judge", False),
        ("blank", [["是"]]),
    ]
    assert result.questions[2].stem == "答案是____。"


def test_a_judge_heading_accepts_options_a_true_b_false():
    question = only("三、判断题\n1. 宪法是根本法。\nA. 正确  B. 错误\n答案：A")
    assert (question.type, question.answer, question.options) == ("judge", True, [])


def test_a_heading_score_applies_to_its_questions_unless_a_question_says_otherwise():
    result = parse("一、单选题（每题2分）\n1. 题\nA. 甲 B. 乙\n答案：A\n2. 题\nA. 甲 B. 乙\n答案：B\n分值：5")
    assert [q.score for q in result.questions] == [2.0, 5.0]


def test_a_type_line_overrides_the_heading():
    question = only("一、单选题\n1. 题（ ）\nA. 甲 B. 乙 C. 丙\n答案：AC\n题型：多选题")
    assert (question.type, question.answer) == ("multiple", ["A", "C"])


def test_a_heading_without_a_type_returns_to_inference():
    result = parse("一、判断题\n1. 陈述。\n答案：对\n二、综合练习\n2. 题\nA. 甲 B. 乙\n答案：B")
    assert [q.type for q in result.questions] == ["judge", "single"]


@pytest.mark.parametrize(
    ("body", "kind", "answer"),
    [
        ("A. 甲 B. 乙 C. 丙\n答案：B", "single", ["B"]),
        ("A. 甲 B. 乙 C. 丙\n答案：CA", "multiple", ["A", "C"]),
        ("答案：对", "judge", True),
        ("答案：F", "judge", False),
        ("答案：false", "judge", False),
        ("答案：总体国家安全观", "blank", [["总体国家安全观"]]),
        ("答案：4", "blank", [["4"]]),
    ],
)
def test_without_a_heading_the_type_is_inferred(body: str, kind: str, answer: object):
    question = only(f"1. 题干（ ）\n{body}")
    assert (question.type, question.answer) == (kind, answer)


def test_underscores_make_a_blank_even_when_the_answer_is_a_true_false_word():
    question = only("1. 宪法规定，公民____有维护国家安全的义务。\n答案：是")
    assert (question.type, question.answer) == ("blank", [["是"]])


def test_blank_marks_become_four_underscores_only_in_blank_questions():
    blank = only(
        "四、填空题\n1. （ ）是国家安全的宗旨，(  )是根本，________是基础。\n"
        "答案：人民安全；政治安全；经济安全"
    )
    assert blank.stem == "____是国家安全的宗旨，____是根本，____是基础。"
    choice = only("1. 宗旨是（ ）。\nA. 甲 B. 乙\n答案：A")
    assert choice.stem == "宗旨是（ ）。"


@pytest.mark.parametrize(
    ("written", "letters"),
    [
        ("B", ["B"]),
        ("ABC", ["A", "B", "C"]),
        ("A,B,C", ["A", "B", "C"]),
        ("A、B、C", ["A", "B", "C"]),
        ("A|C", ["A", "C"]),
        ("B;D", ["B", "D"]),
        ("ＡＢ", ["A", "B"]),
        ("DBA", ["A", "B", "D"]),
        ("B。", ["B"]),
    ],
)
def test_answer_letter_spellings(written: str, letters: list[str]):
    assert only(f"二、多选题\n1. 题\nA. 甲 B. 乙 C. 丙 D. 丁\n答案：{written}").answer == letters


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("对", True),
        ("错", False),
        ("正确", True),
        ("错误", False),
        ("√", True),
        ("×", False),
        ("✓", True),
        ("✗", False),
        ("是", True),
        ("否", False),
        ("T", True),
        ("F", False),
        ("true", True),
        ("FALSE", False),
    ],
)
def test_true_false_spellings(written: str, value: bool):
    assert only(f"三、判断题\n1. 陈述。\n答案：{written}").answer is value


# --- optional fields -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "level"),
    [("易", 2), ("简单", 2), ("中", 3), ("中等", 3), ("难", 4), ("困难", 4), ("1", 1), ("5", 5), ("３", 3)],
)
def test_difficulty_words_and_numbers(written: str, level: int):
    assert only(f"1. 陈述。\n答案：对\n难度：{written}").difficulty == level


def test_every_optional_field_with_both_colons():
    question = only(
        "1. 陈述。\n答案：对\n解析:因为如此。\n分值：2分\n知识点：宪法；国家安全法,安全观\n章节:第一章\n"
        "来源：宪法第五十四条\n编号:NS-007"
    )
    assert question.explanation == "因为如此。"
    assert question.score == 2.0
    assert question.categories == ["宪法", "国家安全法", "安全观", "第一章"]
    assert question.source == "宪法第五十四条"
    assert question.external_id == "NS-007"


def test_fields_may_come_before_the_answer_and_empty_fields_mean_not_given():
    question = only("1. 陈述。\n难度：\n分类：\n出处：条例\n答案：错")
    assert (question.difficulty, question.categories, question.source, question.answer) == (
        None,
        [],
        "条例",
        False,
    )


# --- numbering and stray text -----------------------------------------------------------------------


def test_numbering_may_restart_in_each_section():
    result = parse("一、判断题\n1. 甲。\n答案：对\n2. 乙。\n答案：错\n二、填空题\n1. ____。\n答案：丙")
    assert result.errors == [] and result.warnings == [] and len(result.questions) == 3


def test_a_jump_in_numbering_is_only_a_warning():
    result = parse("1. 甲。\n答案：对\n3. 乙。\n答案：错")
    assert len(result.questions) == 2 and result.errors == []
    assert messages(result.warnings) == [
        (3, "Question 3 at line 3 follows question 1; is a question missing or misnumbered?")
    ]


def test_text_outside_any_question_is_a_warning_with_its_line():
    result = parse("2026年全民国家安全教育日知识测试\n\n1. 甲。\n答案：对\n（本卷完）")
    assert len(result.questions) == 1 and result.errors == []
    assert [issue.line for issue in result.warnings] == [1, 5]
    assert result.warnings[0].message == (
        "Line 1 was ignored: it is not a heading and not part of a numbered question."
    )


# --- encodings ----------------------------------------------------------------------------------------


def test_gbk_utf8_with_bom_and_utf16_files_read_the_same():
    expected = [q.to_json() for q in parse(EXAMPLE).questions]
    for data in (
        EXAMPLE.encode("gbk"),
        EXAMPLE.encode("gb18030"),
        b"\xef\xbb\xbf" + EXAMPLE.encode("utf-8"),
        EXAMPLE.encode("utf-16"),
        EXAMPLE.replace("\n", "\r\n").encode("gbk"),
    ):
        result = text.parse(data)
        assert result.errors == []
        assert [q.to_json() for q in result.questions] == expected


def test_an_undecodable_file_is_one_error():
    for data in (b"\xef\xbb\xbf\xff\xfe\xfd", b"1. \x80\xff\x80\xff"):
        result = text.parse(data)
        assert result.questions == [] and len(result.errors) == 1
        assert result.errors[0].message.startswith("The file is neither UTF-8 nor GBK/GB18030 text")


def test_an_empty_file_says_no_questions_were_found():
    result = text.parse(b"")
    assert [issue.message for issue in result.errors] == [
        "No questions found: number each question (1. …) and give it an answer line (答案：…)."
    ]


# --- errors, each naming its line ---------------------------------------------------------------------


def errors_of(source: str) -> list[tuple[int | None, str]]:
    result = parse(source)
    return messages(result.errors)


def test_a_question_without_an_answer_line():
    assert errors_of("1. 甲。\n答案：对\n\n2. 乙（ ）\nA. 一 B. 二\n\n3. 丙。\n答案：错") == [
        (4, "Question 2 at line 4 has no answer line")
    ]


def test_a_question_with_errors_is_left_out_and_the_others_are_kept():
    result = parse("1. 甲。\n答案：对\n2. 乙。\n3. 丙。\n答案：错")
    assert [q.stem for q in result.questions] == ["甲。", "丙。"]
    assert len(result.errors) == 1


def test_an_answer_letter_that_names_no_option():
    assert errors_of("1. 题\nA. 甲 B. 乙 C. 丙 D. 丁\n答案：E") == [
        (1, "Question 1 at line 1: the answer on line 3 names option E, but the question has only 4 options.")
    ]


def test_an_option_before_any_question():
    assert errors_of("A. 甲 B. 乙\n1. 题\nA. 甲 B. 乙\n答案：A") == [
        (1, "Line 1 is an option, but no numbered question comes before it.")
    ]


def test_an_unknown_difficulty():
    assert errors_of("1. 甲。\n答案：对\n难度：很难") == [
        (1, "Question 1 at line 1: unknown difficulty 很难 on line 3 (use 1–5 or 易/中/难).")
    ]


def test_an_empty_stem():
    assert errors_of("1.\nA. 甲 B. 乙\n答案：A") == [(1, "Question 1 at line 1 has no question text.")]


def test_a_judge_answer_that_is_not_true_or_false():
    assert errors_of("三、判断题\n\n5. 陈述。\n答案：可能") == [
        (
            3,
            "Question 5 at line 3 is true/false, but the answer 可能 on line 4 is neither true nor false "
            "(use 正确 or 错误).",
        )
    ]


def test_options_out_of_order_after_the_answer_and_empty():
    assert errors_of("1. 题\nA. 甲\nC. 丙\n答案：A") == [
        (1, "Question 1 at line 1: option C on line 3 is out of order; expected B.")
    ]
    assert errors_of("1. 题\nA. 甲 B. 乙\n答案：A\nC. 丙") == [
        (1, "Question 1 at line 1: the option on line 4 comes after the answer on line 3.")
    ]
    assert errors_of("1. 题\nA. 甲\nB.\n答案：A") == [
        (1, "Question 1 at line 1: option B on line 3 is empty.")
    ]


def test_choice_answers_that_do_not_fit_the_options():
    assert errors_of("1. 题\nA. 甲\n答案：A") == [
        (1, "Question 1 at line 1 has only 1 option; a choice question needs at least 2.")
    ]
    assert errors_of("1. 题\nA. 甲 B. 乙\n答案：甲") == [
        (1, "Question 1 at line 1: the answer 甲 on line 3 is not option letters (e.g. B or ACD).")
    ]
    assert errors_of("1. 题（ ）\n答案：B") == [
        (1, "Question 1 at line 1 is a choice question but has no option lines (A. … B. …).")
    ]


def test_other_field_errors():
    assert errors_of("1. 题\n答案：对\n答案：错") == [
        (1, "Question 1 at line 1: 答案 is given twice, on lines 2 and 3.")
    ]
    assert errors_of("1. 题\n答案：对\n分值：两分") == [
        (1, "Question 1 at line 1: the score 两分 on line 3 is not a positive number.")
    ]
    assert errors_of("1. 题\n答案：对\n题型：问答题") == [
        (1, "Question 1 at line 1: unknown question type 问答题 on line 3 (use 单选, 多选, 判断 or 填空).")
    ]
    assert errors_of("1. 题\n答案：") == [(1, "Question 1 at line 1: the answer on line 2 is empty.")]
    assert errors_of("四、填空题\n1. 题____\nA. 甲 B. 乙\n答案：甲") == [
        (2, "Question 1 at line 2 is fill-in-the-blank but has options.")
    ]


# --- export and round trip ----------------------------------------------------------------------------

QUESTIONS = [
    ParsedQuestion(
        type="single",
        stem="每年（ ）为全民国家安全教育日。",
        options=["3月15日", "4月15日", "10月1日", "12月4日"],
        answer=["B"],
        explanation="《国家安全法》第十四条规定，每年4月15日为全民国家安全教育日。",
        categories=["国家安全法", "国家安全教育日"],
        difficulty=2,
        score=2.0,
        source="《中华人民共和国国家安全法》第十四条",
        external_id="NS-001",
    ),
    ParsedQuestion(
        type="multiple",
        stem="阅读材料：\n总体国家安全观。\n下列属于国家安全体系的有（　）",
        options=[
            "政治安全",
            "国土安全",
            "军事安全",
            "经济安全",
            "文化安全",
            "社会安全",
            "科技安全",
            "网络安全",
        ],
        answer=["A", "B", "C", "D", "E", "F", "G", "H"],
        explanation="第一段。\n第二段。",
        score=1.5,
    ),
    ParsedQuestion(type="judge", stem="维护国家安全是公民的义务。（ ）", answer=True, difficulty=1),
    ParsedQuestion(type="judge", stem="国家安全只是国家机关的事。", answer=False, categories=["常识"]),
    ParsedQuestion(
        type="blank",
        stem="国家安全工作应当坚持____、____。",
        answer=[["总体国家安全观"], ["人民安全", "人民的安全"]],
        difficulty=5,
        source="国家安全法",
    ),
    ParsedQuestion(type="single", stem="A股的“A”指（ ）", options=["人民币", "美元"], answer=["A"]),
]


def comparable(question: ParsedQuestion) -> dict[str, object]:
    data = question.to_json()
    del data["line"]
    return {**data, "external_id": question.external_id}


def test_export_writes_the_layout_with_headings_and_canonical_answers():
    lines = text.export(QUESTIONS).decode("utf-8").splitlines()
    assert lines[:8] == [
        "一、单选题",
        "",
        "1. 每年（ ）为全民国家安全教育日。",
        "A. 3月15日",
        "B. 4月15日",
        "C. 10月1日",
        "D. 12月4日",
        "答案：B",
    ]
    assert "二、多选题" in lines and "答案：ABCDEFGH" in lines
    assert "三、判断题" in lines and "答案：正确" in lines and "答案：错误" in lines
    assert "四、填空题" in lines and "答案：总体国家安全观；人民安全|人民的安全" in lines
    assert "五、单选题" in lines and "分值：1.5" in lines and "分值：2" in lines


def test_parse_of_export_round_trips():
    result = text.parse(text.export(QUESTIONS))
    assert result.errors == [] and result.warnings == []
    assert [comparable(q) for q in result.questions] == [comparable(q) for q in QUESTIONS]


def test_parse_of_export_of_the_example_round_trips():
    questions = parse(EXAMPLE).questions
    again = text.parse(text.export(questions))
    assert [comparable(q) for q in again.questions] == [comparable(q) for q in questions]


@pytest.mark.parametrize(
    ("number", "numeral"),
    [
        (1, "一"),
        (10, "十"),
        (15, "十五"),
        (20, "二十"),
        (21, "二十一"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (9999, "九千九百九十九"),
        (10000, "10000"),
    ],
)
def test_chinese_numerals_for_section_headings(number: int, numeral: str):
    assert text.chinese_numeral(number) == numeral


# --- never raises ---------------------------------------------------------------------------------------

FUZZ = settings(max_examples=200, deadline=None, database=None)
MARKERS = [
    "1. ",
    "2、",
    "（3）",
    "A. ",
    " B．",
    "(C) ",
    "答案：",
    "【答案】",
    "解析：",
    "难度：",
    "知识点：",
    "分值：",
    "题型：",
    "一、单选题",
    "三、判断题",
    "四、填空题",
    "____",
    "（ ）",
    "ＡＢ",
    "√",
    "\n",
    "\t",
]


def check(result: object) -> None:
    assert isinstance(result, ParseResult)
    for question in result.questions:
        assert question.type in ("single", "multiple", "judge", "blank") and question.stem


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes):
    check(text.parse(data))


@FUZZ
@given(st.lists(st.one_of(st.text(max_size=30), st.sampled_from(MARKERS)), max_size=40))
def test_random_text_and_markers_never_raise(pieces: list[str]):
    check(text.parse("".join(pieces).encode("utf-8", errors="surrogatepass")))
    check(text.parse_lines(pieces, "text"))


@st.composite
def mutated_example(draw: st.DrawFn) -> str:
    lines = EXAMPLE.splitlines()
    for _ in range(draw(st.integers(1, 8))):
        action = draw(
            st.sampled_from(["delete", "insert", "duplicate", "delete_line", "duplicate_line", "swap"])
        )
        index = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            lines = [draw(st.text(max_size=10))]
        elif action == "delete_line":
            del lines[index]
        elif action == "duplicate_line":
            lines.insert(index, lines[index])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        else:
            line = lines[index]
            at = draw(st.integers(0, len(line)))
            if action == "delete":
                line = line[:at] + line[at + 1 :]
            elif action == "insert":
                line = line[:at] + draw(st.one_of(st.characters(), st.sampled_from(MARKERS))) + line[at:]
            else:
                line = line[:at] + line[at : at + 1] * 2 + line[at + 1 :]
            lines[index] = line
    return "\n".join(lines)


@FUZZ
@given(mutated_example())
def test_mutations_of_the_example_never_raise(source: str):
    result = text.parse(source.encode("utf-8", errors="surrogatepass"))
    check(result)
    # Every issue that belongs to a line points inside the file.
    line_count = max(len(source.splitlines()), 1)
    for issue in result.errors + result.warnings:
        assert issue.line is None or 1 <= issue.line <= line_count


SAFE_TEXT = st.text(
    alphabet="国家安全人民法治宪法是的和在中国共产党组织学习教育日，。“”《》0123456789",
    min_size=1,
    max_size=20,
)


@st.composite
def exportable_question(draw: st.DrawFn) -> ParsedQuestion:
    kind = draw(st.sampled_from(["single", "multiple", "judge", "blank"]))
    options: list[str] = []
    answer: object
    if kind in ("single", "multiple"):
        options = draw(st.lists(SAFE_TEXT, min_size=2, max_size=8))
        letters = "ABCDEFGH"[: len(options)]
        chosen = draw(st.lists(st.sampled_from(letters), min_size=1, max_size=1 if kind == "single" else 8))
        answer = sorted(set(chosen))
    elif kind == "judge":
        answer = draw(st.booleans())
    else:
        answer = draw(st.lists(st.lists(SAFE_TEXT, min_size=1, max_size=3), min_size=1, max_size=3))
    return ParsedQuestion(
        type=kind,
        stem=draw(SAFE_TEXT),
        options=options,
        answer=answer,  # type: ignore[arg-type]
        explanation=draw(st.one_of(st.just(""), SAFE_TEXT)),
        categories=draw(st.lists(SAFE_TEXT.filter(lambda s: "，" not in s), max_size=3, unique=True)),
        difficulty=draw(st.one_of(st.none(), st.integers(1, 5))),
        score=draw(st.one_of(st.none(), st.floats(0.01, 1000, allow_nan=False))),
        source=draw(st.one_of(st.just(""), SAFE_TEXT)),
        external_id=draw(st.one_of(st.just(""), SAFE_TEXT)),
    )


@FUZZ
@given(st.lists(exportable_question(), min_size=1, max_size=6))
def test_any_exportable_bank_round_trips(questions: list[ParsedQuestion]):
    result = text.parse(text.export(questions))
    assert result.errors == []
    assert [comparable(q) for q in result.questions] == [comparable(q) for q in questions]
