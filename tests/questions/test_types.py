"""The question-type registry is the one home of type behaviour: every registered type keeps the
whole contract (key text, checks, response shapes, marking, partials), and nothing outside
studyhall/questions switches on a type string."""

import random
import re

import pytest
from flask import render_template_string
from flask_babel import gettext

from studyhall import PROJECT_ROOT
from studyhall.banks.formats.base import ParsedQuestion
from studyhall.errors import DomainError
from studyhall.questions import types
from studyhall.questions.answers import LETTERS

# One well-formed question per type: (stem, options, key). A new type needs its line here.
SAMPLES: dict[str, tuple[str, list[str], object]] = {
    "single": ("国家安全教育日是哪天？", ["3月15日", "4月15日", "5月4日", "7月1日"], ["B"]),
    "multiple": (
        "下列属于国家安全领域的是？",
        ["政治安全", "经济安全", "文化安全", "体育比分"],
        ["A", "B", "C"],
    ),
    "judge": ("维护国家安全是每个公民的义务。", [], True),
    "blank": ("____是国家安全的根本，____是宗旨。", [], [["政治安全"], ["人民安全", "人民的安全"]]),
}
TYPE_STRINGS = "single|multiple|judge|blank"


def test_the_registry_lists_every_stored_type_once_in_the_order_pages_show_them():
    assert list(types.TYPES) == ["single", "multiple", "judge", "blank"]
    assert set(SAMPLES) == set(types.TYPES)
    for key, kind in types.TYPES.items():
        assert types.get(key) is kind and kind.key == key
    with pytest.raises(KeyError):
        types.get("essay")


@pytest.mark.parametrize("key", list(types.TYPES))
def test_every_name_a_type_accepts_finds_it_and_exports_write_a_name_read_back(key):
    kind = types.get(key)
    for alias in kind.aliases:
        assert types.by_name(alias) is kind
        assert types.by_name(f" {alias.upper()} ") is kind
    assert types.by_name(kind.heading_title) is kind
    assert types.by_name("问答题") is None


@pytest.mark.parametrize("key", list(types.TYPES))
def test_a_key_written_as_text_reads_back_as_the_same_key(key):
    kind = types.get(key)
    _stem, _options, answer = SAMPLES[key]
    text = kind.answer_text(answer)  # type: ignore[arg-type]
    assert kind.parse_answer(text) == answer
    assert kind.answer_text(kind.parse_answer(text)) == text  # type: ignore[arg-type]


@pytest.mark.parametrize("key", list(types.TYPES))
def test_a_well_formed_question_of_every_type_passes_its_checks(key):
    stem, options, answer = SAMPLES[key]
    question = ParsedQuestion(type=key, stem=stem, options=options, answer=answer)  # type: ignore[arg-type]
    assert types.get(key).errors(question) == []
    assert types.get(key).warnings(question) == []


def right_response(kind: types.QuestionType, shown_key: object) -> object:
    """What a cadre who knows the key answers: the key itself, or each blank's first accepted answer."""
    return [accepted[0] for accepted in shown_key] if kind.has_blanks else shown_key  # type: ignore[attr-defined]


@pytest.mark.parametrize("key", list(types.TYPES))
def test_every_type_marks_its_own_key_answered_through_a_shuffled_paper_as_full_marks(key):
    kind = types.get(key)
    stem, options, answer = SAMPLES[key]
    order = list(range(len(options)))
    random.Random(7).shuffle(order)
    stored = kind.to_stored(stem, order, right_response(kind, kind.to_shown(order, answer)))
    assert kind.to_shown(order, stored) == right_response(kind, kind.to_shown(order, answer))
    for partial_credit in (False, True):
        assert kind.mark(answer, stored, 5.0, partial_credit=partial_credit, case_sensitive=False) == 5.0  # type: ignore[arg-type]
        assert kind.mark(answer, None, 5.0, partial_credit=partial_credit, case_sensitive=False) == 0.0  # type: ignore[arg-type]


def test_choice_options_shown_shuffled_are_stored_in_the_question_s_own_letters():
    order = [2, 0, 3, 1]  # shown A is option C, shown B is option A, …
    assert types.MULTIPLE.to_stored("", order, ["A", "B"]) == ["A", "C"]
    assert types.MULTIPLE.to_shown(order, ["A", "C"]) == ["A", "B"]
    with pytest.raises(Exception, match="does not fit"):
        types.SINGLE.to_stored("", order, ["A", "B"])


def test_multiple_choice_gives_a_share_for_a_correct_subset_only_with_partial_credit():
    key = ["A", "B", "C"]
    assert types.MULTIPLE.mark(key, ["A", "B"], 6.0, partial_credit=True, case_sensitive=False) == 4.0
    assert types.MULTIPLE.mark(key, ["A", "B"], 6.0, partial_credit=False, case_sensitive=False) == 0.0
    assert types.MULTIPLE.mark(key, ["A", "D"], 6.0, partial_credit=True, case_sensitive=False) == 0.0


