"""Moodle XML: Moodle's own importer fixtures, hand-written cases, export, round trip, and inputs
that must never crash the parser.

The fixtures are Moodle's test data (moodle/moodle, GPL-3.0-or-later), copied into
tests/fixtures/moodle with a note of their origin. Where studyhall's model differs from what Moodle
does with a fixture, the test says how.
"""

from __future__ import annotations

import dataclasses
import re

import defusedxml.ElementTree
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyhall.banks.formats.base import Issue, ParsedQuestion, ParseResult
from studyhall.banks.formats.moodlexml import MOODLE_GRADES, category_path, export, parse
from tests.banks.helpers import MOODLE

FIXTURES = sorted([*(MOODLE / "xml").glob("*.xml"), *(MOODLE / "qtype_xml").glob("*.xml")])
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def fixture(name: str) -> ParseResult:
    return parse((MOODLE / name).read_bytes())


def quiz(*questions: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n"
    ).encode()


def question(
    kind: str, body: str = "", *, name: str = "Q1", text: str = "Pick one.", text_format: str = "html"
) -> str:
    return (
        f'<question type="{kind}">\n<name><text>{name}</text></name>\n'
        f'<questiontext format="{text_format}"><text>{text}</text></questiontext>\n{body}\n</question>'
    )


def answer(fraction: str, text: str, answer_format: str | None = "html") -> str:
    written_format = f' format="{answer_format}"' if answer_format else ""
    return f'<answer fraction="{fraction}"{written_format}><text>{text}</text></answer>'


def multichoice(*answers: tuple[str, str], single: str | None = "true", **extra: str) -> str:
    single_tag = "" if single is None else f"<single>{single}</single>"
    return question("multichoice", single_tag + "".join(answer(f, t) for f, t in answers), **extra)


def only(result: ParseResult) -> ParsedQuestion:
    assert result.errors == [], result.errors
    assert len(result.questions) == 1, result.questions
    return result.questions[0]


def messages(issues: list[Issue]) -> list[str]:
    return [issue.message for issue in issues]


# --- Moodle's fixtures ----------------------------------------------------------------------------


def test_every_fixture_is_here():
    assert {path.name for path in FIXTURES} == {
        "categories_reverse_order.xml",
        "category_with_description.xml",
        "error_invalid_grades.xml",
        "html_chars_in_idnumbers.xml",
        "nested_categories.xml",
        "nested_categories_with_questions.xml",
        "old_format_file.xml",
        "match_testquestion.moodle.xml",
        "multichoice_testquestion.moodle.xml",
        "shortanswer_testquestion.moodle.xml",
    }


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_no_fixture_question_is_dropped_silently(path):
    """Every real question is imported or named in an error or warning at its own line."""
    data = path.read_bytes()
    result = parse(data)
    starts = [
        data[: match.start()].count(b"\n") + 1
        for match in re.finditer(rb'<question type="(?!category)', data)
    ]
    accounted = {q.line for q in result.questions} | {i.line for i in result.errors + result.warnings}
    assert starts and set(starts) <= accounted


def test_category_with_description():
    # Moodle also stores the category's description, format and idnumber; studyhall categories are
    # plain names, so only "Alpha" is kept.
    question = only(fixture("xml/category_with_description.xml"))
    assert (question.type, question.stem, question.answer) == ("judge", "Testing Alpha Question", True)
    assert question.categories == ["Alpha"]
    assert (question.external_id, question.score, question.line) == ("Alpha Question", 1.0, 15)


def test_nested_categories():
    # Moodle builds the tree top → Delta → Epsilon → Zeta; studyhall keeps the path.
    question = only(fixture("xml/nested_categories.xml"))
    assert question.categories == ["Delta/Epsilon/Zeta"]
    assert question.stem == "Testing Zeta Question"


