"""Aiken, read by Moodle's rules: Moodle's own fixture files, one case per rule, round trips, and
files mangled at random."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyhall.banks.formats import aiken
from studyhall.banks.formats.base import ParsedQuestion, ParseResult
from studyhall.questions.answers import LETTERS, MAX_OPTIONS
from studyhall.questions.types import TYPES
from tests.banks.helpers import MOODLE, mangled

FIXTURES = ("aiken/questions.aiken.txt", "aiken/aiken_errors.txt")


def read(text: str) -> ParseResult:
    return aiken.parse(text.encode("utf-8"))


def errors(result: ParseResult) -> list[tuple[int | None, str]]:
    return [(e.line, e.message) for e in result.errors]


# ---------------------------------------------------------------- Moodle's fixture files


def test_moodle_import_fixture_two_questions():
    result = aiken.parse((MOODLE / "aiken/questions.aiken.txt").read_bytes())
    assert result.errors == [] and result.warnings == []
    started, abilities = result.questions
    assert (started.stem, started.line, started.type) == ("The Moodle project was started by:", 1, "single")
    assert started.options == ["Petr Skoda", "Martin Dougiamas", "Eloy Lafuente", "Tim Hunt"]
    assert started.answer == ["B"] and started.options[1] == "Martin Dougiamas"
    # Moodle stores "&lt;html class="cool"&gt; &amp; images" (it shows the text as HTML);
    # studyhall keeps plain text as written and escapes it when it shows it.
    assert (
        abilities.stem
        == 'Moodle\'s abilities include handling user input that includes <html class="cool"> & images:'
    )
    assert (abilities.line, abilities.options, abilities.answer) == (8, ["True", "False"], ["A"])


def test_moodle_errors_fixture_three_good_questions_and_moodles_messages():
    result = aiken.parse((MOODLE / "aiken/aiken_errors.txt").read_bytes())
    assert [(q.line, q.stem, q.options, q.answer) for q in result.questions] == [
        (9, "A good question", ["Correct", "Incorrect"], ["A"]),
        (18, "A second good question", ["Incorrect (No space)", "Correct (No space)"], ["B"]),
        # Moodle: 'Correct (&lt; &gt; &amp;)'; studyhall keeps the characters themselves.
        (
            23,
            "A third good question with HTML chars such as > < &",
            ["Correct (< > &)", "Incorrect (< > &)"],
            ["A"],
        ),
    ]
    # The messages carry the line Moodle names; each issue's own line is where its question
    # starts (line 1 for "A question with too few answers", line 14 for "A question started but
    # not finished", which the question at line 18 interrupts).
    assert errors(result) == [
        (1, "Question must have at least 2 answers on line 3"),
        (5, "Question not started on line 5"),
        (7, "Question not started on line 7"),
        (14, "Question not completed before next question start on line 18"),
    ]
    assert result.warnings == []


# ---------------------------------------------------------------- one rule at a time


@pytest.mark.parametrize("separator", [")", ".", "、", "．", "）"])
def test_option_separators(separator):
    result = read(f"宪法是国家的：\nA{separator} 根本大法\nB{separator}普通法律\nANSWER: A")
    assert result.errors == []
    assert result.questions[0].options == ["根本大法", "普通法律"]


def test_answer_line_spellings():
    for line in ("ANSWER: B", "ANSWER:B", "ANSWER：B", "ANSWER: b", "ANSWER: B)", "ANSWER: B。"):
        result = read(f"Qu\nA) x\nB) y\n{line}")
        assert result.questions[0].answer == ["B"], line


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("AC", "The answer AC is not the letter of one option on line 5"),
        ("A, C", "The answer A, C is not the letter of one option on line 5"),
        ("C", "The answer C is not the letter of one option on line 5"),
        ("", "The ANSWER line gives no letter on line 5"),
    ],
)
def test_an_answer_that_is_not_one_options_letter_is_an_error(answer, message):
    # Moodle takes the first character: "AC" would silently become A, and C here no right answer.
    result = read(f"\nQu\nA) x\nB) y\nANSWER: {answer}")
    assert result.questions == []
    assert errors(result) == [(2, message)]


def test_more_than_eight_options_is_an_error():
    options = "\n".join(f"{letter}) option {letter}" for letter in "ABCDEFGHI")
    result = read(f"Qu\n{options}\nANSWER: A")
    assert errors(result) == [(1, "Too many options (9; at most 8) at line 11")]


def test_a_question_unfinished_at_the_end_is_reported_not_dropped():
    result = read("Good\nA) x\nB) y\nANSWER: A\n\nUnfinished\nA) x\nB) y\n")
    assert [q.stem for q in result.questions] == ["Good"]
    assert errors(result) == [(6, "A question started but not finished")]


def test_lines_shorter_than_two_bytes_are_skipped_like_moodle():
    result = read("Qu\n \nx\nA) x\n\nB) y\nANSWER: A")
    assert errors(result) == [] and result.questions[0].options == ["x", "y"]
    # A one-character Chinese line is three bytes: it is a line, here a new question.
    result = read("Qu\n问\nA) x\nB) y\nANSWER: A")
    assert errors(result) == [(1, "Question not completed before next question start on line 2")]
    assert result.questions[0].stem == "问"


def test_stem_is_one_line_and_kept_as_plain_text():
    question = read("  Is 1 < 2 && 3 > 2?  \nA) Yes\nB) No\nANSWER: A").questions[0]
    assert question.stem == "Is 1 < 2 && 3 > 2?"


def test_gbk_and_windows_line_breaks():
    text = (
        "我国宪法规定的国家根本任务是：\r\nA) 发展经济\r\nB) 集中力量进行社会主义现代化建设\r\nANSWER: B\r\n"
    )
    gbk, utf8 = aiken.parse(text.encode("gbk")), aiken.parse(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert gbk.errors == [] and gbk.to_json() == utf8.to_json()
    assert (gbk.questions[0].line, gbk.questions[0].answer) == (1, ["B"])
    assert len(gbk.questions[0].options) == 2


def test_a_file_in_neither_encoding_is_one_error():
    result = aiken.parse(b"Q\nA) x\xff\x80\nB) y\nANSWER: A")
    assert errors(result) == [
        (None, "The file is neither UTF-8 nor GBK/GB18030 text; save it again as UTF-8.")
    ]


# ---------------------------------------------------------------- writing


SAMPLE = [
    ParsedQuestion(
        type="single",
        stem="每年4月15日是：",
        options=["全民国家安全教育日", "国家宪法日", "植树节"],
        answer=["A"],
    ),
    ParsedQuestion(type="single", stem="Is 1 < 2 & 3 > 2?", options=["Yes", "No"], answer=["A"]),
    ParsedQuestion(type="single", stem="ANSWER: is this a stem?", options=["Yes", "No"], answer=["A"]),
    ParsedQuestion(type="multiple", stem="Which?", options=["a", "b", "c"], answer=["A", "B"]),
    ParsedQuestion(type="judge", stem="宪法是根本大法。", answer=True),
    ParsedQuestion(type="blank", stem="每年____为全民国家安全教育日。", answer=[["4月15日"]]),
    ParsedQuestion(type="single", stem="A. Lincoln was a president.", options=["Yes", "No"], answer=["A"]),
    ParsedQuestion(type="single", stem="Two\nlines", options=["one\ntwo", "three"], answer=["B"]),
]


def test_export_writes_single_choice_only():
    # Aiken holds nothing else and has no comments; a stem that would read back as an option or
    # an ANSWER line cannot be written either.
    assert aiken.export(SAMPLE).decode("utf-8") == (
        "每年4月15日是：\nA) 全民国家安全教育日\nB) 国家宪法日\nC) 植树节\nANSWER: A\n\n"
        "Is 1 < 2 & 3 > 2?\nA) Yes\nB) No\nANSWER: A\n\n"
        "Two lines\nA) one two\nB) three\nANSWER: B\n"
    )
    assert aiken.export(SAMPLE[3:6]) == b""


def test_round_trip_keeps_the_single_choice_questions():
    kept = [SAMPLE[0], SAMPLE[1]]
    result = aiken.parse(aiken.export(kept))
    assert result.errors == []
    assert [(q.type, q.stem, q.options, q.answer) for q in result.questions] == [
        (q.type, q.stem, q.options, q.answer) for q in kept
    ]


# ---------------------------------------------------------------- generated and mangled files

_LINE = (
    st.text(st.sampled_from("abcABCXYZ019 ().、．）:：国家安全，。<>&#{}é😀"), min_size=2, max_size=20)
    .map(str.strip)
    .filter(lambda text: len(text.encode()) >= 2)
)
_STEM = _LINE.filter(lambda text: not aiken.OPTION_LINE.match(text) and not aiken.ANSWER_LINE.match(text))


@st.composite
def aiken_questions(draw: st.DrawFn) -> ParsedQuestion:
    options = draw(st.lists(_LINE, min_size=2, max_size=MAX_OPTIONS))
    return ParsedQuestion(
        type="single",
        stem=draw(_STEM),
        options=options,
        answer=[draw(st.sampled_from(LETTERS[: len(options)]))],
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(aiken_questions(), min_size=1, max_size=4))
def test_round_trip_of_generated_questions(questions):
    result = aiken.parse(aiken.export(questions))
    assert result.errors == []
    assert [(q.stem, q.options, q.answer) for q in result.questions] == [
        (q.stem, q.options, q.answer) for q in questions
    ]


def assert_well_formed(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    for question in result.questions:
        assert question.type in TYPES and isinstance(question.line, int) and question.line >= 1
        assert 2 <= len(question.options) <= MAX_OPTIONS
        assert len(question.answer) == 1 and question.answer[0] in LETTERS[: len(question.options)]  # type: ignore[arg-type, index]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    assert_well_formed(aiken.parse(data))


MANGLED = mangled(
    [(MOODLE / name).read_bytes() for name in FIXTURES],
    [b"A) ", b"B.", b"ANSWER: ", b"ANSWER: Z", b"\n", b"\r", b"\n\n", "、".encode(), "题".encode()],
)


@settings(max_examples=200, deadline=None)
@given(MANGLED)
def test_mangled_fixture_files_never_raise(data):
    assert_well_formed(aiken.parse(data))
