"""Lint: what blocks an import (a wrong or ambiguous key) and what is only worth a look."""

from __future__ import annotations

from studyhall.banks import lint
from studyhall.banks.formats.base import ParsedQuestion, ParseResult


def check(*questions: ParsedQuestion, existing=(), require_source=False, format_name="xlsx") -> ParseResult:
    for number, question in enumerate(questions, start=2):
        question.line = number
    result = ParseResult(format=format_name, questions=list(questions))
    lint.lint(result, existing=existing, require_source=require_source)
    return result


def single(
    stem="我国的根本大法是（ ）。", options=("刑法", "宪法", "民法典", "国家安全法"), answer=("B",), **kw
):
    return ParsedQuestion(type="single", stem=stem, options=list(options), answer=list(answer), **kw)


def messages(issues):
    return [(issue.row, issue.message) for issue in issues]


def test_a_clean_question_has_no_errors_or_warnings():
    result = check(single(source="《中华人民共和国宪法》序言"), require_source=True)
    assert result.errors == [] and result.warnings == []


def test_answer_not_among_the_options_is_an_error():
    assert messages(check(single(answer=["E"])).errors) == [(2, "The answer E is not among the options.")]


def test_single_choice_with_several_answers_is_an_error():
    assert messages(check(single(answer=["A", "B"])).errors) == [
        (2, "A single-choice question has several answers (AB).")
    ]


def test_duplicate_and_empty_options_and_option_count():
    result = check(
        single(options=["宪法", "刑法", " 宪法 "]),
        single(options=["宪法"], answer=["A"]),
        single(options=["宪法", "", "刑法"], answer=["A"]),
    )
    assert (2, "Options A and C are the same.") in messages(result.errors)
    assert (3, "A choice question needs 2 to 8 options; this one has 1.") in messages(result.errors)
    assert (4, "Option B is empty.") in messages(result.errors)


def test_empty_stem_is_an_error_and_missing_source_only_for_shipped_banks():
    assert (2, "The stem is empty.") in messages(check(single(stem="  ")).errors)
    assert check(single()).errors == []
    assert messages(check(single(), require_source=True).errors) == [
        (2, "No source (出处): every question of a shipped bank must name its law and article.")
    ]


def test_fill_in_blanks_must_match_the_stem():
    question = ParsedQuestion(
        type="blank", stem="国家安全工作应当坚持____，坚持____。", answer=[["总体国家安全观"]]
    )
    assert messages(check(question).errors) == [(2, "The stem has 2 blanks but the answer gives 1.")]


def test_a_true_false_stem_that_asks_a_question_is_flagged():
    question = ParsedQuestion(type="judge", stem="宪法是国家的根本法吗？", answer=True)
    assert messages(check(question).warnings) == [
        (2, "A true/false stem should be a statement, not a question.")
    ]


def test_duplicates_and_near_duplicates_within_the_file():
    result = check(
        single(stem="根据国家安全法，每年4月15日为全民国家安全教育日，这一规定出自（ ）。"),
        single(stem="根据国家安全法，每年4月15日为全民国家安全教育日，这一规定出自（ ）。"),
        single(stem="根据国家安全法：每年4月15日是全民国家安全教育日，这一规定出自（ ）"),
        single(stem="数据安全法规定国家建立数据分类分级保护制度。下列说法正确的是（ ）。"),
        format_name="text",
    )
    assert messages(result.warnings) == [
        (None, "Same question as line 2."),
        (None, "Very similar to line 2."),
    ]
    assert [issue.line for issue in result.warnings] == [3, 4]


def test_duplicates_against_the_bank_are_named():
    existing = [
        lint.Known(
            "NS-012", lint.question_text("我国的根本大法是（ ）。", ["刑法", "宪法", "民法典", "国家安全法"])
        )
    ]
    assert messages(check(single(), existing=existing).warnings) == [(2, "Same question as NS-012.")]