def test_nested_categories_with_questions_land_in_their_own_category():
    result = fixture("xml/nested_categories_with_questions.xml")
    assert result.errors == []
    assert {q.stem: q.categories for q in result.questions} == {
        "Testing Iota Question": ["Iota"],
        "Testing Kappa Question": ["Iota/Kappa"],
        "Testing Lambda Question": ["Iota/Kappa/Lambda"],
        "Testing Mu Question": ["Iota/Mu"],  # Mu is Iota's child, after Lambda in the file
    }
    # Moodle imports the essay too; studyhall has no essays and says so.
    assert result.warnings == [Issue("Not imported: unsupported question type essay at line 55", line=55)]


def test_categories_in_reverse_order():
    result = fixture("xml/categories_reverse_order.xml")
    assert result.errors == []
    # Tau's only question is an essay, so only Sigma's question arrives; its 0 % answers "no" and
    # "may be" are just feedback for wrong responses and leave nothing to keep.
    question = only(result)
    assert (question.type, question.stem, question.answer) == ("blank", "Testing Sigma Question", [["yes"]])
    assert (question.categories, question.line) == (["Sigma"], 51)
    assert result.warnings == [Issue("Not imported: unsupported question type essay at line 14", line=14)]


def test_old_format_categories_without_info():
    result = fixture("xml/old_format_file.xml")
    assert result.errors == [] and result.warnings == []
    assert [(q.stem, q.categories, q.line) for q in result.questions] == [
        ("Testing Pi Question", ["Pi"], 11),
        ("Testing Rho Question", ["Pi/Rho"], 46),
    ]


def test_invalid_grades_are_an_error_for_that_question():
    # Moodle: "The grades (0.33) do not match grade options - question 'Question with invalid grades
    # : x > 1 & x < 2' skipped." and the import stops. studyhall names the grade as the file writes
    # it (fraction="33"), since that is what a person searches the file for; errors block the import.
    result = fixture("xml/error_invalid_grades.xml")
    assert result.questions == []
    assert result.errors == [
        Issue("Question with invalid grades: Question with invalid grades : x > 1 & x < 2 (33)", line=4)
    ]


def test_entity_escaped_idnumbers_decode():
    question = only(fixture("xml/html_chars_in_idnumbers.xml"))
    assert question.external_id == "T & F"
    assert question.categories == ["Alpha"]  # the category's own idnumber has no place in studyhall


def test_multichoice_test_question_is_multiple_with_the_two_half_credit_options():
    result = fixture("qtype_xml/multichoice_testquestion.moodle.xml")
    question = only(result)
    assert result.warnings == []  # hints and combined feedback have no place in studyhall: not warned
    assert question.type == "multiple"
    assert question.stem == "Find the capital cities in Europe."
    assert question.options == ["Tokyo", "Spain", "London", "Barcelona", "Paris"]
    assert question.answer == ["C", "E"]
    assert question.explanation == "Berlin, Paris and London"
    assert (question.external_id, question.categories, question.line) == (
        "Multi-choice-001",
        ["Default for C1"],
        12,
    )


def test_matching_question_is_reported_not_imported():
    # Moodle imports it ("Importing 1 questions from file"); studyhall has no matching type.
    result = fixture("qtype_xml/match_testquestion.moodle.xml")
    assert result.questions == []
    assert result.warnings == [Issue("Not imported: unsupported question type matching at line 12", line=12)]
    assert messages(result.errors) == ["The file contains no question that studyhall can import."]


def test_shortanswer_test_question_accepts_frog_only():
    # Moodle gives toad 80 % and any other answer ("*") 0 % with feedback. studyhall has no partial
    # credit and compares exactly, so only "frog" is accepted and both others are named in warnings.
    result = fixture("qtype_xml/shortanswer_testquestion.moodle.xml")
    question = only(result)
    assert (question.type, question.stem, question.answer) == (
        "blank",
        "Name an amphibian: __________",
        [["frog"]],
    )
    assert question.case_sensitive is False
    assert question.explanation == "Generalfeedback: frog or toad would have been OK."
    assert (question.external_id, question.categories) == ("shortanswer-001", ["Test questions"])
    assert result.warnings == [
        Issue("The * wildcard is not supported; these answers were ignored: “*” (shortanswer-001)", line=12),
        Issue(
            "Partial credit is not imported; these answers were dropped: “toad” (shortanswer-001)", line=12
        ),
    ]