def test_blanks_score_each_blank_and_latin_case_matters_only_when_the_question_says_so():
    key = [["GDP"], ["人民安全"]]
    assert (
        types.BLANK.mark(key, ["gdp", "人民安全"], 10.0, partial_credit=False, case_sensitive=False) == 10.0
    )
    assert types.BLANK.mark(key, ["gdp", "人民安全"], 10.0, partial_credit=False, case_sensitive=True) == 5.0
    assert types.BLANK.mark(key, ["GDP", ""], 10.0, partial_credit=False, case_sensitive=True) == 5.0


@pytest.mark.parametrize("key", list(types.TYPES))
def test_a_plain_form_posting_the_right_answer_reads_as_that_response(key):
    kind = types.get(key)
    stem, options, answer = SAMPLES[key]
    right = right_response(kind, answer)
    posted = [str(right).lower()] if isinstance(right, bool) else list(right)  # type: ignore[call-overload]
    response = kind.from_form(posted, kind.blanks(stem))
    assert response == right
    assert kind.from_form([], kind.blanks(stem)) is None


@pytest.mark.parametrize("key", list(types.TYPES))
def test_every_type_renders_its_attempt_paper_and_answer_partials(app, key):
    kind = types.get(key)
    stem, options, answer = SAMPLES[key]
    q = {"type": key, "stem": stem, "options": options, "blanks": kind.blanks(stem), "response": None}
    page = """{% from "questions/macros.html" import answer, attempt_inputs, paper_inputs %}
        <attempt>{{ attempt_inputs(q, 'q1', letters) }}</attempt>
        <paper>{{ paper_inputs(q, 'q1', letters) }}</paper>
        <key>{{ answer(q.type, key) }}</key>"""
    with app.test_request_context():
        html = render_template_string(page, q=q, key=answer, letters=LETTERS)
        true_word = gettext("True")
    attempt = re.search(r"<attempt>(.*)</attempt>", html, re.S)[1]  # type: ignore[index]
    paper = re.search(r"<paper>(.*)</paper>", html, re.S)[1]  # type: ignore[index]
    key_html = re.search(r"<key>(.*)</key>", html, re.S)[1]  # type: ignore[index]
    inputs = len(options) if kind.has_options else (kind.blanks(stem) if kind.has_blanks else 2)
    assert attempt.count('name="q1"') == inputs and "disabled" not in attempt
    assert paper.count('name="q1"' if not kind.has_blanks else "<input") == inputs
    assert paper.count("disabled") == inputs
    if kind.has_options:
        assert attempt.count(f'type="{kind.input}"') == inputs
    assert key_html.strip()
    if kind is types.JUDGE:
        assert key_html == true_word
    elif kind.has_options:
        assert key_html == "".join(answer)  # type: ignore[arg-type]
    else:
        assert "人民安全 / 人民的安全" in key_html


def _hits(pattern: str, folder: str, suffixes: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((PROJECT_ROOT / folder).rglob("*")):
        if path.suffix not in suffixes or "questions" in path.relative_to(PROJECT_ROOT).parts[:2]:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(pattern, line):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    return found


def test_no_module_or_template_outside_the_registry_switches_on_a_type_string():
    """Type behaviour belongs in studyhall/questions/types.py (or a type's partial): ask
    types.get(question.type), do not compare question.type with a literal."""
    literal = rf"""["']({TYPE_STRINGS})["']"""
    python = (
        rf"(==|!=)\s*{literal}",  # kind == "single"
        rf"{literal}\s*(==|!=)",
        rf"\bin\s*[(\[{{]\s*{literal}",  # kind in ("single", "multiple")
        rf"{literal}\s*:\s*\S",  # {"single": …} maps keyed by type
    )
    hits = [hit for pattern in python for hit in _hits(pattern, "studyhall", (".py",))]
    hits += _hits(rf"(===|!==|==|!=)\s*{literal}", "static", (".js",))
    hits += _hits(rf"\.type\b[^%}}]*{literal}|(==|!=)\s*{literal}", "templates", (".html",))
    assert hits == []


@pytest.mark.parametrize("response", [[""], ["A", ""], ["AB"], ["a"], [" A"]])
def test_a_choice_response_is_letters_one_by_one_and_nothing_else(response):
    # "" and "AB" are substrings of the letters shown: they are still not letters.
    for kind in (types.SINGLE, types.MULTIPLE):
        with pytest.raises(DomainError):
            kind.to_stored("题干", [0, 1, 2, 3], response)
