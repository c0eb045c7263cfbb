"""GIFT, read by Moodle's rules: Moodle's own fixture files, one case per rule, round trips, and
files mangled at random."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyhall.banks.formats import gift
from studyhall.banks.formats.base import ParsedQuestion, ParseResult
from studyhall.questions.answers import LETTERS, MAX_OPTIONS
from studyhall.questions.types import TYPES
from tests.banks.helpers import MOODLE, mangled

FIXTURES = ("gift/questions.gift.txt", "gift/questions_in_category.gift.txt", "gift/examples.txt")


def read(text: str) -> ParseResult:
    return gift.parse(text.encode("utf-8"))


def one(text: str) -> ParsedQuestion:
    result = read(text)
    assert result.errors == [] and len(result.questions) == 1, result.to_json()
    return result.questions[0]


def unsupported(result: ParseResult) -> list[tuple[int | None, str]]:
    prefix = "Not imported: unsupported question type "
    return [
        (w.line, w.message[len(prefix) :].split(" ")[0])
        for w in result.warnings
        if w.message.startswith(prefix)
    ]


# ---------------------------------------------------------------- Moodle's fixture files


def test_moodle_import_fixture_nine_blocks_six_questions_three_unsupported():
    # Moodle's Behat test says "Importing 9 questions from file"; studyhall holds six of them and
    # names the other three (essay, matching, numerical) with their lines.
    result = gift.parse((MOODLE / "gift/questions.gift.txt").read_bytes())
    assert result.errors == []
    assert [(q.line, q.type, q.external_id) for q in result.questions] == [
        (14, "single", "Q2"),
        (22, "multiple", "colours"),
        (34, "blank", "Shortanswer"),
        (41, "judge", "Q1"),
        (46, "judge", "2-08 TSL"),
        (49, "judge", "2-08 TSL"),
    ]
    assert unsupported(result) == [(2, "essay"), (5, "matching"), (31, "numerical")]
    assert len(result.questions) + len(unsupported(result)) == 9


def test_moodle_import_fixture_choice_questions():
    result = gift.parse((MOODLE / "gift/questions.gift.txt").read_bytes())
    yellow, colours = result.questions[:2]
    assert yellow.stem == "What's between orange and green in the spectrum?"
    # "[html]" on a feedback and "[plain]" on an answer are format tags, not text.
    assert (yellow.options, yellow.answer, yellow.explanation) == (
        ["yellow", "red", "blue"],
        ["A"],
        "right; good!",
    )
    # ~%50% yellow, ~%-100% red, ~%50% off-beige, ~%-100% blue: the positive weights are the key.
    assert (colours.options, colours.answer) == (["yellow", "red", "off-beige", "blue"], ["A", "C"])


def test_moodle_import_fixture_short_answer_keeps_the_full_credit_answer_and_names_the_rest():
    result = gift.parse((MOODLE / "gift/questions.gift.txt").read_bytes())
    frog = result.questions[2]
    assert (frog.stem, frog.answer, frog.explanation) == ("Which is the best animal?", [["Frog"]], "Good!")
    # Moodle keeps fractions [1, 0.5, 0]; studyhall has neither partial credit nor wildcards.
    assert [(w.line, w.message) for w in result.warnings if w.line == 34] == [
        (34, "Answers with partial credit are not kept at line 34: Cat"),
        (34, "Wildcard answers are ignored at line 34: *"),
    ]


def test_moodle_import_fixture_true_false_questions():
    result = gift.parse((MOODLE / "gift/questions.gift.txt").read_bytes())
    q1, t, true = result.questions[3:]
    assert (q1.answer, t.answer, true.answer) == (False, True, True)
    assert q1.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    # The fixture's stray `";` after "}" (copied from a PHP string) makes it, by Moodle's code, a
    # missing-word question: the answers' place becomes the blank.
    assert q1.stem == '42 is the Absolute Answer to everything.____";'
    assert t.stem == true.stem == "TSL is blablabla."


def test_moodle_category_fixture():
    # Behat: "Importing 4 questions from file" (the $CATEGORY block is not a question).
    result = gift.parse((MOODLE / "gift/questions_in_category.gift.txt").read_bytes())
    assert result.errors == []
    assert unsupported(result) == [(5, "matching")]
    greeting, user, acronym = result.questions
    assert all(q.categories == ["Default for New Features"] for q in result.questions)
    assert [(q.line, q.type, q.external_id) for q in result.questions] == [
        (14, "single", "Greeting"),
        (22, "blank", "Moodle user"),
        (27, "judge", "Moodle acronym"),
    ]
    # [html] text: `\=` and `\:` inside the link are escapes; the markup is dropped.
    assert greeting.stem == "Listen to this greeting:\nWhat language is being spoken?"
    assert (greeting.options, greeting.answer) == (["English", "French", "German", "Spanish"], ["B"])
    assert (user.stem, user.answer, user.explanation) == (
        "Anyone who uses Moodle is a ...",
        [["Moodler"]],
        "",
    )
    assert acronym.stem == "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Environment."
    assert acronym.answer is True


def test_moodle_examples_file_43_questions_all_accounted_for():
    result = gift.parse((MOODLE / "gift/examples.txt").read_bytes())
    assert result.errors == []
    # 43 by the README's reading of Moodle's code: 32 studyhall can hold, 11 it names.
    assert unsupported(result) == [
        (16, "numerical"),
        (55, "matching"),
        (61, "matching"),
        (70, "numerical"),
        (72, "numerical"),
        (74, "numerical"),
        (76, "numerical"),
        (85, "numerical"),
        (175, "numerical"),
        (177, "matching"),
        (202, "numerical"),
    ]
    assert len(result.questions) == 32
    assert len(result.questions) + len(unsupported(result)) == 43
    assert [w.line for w in result.warnings if not w.message.startswith("Not imported")] == [
        115,
        117,
        123,
        190,
        195,
    ]
    by_line = {q.line: q for q in result.questions}
    assert (
        by_line[29].stem
        == "The American holiday of Thanksgiving is celebrated on the ____ Thursday of November."
    )
    assert by_line[45].answer == [["four", "4"]] and by_line[45].stem == "Two plus two equals ____."
    assert by_line[108].stem == "Who's buried in **Grant's tomb**?"  # [markdown] is kept as written
    assert by_line[113].explanation == "No one is buried in Grant's tomb."
    assert (by_line[136].type, by_line[136].answer) == ("multiple", ["B", "C"])
    assert by_line[143].options == ["= 2 + 2", "= 2 + 3", "= 2 + 4"] and by_line[143].answer == ["B"]
    control = by_line[148]  # the name stands on its own line, the answers' feedback spans lines
    assert control.external_id == "GIFT Control Characters"
    assert control.options == ["~", "=", "#", "{", "}", "\\"] and control.answer == ["F"]
    assert control.explanation.startswith("Correct! \\ (backslash) is not a control character. BUT,\nit is")
    assert by_line[117].answer == ["D"] and by_line[117].stem == "Jesus Christ was from ____."


# ---------------------------------------------------------------- one rule at a time


def test_single_choice_is_the_one_equals_answer():
    question = one("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert (question.type, question.options, question.answer) == (
        "single",
        ["Grant", "Jefferson", "no one"],
        ["C"],
    )
    assert (question.line, question.external_id, question.categories) == (1, "", [])


def test_partial_credit_in_a_single_choice_is_warned_and_counted_wrong():
    result = read("Q{~wrong ~%50%half =full}")
    assert result.questions[0].answer == ["C"]
    assert [w.message for w in result.warnings] == [
        "Options with partial credit are counted as wrong at line 1: half"
    ]


def test_multiple_choice_takes_every_positive_weight():
    question = one("Q{~%-50%no ~%50%a ~%50%b ~c}")
    assert (question.type, question.answer) == ("multiple", ["B", "C"])


def test_multiple_choice_weights_not_adding_to_100_are_warned():
    result = read("Q{~%25%a ~%50%b ~c}")
    assert result.questions[0].answer == ["A", "B"]
    assert [w.message for w in result.warnings] == [
        "The weights of the right options add up to 75%, not 100%, at line 1"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Q{~a ~b}", "No option is marked right at line 1"),
        ("Q{=a =b ~c}", "Several options are marked fully right at line 1; a single-choice question has one"),
        ("Q{=only}x", None),  # one `=` and no `~` is a short answer, not a choice
        ("Q{~only}", "A choice question needs at least 2 options (line 1)"),
        (
            "Q{" + " ".join(f"~%10%{n}" for n in range(MAX_OPTIONS + 1)) + "}",
            "Too many options (9; at most 8) at line 1",
        ),
    ],
)
def test_choice_questions_studyhall_cannot_hold_are_errors(text, message):
    result = read(text)
    assert [e.message for e in result.errors] == ([message] if message else [])


def test_true_false_in_all_spellings_and_the_explanation():
    assert [one(f"S.{{{word}}}").answer for word in ("T", "TRUE", "F", "FALSE")] == [True, True, False, False]
    # {answer#feedback to a wrong response#feedback to a right one####general feedback}
    assert one("S.{F#Because.#Well done.}").explanation == "Because."
    assert one("S.{F##Well done.}").explanation == "Well done."
    assert one("S.{F#Because.####General.}").explanation == "General."


def test_true_false_words_are_case_sensitive_as_in_moodle():
    question = one("S.{true}")
    assert (question.type, question.answer) == ("blank", [["true"]])


def test_short_answer_keeps_full_credit_answers_as_one_blank():
    result = read("Capital of France?{=Paris =%100%paris =%50%Lyon =%0%Rome =%0%*#No.}")
    assert result.questions[0].answer == [["Paris", "paris"]]
    assert [w.message for w in result.warnings] == [
        "Answers with partial credit are not kept at line 1: Lyon",
        "Wildcard answers are ignored at line 1: *",
    ]


def test_short_answer_wildcards_and_escaped_stars():
    result = read("Q{=Fr*g =a\\*b}")
    assert result.questions[0].answer == [["a*b"]]
    assert [w.message for w in result.warnings] == ["Wildcard answers are ignored at line 1: Fr*g"]


def test_short_answer_without_a_full_credit_answer_is_an_error():
    result = read("\n\nQ{=%50%half =*}")
    assert result.questions == []
    assert [(e.line, e.message) for e in result.errors] == [(3, "No answer with 100% credit at line 3")]


def test_missing_word_puts_the_blank_where_the_answers_were():
    question = one("Two plus two equals {=four =4}.")
    assert (question.type, question.stem, question.answer) == (
        "blank",
        "Two plus two equals ____.",
        [["four", "4"]],
    )
    assert (
        one("Grant is {~buried =entombed ~living} in Grant's tomb.").stem == "Grant is ____ in Grant's tomb."
    )
    assert one("Answers last {=x}").stem == "Answers last"


def test_every_escape_is_honoured():
    question = one(r"::a\:b:: 1 \= 2 \~ 3 \# 4 \{ 5 \} 6 \: 7 \\ 8\n9 \x{=p\=q\#r ~s\~t\\}")
    assert question.external_id == "a:b"
    assert question.stem == "1 = 2 ~ 3 # 4 { 5 } 6 : 7 \\ 8\n9 \\x"
    assert question.options == ["p=q#r", "s~t\\"] and question.answer == ["A"]


def test_an_escaped_backslash_does_not_escape_the_next_character():
    # `\\=` is a backslash, then a live `=`: the answer is right, not text.
    assert one(r"Q{~a\\ =b}").options == ["a\\", "b"]


def test_categories_drop_the_moodle_context_and_last_until_the_next():
    result = read(
        "\n\n".join(
            [
                "Q0{T}",
                "$CATEGORY: $course$/A/B",
                "Q1{T}",
                "Q2{F}",
                "$CATEGORY: $module$/top/宪法",
                "Q3{T}",
                "$CATEGORY: $system$/top",
                "Q4{T}",
                "$CATEGORY: top/C",
                "Q5{T}",
            ]
        )
    )
    assert [q.categories for q in result.questions] == [[], ["A/B"], ["A/B"], ["宪法"], [], ["C"]]


def test_a_question_right_under_its_category_line_is_read_not_swallowed():
    # Moodle would take the whole block as the category's name.
    result = read("$CATEGORY: $course$/A\n// comment\nQ{T}")
    assert [(q.line, q.stem, q.categories) for q in result.questions] == [(3, "Q", ["A"])]


def test_text_formats():
    assert one("[html]<p>Is &lt;b&gt; <b>bold</b>?</p>{T}").stem == "Is <b> bold?"
    assert one("[plain]<b>x</b>{T}").stem == "<b>x</b>"
    assert one("[markdown]**x**{T}").stem == "**x**"
    assert one("[moodle]x{T}").stem == "x"
    assert one("[note] x{T}").stem == "[note] x"  # not a format: part of the text
    # Options take the question's format unless they name their own.
    assert one("[html]Q{=<i>a</i> ~[plain]<i>b</i>}").options == ["a", "<i>b</i>"]


def test_html_the_standard_parser_chokes_on_is_kept_as_written():
    assert one("[html]a <![x[ b{T}").stem == "a <![x[ b"


def test_comment_lines_are_ignored_but_not_urls():
    question = one("// a comment\n::Q:: See http://example.org\n// another\n{T}")
    assert (question.line, question.stem) == (2, "See http://example.org")


def test_name_without_closing_colons_is_dropped_like_moodle():
    question = one("::no name here{T}")
    assert (question.external_id, question.stem) == ("", "no name here")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("::E:: Write an essay. {}", "essay"),
        ("Born when? {#1822:5}", "numerical"),
        ("Match. {=a -> 1 =b -> 2}", "matching"),
        ("Only a description, no braces.", "description"),
    ],
)
def test_unsupported_types_are_warned_with_their_line(text, kind):
    result = read("// first\n\n" + text)
    assert result.questions == [] and result.errors == []
    assert [(w.line, w.message) for w in result.warnings] == [
        (3, f"Not imported: unsupported question type {kind} at line 3")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Q{=a ~b", "Could not find a matching { } pair around the answers at line 3"),
        ("Q=a ~b}", "Could not find a matching { } pair around the answers at line 3"),
        ("Q}{=a ~b}", "Could not find a matching { } pair around the answers at line 3"),
        ("Q{=a}{=b}", "A question can have only one { } answer block (line 3)"),
    ],
)
def test_broken_blocks_are_errors_with_their_line_and_the_rest_still_reads(text, message):
    result = read("Before{T}\n\n" + text + "\n\nAfter{F}")
    assert [(e.line, e.message) for e in result.errors] == [(3, message)]
    assert [q.stem for q in result.questions] == ["Before", "After"]


def test_gbk_file_reads_like_utf8():
    text = "$CATEGORY: $course$/国家安全\n\n::GA-1::每年{=4月15日}为全民国家安全教育日。"
    gbk, utf8 = gift.parse(text.encode("gbk")), gift.parse(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert gbk.errors == [] and gbk.to_json() == utf8.to_json()
    assert (gbk.questions[0].stem, gbk.questions[0].answer) == (
        "每年____为全民国家安全教育日。",
        [["4月15日"]],
    )


def test_a_file_in_neither_encoding_is_one_error():
    result = gift.parse(b"Q{T}\n\xff\xfe\x80")
    assert [(e.line, e.message) for e in result.errors] == [
        (None, "The file is neither UTF-8 nor GBK/GB18030 text; save it again as UTF-8.")
    ]


def test_windows_line_breaks_count_once():
    assert [q.line for q in read("A{T}\r\n\r\nB{F}").questions] == [1, 3]


# ---------------------------------------------------------------- writing


SAMPLE = [
    ParsedQuestion(
        type="single",
        stem="每年____为全民国家安全教育日。",
        options=["4月15日", "12月4日", "3月15日"],
        answer=["A"],
        explanation="《国家安全法》第十四条。",
        categories=["国家安全/教育日"],
        external_id="GA-001",
    ),
    ParsedQuestion(
        type="multiple",
        stem="Which are {GIFT} control characters: = ~ # ?",
        options=["=", "~", "a\\b", "%50%off", "[html]<b>"],
        answer=["A", "B", "E"],
        categories=["国家安全/教育日"],
    ),
    ParsedQuestion(
        type="judge", stem="// not a comment: 宪法是根本大法。", answer=True, explanation="Line one\nline two"
    ),
    ParsedQuestion(
        type="blank",
        stem="Two plus two equals ____.",
        answer=[["four", "4", "fo*r"]],
        explanation="Arithmetic.",
        categories=["Maths"],
    ),
    ParsedQuestion(type="blank", stem="The capital is ____", answer=[["Paris"]], categories=["Maths"]),
    ParsedQuestion(type="blank", stem="Name a fruit:", answer=[["apple", "%5%pear"]]),
]


def comparable(question: ParsedQuestion) -> tuple[object, ...]:
    return (
        question.type,
        question.stem,
        question.options,
        question.answer,
        question.explanation,
        question.categories,
        question.external_id,
    )


def test_round_trip_keeps_every_question_gift_can_hold():
    result = gift.parse(gift.export(SAMPLE))
    assert result.errors == [] and result.warnings == []
    assert [comparable(q) for q in result.questions] == [comparable(q) for q in SAMPLE]


def test_export_writes_moodle_style_gift():
    text = gift.export(SAMPLE[:3]).decode("utf-8")
    assert text.startswith(
        "$CATEGORY: $course$/国家安全/教育日\n\n::GA-001::每年____为全民国家安全教育日。{\n"
        "\t=4月15日\n\t~12月4日\n\t~3月15日\n\t####《国家安全法》第十四条。\n}\n\n"
    )
    assert (
        "\t~%33.33333%\\=\n\t~%33.33333%\\~\n\t~a\\\\b\n\t~%0%%50%off\n\t~%33.33333%[moodle][html]<b>\n"
        in text
    )
    # No category any more; a stem that starts like a comment is marked with its (default) format.
    assert "$CATEGORY: $course$/top\n\n[moodle]// not a comment\\: 宪法是根本大法。{TRUE####" in text
    assert "{TRUE####Line one\\nline two}\n" in text


def test_export_writes_a_one_blank_question_as_missing_word():
    text = gift.export(SAMPLE[3:5]).decode("utf-8")
    assert "Two plus two equals {\n\t=four\n\t=4\n\t=fo\\\\*r\n\t####Arithmetic.\n}.\n" in text
    # With nothing after the blank Moodle would see no missing word, so the answers follow the stem.
    assert "The capital is ____{\n\t=Paris\n}\n" in text


def test_export_skips_a_several_blank_question_with_a_comment():
    several = ParsedQuestion(type="blank", stem="a ____ b ____", answer=[["x"], ["y"]])
    text = gift.export([several, SAMPLE[2]]).decode("utf-8")
    assert text.startswith("// Skipped: GIFT holds one blank, this fill-in question has 2: a ____ b ____\n\n")
    assert [q.type for q in gift.parse(text.encode()).questions] == ["judge"]


def test_export_of_nothing_is_empty():
    assert gift.export([]) == b""


# ---------------------------------------------------------------- generated and mangled files

# Text GIFT can hold: no surrounding space, no "_" or brackets that would count as blanks. GIFT's
# control characters, Chinese and a few other scripts are in on purpose.
_TEXT = (
    st.text(st.sampled_from("abcXYZ019 \n国家安全：，。é€😀:#={}~\\%*[]/->$"), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
_CATEGORY = _TEXT.filter(lambda path: path.split("/")[0].strip() not in (*gift.CONTEXTS, "top"))


@st.composite
def gift_questions(draw: st.DrawFn) -> ParsedQuestion:
    kind = draw(st.sampled_from(tuple(TYPES)))
    stem, options, answer = draw(_TEXT), [], None
    if kind in ("single", "multiple"):
        options = draw(st.lists(_TEXT, min_size=2, max_size=MAX_OPTIONS))
        letters = st.sampled_from(LETTERS[: len(options)])
        answer = (
            [draw(letters)] if kind == "single" else sorted(draw(st.lists(letters, min_size=1, unique=True)))
        )
    elif kind == "judge":
        answer = draw(st.booleans())
    else:
        accepted = draw(
            st.lists(_TEXT.filter(lambda text: "->" not in text), min_size=1, max_size=3, unique=True)
        )
        answer = [accepted]
        if draw(st.booleans()):
            stem = (draw(_TEXT) + " ____ " + draw(st.sampled_from(["", "。", "x"]))).strip()
    categories = draw(st.lists(_CATEGORY, max_size=1))
    return ParsedQuestion(
        type=kind,
        stem=stem,
        options=options,
        answer=answer,
        explanation=draw(st.one_of(st.just(""), _TEXT)),
        categories=categories,
        external_id=draw(st.one_of(st.just(""), _TEXT)),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(gift_questions(), min_size=1, max_size=4))
def test_round_trip_of_generated_questions(questions):
    result = gift.parse(gift.export(questions))
    assert result.errors == [] and result.warnings == []
    assert [comparable(q) for q in result.questions] == [comparable(q) for q in questions]


def assert_well_formed(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    for question in result.questions:
        assert question.type in TYPES and isinstance(question.line, int) and question.line >= 1
        if question.type in ("single", "multiple"):
            assert 2 <= len(question.options) <= MAX_OPTIONS
            assert question.answer and set(question.answer) <= set(LETTERS[: len(question.options)])  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    assert_well_formed(gift.parse(data))


MANGLED = mangled(
    [(MOODLE / name).read_bytes() for name in FIXTURES],
    [
        b"{",
        b"}",
        b"~",
        b"=",
        b"#",
        b"\\",
        b"::",
        b"->",
        b"%50%",
        b"####",
        b"\n",
        b"\n\n",
        b"//",
        b"$CATEGORY:",
        b"[html]",
        b"<![x[",
        "题".encode(),
    ],
)


@settings(max_examples=200, deadline=None)
@given(MANGLED)
def test_mangled_fixture_files_never_raise(data):
    assert_well_formed(gift.parse(data))