# --- unsafe and broken files ------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<quiz><question type="truefalse"><questiontext><text>&lol4;</text></questiontext></question></quiz>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><questiontext><text>&secret;</text></questiontext>
<answer fraction="100"><text>true</text></answer>
<answer fraction="0"><text>false</text></answer></question></quiz>
"""
REFUSED = "The XML file uses entities or a DTD, which are not allowed."


def test_entity_expansion_is_refused():
    result = parse(BILLION_LAUGHS)
    assert result.questions == [] and result.errors == [Issue(REFUSED, line=2)]


def test_external_entity_is_refused_and_nothing_is_read():
    result = parse(EXTERNAL_ENTITY)
    assert result.questions == [] and result.errors == [Issue(REFUSED, line=2)]
    assert "root:" not in str(result.to_json())


def test_a_bare_dtd_is_refused_too():
    assert parse(b'<!DOCTYPE quiz SYSTEM "http://example.com/quiz.dtd"><quiz/>').errors == [
        Issue(REFUSED, line=1)
    ]


def test_malformed_xml_is_one_error_with_its_line():
    data = quiz(multichoice(("100", "Yes"), ("0", "No"))).replace(b"</name>", b"</nam>")
    result = parse(data)
    assert result.questions == []
    # Line 4 is `<name><text>Q1</text></nam>`; the column points at the wrong name.
    assert result.errors == [Issue("The file is not well-formed XML (mismatched tag, column 24).", line=4)]


@pytest.mark.parametrize("data", [b"", b"not xml at all", b"\xff\xfe\x00garbage", b"<quiz>"])
def test_files_that_are_not_xml_are_one_error(data):
    result = parse(data)
    assert result.questions == [] and len(result.errors) == 1 and result.errors[0].line is not None


def test_other_xml_is_not_taken_for_moodle():
    result = parse(b'<?xml version="1.0"?>\n<assessment/>')
    assert result.errors == [
        Issue("This is not a Moodle XML file: the root element is <assessment>, not <quiz>.", line=2)
    ]


def test_gbk_file_is_read():
    data = (
        '<?xml version="1.0" encoding="GBK"?>\n<quiz>\n'
        + question(
            "truefalse", answer("0", "true") + answer("100", "false"), text="宪法是根本大法以外的法律。"
        )
        + "\n</quiz>"
    ).encode("gbk")
    question_ = only(parse(data))
    assert (question_.stem, question_.answer, question_.line) == ("宪法是根本大法以外的法律。", False, 3)


def test_unreadable_declared_encoding_is_one_error():
    result = parse(b'<?xml version="1.0" encoding="no-such-charset"?><quiz/>')
    assert messages(result.errors) == [
        "The file declares the encoding no-such-charset but cannot be read in it; save it as UTF-8."
    ]


# --- text, names and categories ------------------------------------------------------------------


def test_html_text_is_stripped_and_plain_text_kept_as_is():
    html = multichoice(
        ("100", "&lt;b&gt;Beijing&lt;/b&gt;"),
        ("0", "Shanghai"),
        text="&lt;p&gt;Which is the &lt;strong&gt;capital&lt;/strong&gt;?&lt;/p&gt;",
    )
    html = html.replace(
        "</question>",
        '<generalfeedback format="html"><text><![CDATA[<p>See <em>the '
        "Constitution</em>, art. 143.</p>]]></text></generalfeedback></question>",
    )
    question_ = only(parse(quiz(html)))
    assert (question_.stem, question_.options, question_.answer) == (
        "Which is the capital?",
        ["Beijing", "Shanghai"],
        ["A"],
    )
    assert question_.explanation == "See the Constitution, art. 143."
    plain = question(
        "multichoice",
        answer("100", "a &lt;b&gt; c", None) + answer("0", "d", None),
        text="x &lt; y",
        text_format="plain_text",
    )
    question_ = only(parse(quiz(plain)))
    # Answers without their own format take the question text's, as in Moodle.
    assert (question_.stem, question_.options) == ("x < y", ["a <b> c", "d"])
    for text_format in ("markdown", "moodle_auto_format"):
        assert (
            only(
                parse(
                    quiz(
                        multichoice(
                            ("100", "A"), ("0", "B"), text="**bold** <i>", text_format=text_format
                        ).replace("<i>", "&lt;i&gt;")
                    )
                )
            ).stem
            == "**bold** <i>"
        )


def test_usecase_makes_a_blank_case_sensitive():
    def blank(usecase: str) -> ParsedQuestion:
        body = f"<usecase>{usecase}</usecase>" + answer("100", "DNA", "moodle_auto_format")
        return only(parse(quiz(question("shortanswer", body, text="Name it: ____"))))

    assert blank("1").case_sensitive is True
    assert blank("0").case_sensitive is False
    assert blank("1").answer == [["DNA"]]


@pytest.mark.parametrize(
    ("path", "categories"),
    [
        ("$course$/top/Alpha", ["Alpha"]),
        ("$module$/Sigma/Tau", ["Sigma/Tau"]),
        ("$system$/top/A/B", ["A/B"]),
        ("$cat1$/top/国家安全法", ["国家安全法"]),
        ("top/Alpha", ["Alpha"]),
        ("Alpha/Beta", ["Alpha/Beta"]),
        ("$course$/top", []),
        ("$course$/Default for C1/ Spaced ", ["Default for C1/Spaced"]),
        ("$course$/top/A//B", ["A/B"]),  # "//" is Moodle's escape for a "/" inside a name
    ],
)
def test_category_paths(path, categories):
    assert category_path(path) == categories


def test_category_sets_the_questions_after_it_and_old_style_path_works():
    category = '<question type="category"><category><text>$course$/top/宪法</text></category></question>'
    old_style = '<question type="category"><category>tom/dick</category></question>'
    tf = answer("100", "true") + answer("0", "false")
    result = parse(
        quiz(
            question("truefalse", tf, name="a"),
            category,
            question("truefalse", tf, name="b"),
            old_style,
            question("truefalse", tf, name="c"),
        )
    )
    assert [(q.external_id, q.categories) for q in result.questions] == [
        ("a", []),
        ("b", ["宪法"]),
        ("c", ["tom/dick"]),
    ]


def test_external_id_is_the_idnumber_else_the_name():
    tf = answer("100", "true") + answer("0", "false")
    with_id = question("truefalse", tf + "<idnumber> GJAQ-001 </idnumber>", name="Some name")
    named = question("truefalse", tf, name="&lt;b&gt;Q&amp;A&lt;/b&gt; 7")
    # A name that is only the start of the text is what Moodle makes up when there is none.
    made_up = question("truefalse", tf, name="Pick", text="Pick one.")
    result = parse(quiz(with_id, named, made_up))
    assert [q.external_id for q in result.questions] == ["GJAQ-001", "Q&A 7", ""]


def test_default_grade_is_the_score():
    body = "<defaultgrade>2.5000000</defaultgrade>" + answer("100", "true") + answer("0", "false")
    assert only(parse(quiz(question("truefalse", body)))).score == 2.5
    assert only(parse(quiz(question("truefalse", answer("100", "true"))))).score is None


def test_images_are_not_imported_and_that_is_said():
    text = '&lt;p&gt;Whose flag? &lt;img src="@@PLUGINFILE@@/flag.png"&gt;&lt;/p&gt;'
    body = (
        answer("100", "true") + answer("0", "false") + '<file name="flag.png" encoding="base64">AAAA</file>'
    )
    result = parse(quiz(question("truefalse", body, name="flag", text=text)))
    assert only(result).stem == "Whose flag?"
    assert messages(result.warnings) == ["Images and attached files are not imported: flag"]


# --- choices, true/false and short answers --------------------------------------------------------


def test_single_choice_takes_the_full_credit_answer():
    result = parse(quiz(multichoice(("0", "A1"), ("100", "B1"), ("-50", "C1"), single=None)))
    question_ = only(result)  # no <single>: Moodle's default is single
    assert (question_.type, question_.answer, question_.options) == ("single", ["B"], ["A1", "B1", "C1"])
    assert result.warnings == []


def test_single_choice_partial_credit_becomes_wrong_with_a_warning():
    result = parse(quiz(multichoice(("100", "right"), ("50", "half"), ("0", "wrong"), name="mc")))
    assert only(result).answer == ["A"]
    assert messages(result.warnings) == [
        "Partial credit is not imported; these answers now count as wrong: “half” (mc)"
    ]


def test_single_choice_without_one_key_is_an_error():
    none = parse(quiz(multichoice(("50", "a"), ("0", "b"), name="none")))
    assert none.errors == [Issue("No answer is graded 100%, so the correct answer is unknown: none", line=3)]
    # Moodle gives full marks for either; a studyhall single-choice question has one key.
    two = parse(quiz(multichoice(("100", "a"), ("100", "b"), name="two")))
    assert messages(two.errors) == [
        "Several answers are graded 100% (AB), but a single-choice question has one correct answer: two"
    ]


def test_multiple_choice_keys_are_the_positive_grades():
    result = parse(
        quiz(
            multichoice(
                ("33.33333", "a"), ("-100", "b"), ("33.33333", "c"), ("33.33333", "d"), single="false"
            )
        )
    )
    assert (only(result).type, only(result).answer) == ("multiple", ["A", "C", "D"])
    assert result.warnings == []


def test_multiple_choice_grades_not_adding_up_to_100_are_warned():
    # Moodle imports these and only nags in its editing form; the key is still clear.
    result = parse(quiz(multichoice(("50", "a"), ("50", "b"), ("50", "c"), ("0", "d"), single="0", name="m")))
    assert only(result).answer == ["A", "B", "C"]
    assert messages(result.warnings) == [
        "The positive grades add up to 150%, not 100%; "
        "every answer with a positive grade counts as correct: m"
    ]
    no_key = parse(quiz(multichoice(("0", "a"), ("-50", "b"), single="false", name="k")))
    assert messages(no_key.errors) == [
        "No answer has a positive grade, so the correct answers are unknown: k"
    ]


def test_blank_answers_are_skipped_and_more_than_eight_options_is_an_error():
    result = parse(quiz(multichoice(("100", "a"), ("0", ""), ("0", "b"))))
    assert only(result).options == ["a", "b"]
    nine = [("100", "o0")] + [("0", f"o{i}") for i in range(1, 9)]
    assert messages(parse(quiz(multichoice(*nine, name="nine"))).errors) == [
        "Too many options (9, at most 8): nine"
    ]
    assert messages(parse(quiz(multichoice(("100", "lonely"), name="one"))).errors) == [
        "Too few options (1, at least 2): one"
    ]


def test_grades_outside_moodles_list_and_non_numbers_are_invalid():
    result = parse(quiz(multichoice(("100", "a"), ("12", "b"), ("abc", "c"), name="g")))
    assert messages(result.errors) == ["Question with invalid grades: g (12, abc)"]
    # Moodle's tolerance: within 0.001 percent of an allowed grade is that grade.
    assert only(parse(quiz(multichoice(("100.0000001", "a"), ("33.3333", "b"))))).answer == ["A"]


def test_true_false_answer_and_old_localised_names():
    false = parse(quiz(question("truefalse", answer("0", "true") + answer("100", "false"))))
    assert only(false).answer is False
    old = parse(quiz(question("truefalse", answer("0", "Wahr") + answer("100", "Falsch"), name="old")))
    assert only(old).answer is False
    assert messages(old.warnings) == [
        "The answers are not named true and false; the first was taken as true and the second as false: old"
    ]
    neither = parse(quiz(question("truefalse", answer("0", "true") + answer("0", "false"), name="n")))
    assert messages(neither.errors) == [
        "A true/false question needs exactly one of true and false graded 100%: n"
    ]


def test_short_answer_wildcards_escapes_and_several_accepted_strings():
    body = (
        answer("100", "4月15日", "moodle_auto_format")
        + answer("100", "四月十五日", "moodle_auto_format")
        + answer("100", r"2\*3", "moodle_auto_format")
        + answer("100", "fr*g", "moodle_auto_format")
    )
    result = parse(quiz(question("shortanswer", body, name="s", text="全民国家安全教育日是____")))
    assert only(result).answer == [["4月15日", "四月十五日", "2*3"]]
    assert messages(result.warnings) == [
        "The * wildcard is not supported; these answers were ignored: “fr*g” (s)"
    ]
    none = parse(quiz(question("shortanswer", answer("90", "close"), name="t")))
    assert messages(none.errors) == ["No answer is graded 100%, so the correct answer is unknown: t"]


@pytest.mark.parametrize(
    "kind",
    [
        "essay",
        "matching",
        "numerical",
        "description",
        "cloze",
        "multianswer",
        "calculated",
        "calculatedmulti",
        "ddwtos",
        "gapselect",
    ],
)
def test_unsupported_types_are_warned_with_their_line(kind):
    tf = question("truefalse", answer("100", "true") + answer("0", "false"))
    result = parse(quiz(tf, question(kind, "")))
    assert len(result.questions) == 1
    assert result.warnings == [Issue(f"Not imported: unsupported question type {kind} at line 8", line=8)]


def test_a_question_without_a_type_is_warned():
    result = parse(quiz("<question><name><text>x</text></name></question>"))
    assert result.warnings == [Issue("Not imported: a question without a type at line 3", line=3)]


# --- export ---------------------------------------------------------------------------------------

SAMPLE = [
    ParsedQuestion(
        type="single",
        stem="我国的根本大法是（ ）。",
        options=["刑法", "宪法", "民法典", "国家安全法"],
        answer=["B"],
        explanation="《宪法》序言。",
        categories=["宪法"],
        score=2.0,
        external_id="XF-001",
    ),
    ParsedQuestion(
        type="multiple",
        stem="Which are <capitals> & cities?",
        options=["Paris", "Tokyo", "Lyon", "Rome"],
        answer=["A", "B", "D"],
        categories=["宪法"],
        external_id="X & <Y>",
    ),
    ParsedQuestion(
        type="judge",
        stem="每年4月15日是全民国家安全教育日。",
        answer=True,
        categories=["国家安全法"],
        external_id="GA-002",
    ),
    ParsedQuestion(
        type="judge",
        stem="Falsehood ]]> here.",
        answer=False,
        categories=["国家安全法/总则"],
        external_id="GA-003",
        explanation="Line one.\nLine two.",
    ),
    ParsedQuestion(
        type="blank",
        stem="每年____为全民国家安全教育日。",
        answer=[["4月15日", "四月十五日", "2*3"]],
        categories=["国家安全法"],
        external_id="GA-004",
        case_sensitive=True,
    ),
]


def without_line(questions: list[ParsedQuestion]) -> list[ParsedQuestion]:
    return [dataclasses.replace(question, line=None) for question in questions]


def test_round_trip_keeps_what_moodle_can_hold():
    result = parse(export(SAMPLE))
    assert result.errors == [] and result.warnings == []
    assert without_line(result.questions) == SAMPLE


def test_export_is_utf8_moodle_xml_with_a_category_before_each_run():
    data = export(SAMPLE)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    root = defusedxml.ElementTree.fromstring(data)
    kinds = [(element.get("type"), element.findtext("category/text")) for element in root]
    assert kinds == [
        ("category", "$course$/top/宪法"),
        ("multichoice", None),
        ("multichoice", None),
        ("category", "$course$/top/国家安全法"),
        ("truefalse", None),
        ("category", "$course$/top/国家安全法/总则"),
        ("truefalse", None),
        ("category", "$course$/top/国家安全法"),
        ("shortanswer", None),
    ]
    single, multiple = root[1], root[2]
    assert (single.findtext("single"), single.findtext("idnumber"), single.findtext("defaultgrade")) == (
        "true",
        "XF-001",
        "2",
    )
    assert [a.get("fraction") for a in single.findall("answer")] == ["0", "100", "0", "0"]
    assert multiple.findtext("single") == "false"
    assert root[-1].findtext("usecase") == "1"
    assert [a.findtext("text") for a in root[-1].findall("answer")] == ["4月15日", "四月十五日", r"2\*3"]


@pytest.mark.parametrize("correct", range(1, 9))
def test_multiple_answer_fractions_are_moodle_grades_adding_up_to_100(correct):
    options = [f"option {i}" for i in range(8)]
    multiple = ParsedQuestion(
        type="multiple", stem="Pick.", options=options, answer=list("ABCDEFGH"[:correct])
    )
    answers = defusedxml.ElementTree.fromstring(export([multiple])).findall("question/answer")
    fractions = [float(a.get("fraction")) for a in answers]
    positive = [f for f in fractions if f > 0]
    assert len(positive) == correct and len(set(positive)) == 1 and positive[0] in MOODLE_GRADES
    assert round(sum(positive) / 100, 2) == 1  # Moodle's own check
    assert fractions.count(0) == 8 - correct


def test_blanks_moodle_cannot_hold_are_skipped_with_a_comment():
    two_blanks = ParsedQuestion(
        type="blank",
        stem="总体国家安全观 -- 以____为宗旨，以____为根本。",
        answer=[["人民安全"], ["政治安全"]],
    )
    data = export([two_blanks, SAMPLE[2]])
    assert b"<!-- Not exported: \xe2\x80\x9c\xe6\x80\xbb" in data and b"has 2 blanks" in data
    assert b"- - " in data  # "--" cannot stand in an XML comment
    result = parse(data)
    assert [q.stem for q in result.questions] == [SAMPLE[2].stem]


def test_uncategorised_questions_come_first_and_keep_no_category():
    loose = ParsedQuestion(type="judge", stem="No category here.", answer=True)
    result = parse(export([SAMPLE[2], loose]))
    assert [(q.stem, q.categories) for q in result.questions] == [
        ("No category here.", []),
        (SAMPLE[2].stem, ["国家安全法"]),
    ]


def test_moodle_keeps_one_category_and_no_difficulty_or_source():
    # What Moodle XML has no place for: a second category, the difficulty, the source (出处).
    full = dataclasses.replace(
        SAMPLE[2], categories=["国家安全法", "教育日"], difficulty=2, source="《国家安全法》第十四条"
    )
    assert without_line(parse(export([full])).questions) == [SAMPLE[2]]


def test_a_question_without_external_id_is_named_after_its_stem_and_comes_back_without_one():
    plain = ParsedQuestion(type="judge", stem="A statement  with <two> spaces.\nSecond line.", answer=True)
    data = export([plain])
    assert (
        defusedxml.ElementTree.fromstring(data).findtext("question/name/text")
        == "A statement  with <two> spaces."
    )
    assert without_line(parse(data).questions) == [plain]


def test_characters_xml_cannot_carry_are_dropped():
    odd = ParsedQuestion(type="judge", stem="Bell\x07 and\r\nCRLF.", answer=True, external_id="odd")
    assert only(parse(export([odd]))).stem == "Bell and\nCRLF."


# --- properties -----------------------------------------------------------------------------------

text = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
plain_names = (
    st.text("abcXYZ国家安全 ", min_size=1, max_size=12)
    .map(lambda s: " ".join(s.split()))
    .filter(lambda s: bool(s) and s != "top")
)


@st.composite
def questions(draw: st.DrawFn) -> ParsedQuestion:
    kind = draw(st.sampled_from(["single", "multiple", "judge", "blank"]))
    options: list[str] = []
    case_sensitive = False
    if kind in ("single", "multiple"):
        options = draw(st.lists(text, min_size=2, max_size=8))
        letters = "ABCDEFGH"[: len(options)]
        size = 1 if kind == "single" else draw(st.integers(1, len(options)))
        answer: object = sorted(draw(st.permutations(letters))[:size])
    elif kind == "judge":
        answer = draw(st.booleans())
    else:
        answer = [draw(st.lists(text, min_size=1, max_size=3))]
        case_sensitive = draw(st.booleans())
    return ParsedQuestion(
        type=kind,
        stem=draw(text),
        options=options,
        answer=answer,  # type: ignore[arg-type]
        explanation=draw(st.just("") | text),
        categories=draw(st.lists(plain_names, max_size=1)),
        score=draw(st.sampled_from([None, 0.5, 1.0, 2.0, 10.0])),
        external_id=draw(st.just("") | text),
        case_sensitive=case_sensitive,
    )


@PROPERTY
@given(st.lists(questions(), max_size=6))
def test_any_exportable_questions_survive_the_round_trip(generated):
    result = parse(export(generated))
    expected = sorted(generated, key=lambda question: bool(question.categories))  # uncategorised first
    assert result.errors in ([], [Issue("The file contains no question that studyhall can import.")])
    assert without_line(result.questions) == expected


@PROPERTY
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data):
    assert isinstance(parse(data), ParseResult)


TOKENS = [
    "<quiz>",
    "</quiz>",
    '<question type="multichoice">',
    '<question type="truefalse">',
    '<question type="shortanswer">',
    '<question type="category">',
    "</question>",
    "<single>false</single>",
    '<answer fraction="100">',
    '<answer fraction="50">',
    '<answer fraction="-33.33333">',
    '<answer fraction="x">',
    "</answer>",
    "<text>",
    "</text>",
    "<category>",
    "</category>",
    '<questiontext format="html">',
    "</questiontext>",
    "<name>",
    "</name>",
    "<idnumber>",
    "</idnumber>",
    "<usecase>1</usecase>",
    "$course$/top/A",
    "true",
    "false",
    "*",
    "&lt;p&gt;",
    "<![CDATA[<b>x</b>]]>",
    "\n",
]


@PROPERTY
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_random_moodle_like_documents_never_crash(tokens):
    assert isinstance(parse("".join(tokens).encode()), ParseResult)


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(FIXTURES)).read_bytes()
    for _ in range(draw(st.integers(1, 5))):
        lines = data.split(b"\n")
        edit = draw(st.sampled_from(["delete", "insert", "delete line", "duplicate line", "insert line"]))
        at = draw(st.integers(0, len(data)))
        line = draw(st.integers(0, len(lines) - 1))
        if edit == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 20)) :]
        elif edit == "insert":
            data = (
                data[:at]
                + draw(st.binary(min_size=1, max_size=5) | st.sampled_from(TOKENS).map(str.encode))
                + data[at:]
            )
        elif edit == "delete line":
            data = b"\n".join(lines[:line] + lines[line + 1 :])
        elif edit == "duplicate line":
            data = b"\n".join(lines[: line + 1] + lines[line:])
        else:
            data = b"\n".join([*lines[:line], draw(st.binary(max_size=20)), *lines[line:]])
    return data


@PROPERTY
@given(mutated_fixtures())
def test_mutated_fixtures_never_crash(data):
    result = parse(data)
    assert isinstance(result, ParseResult)
    assert all(isinstance(q.line, int) for q in result.questions)
