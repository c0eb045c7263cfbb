"""Moodle XML (`<quiz><question type="…">…</quiz>`), read by the rules of Moodle's own importer
(question/format/xml/format.php and question/format.php in moodle/moodle).

studyhall takes multichoice (single → `single`, multiple answers → `multiple`), truefalse (→ `judge`)
and shortanswer (→ `blank` with one blank). Every other Moodle type (essay, matching, numerical,
description, cloze, calculated, drag-and-drop…) is reported as a warning with its line, never dropped
silently. `<question type="category">` sets the category of the questions after it.

The file is parsed by defusedxml first, with DTDs forbidden, so entity expansion ("billion laughs")
and external entities are refused before anything is read. A second plain expat pass over the same,
now known to be harmless, bytes records the line of every element, since ElementTree keeps none.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from xml.etree.ElementTree import Comment, Element, ParseError, SubElement, indent, tostring
from xml.parsers import expat

import defusedxml
import defusedxml.ElementTree
from flask_babel import gettext as _

from studyhall.banks.formats.base import (
    Issue,
    ParsedQuestion,
    ParseResult,
    html_to_text,
)
from studyhall.questions import types
from studyhall.questions.answers import LETTERS, MAX_OPTIONS, MIN_OPTIONS, Answer
from studyhall.questions.types import TypeKey

FORMAT = "moodlexml"
# Moodle's question_bank::fraction_options_full(), as percentages; their negatives are allowed too.
MOODLE_GRADES = (
    100,
    90,
    83.33333,
    80,
    75,
    70,
    66.66667,
    60,
    50,
    40,
    33.33333,
    30,
    25,
    20,
    16.66667,
    14.28571,
    12.5,
    11.11111,
    10,
    5,
    0,
)
# match_grade_options() accepts a fraction within 0.00001 of an allowed one: 0.001 in percent.
GRADE_TOLERANCE = 0.001
# An equal share of 100 % for each correct option of a multiple-answer question, as Moodle spells it.
EQUAL_SHARES = {1: "100", 2: "50", 3: "33.33333", 4: "25", 5: "20", 6: "16.66667", 7: "14.28571", 8: "12.5"}
# Formats Moodle shows as they are; everything else (html, and unknown names, which Moodle's
# trans_format() reads as html) is HTML.
NOT_HTML_FORMATS = {"moodle_auto_format", "plain_text", "markdown", "wiki_like"}
CONTEXT_PREFIX = re.compile(r"\$[a-z]+[0-9]*\$")  # $course$, $module$, $system$, $cat1$…
CATEGORY_SEPARATOR = re.compile(r"(?<!/)/(?!/)")  # Moodle writes a "/" inside a name as "//"
XML_DECLARATION = re.compile(
    rb"<\?xml[^>]*?\bencoding\s*=\s*[\"'](?P<encoding>[A-Za-z][A-Za-z0-9._-]*)[\"'][^>]*\?>"
)
NOT_CHARSETS = ("escape", "idna", "punycode", "undefined")
EXPAT_ENCODINGS = {b"utf-8", b"utf8", b"utf-16", b"utf16", b"iso-8859-1", b"latin-1", b"latin1", b"us-ascii"}
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
WILDCARD = re.compile(r"(?<!\\)\*")  # a shortanswer "*" matches anything; "\*" is a literal star
EXTERNAL_ID_LENGTH = 100  # question.external_id is String(100), like Moodle's idnumber
DEFAULT_NAME_LENGTH = 80  # Moodle's create_default_question_name() shortens the text to 80
# Characters XML 1.0 cannot carry at all, not even as character references.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# --- reading ------------------------------------------------------------------------------------


def parse(data: bytes) -> ParseResult:
    result = ParseResult(format=FORMAT)
    utf8 = _as_utf8(data, result)
    root = None if utf8 is None else _read_tree(utf8, result)
    if utf8 is None or root is None:
        return result
    data = utf8
    lines = _element_lines(data, root)
    if root.tag != "quiz":
        message = _("This is not a Moodle XML file: the root element is <%(tag)s>, not <quiz>.", tag=root.tag)
        result.errors.append(Issue(message, line=lines.get(root)))
        return result
    categories: list[str] = []
    for element in root:  # only <quiz>'s own <question> children count, as in Moodle
        if element.tag != "question":
            continue
        kind = (element.get("type") or "").strip()
        source = _Source(element, lines.get(element, 0), result)
        if kind == "category":
            categories = category_path(_category_text(element))
            continue
        reader = READERS.get(kind)
        if reader is None:
            source.unsupported(kind)
            continue
        question = reader(source)
        if question is not None:
            question.categories = list(categories)
            result.questions.append(question)
    if not result.questions and not result.errors:
        result.errors.append(Issue(_("The file contains no question that studyhall can import.")))
    return result


def _as_utf8(data: bytes, result: ParseResult) -> bytes | None:
    """The bytes in an encoding expat reads itself (UTF-8, UTF-16, Latin-1), or None with an error.
    pyexpat refuses multi-byte encodings such as GBK, which Chinese tools still write, so a file
    declaring another real character set is decoded here and handed on as UTF-8, lines unchanged."""
    declaration = XML_DECLARATION.match(data)
    if declaration is None or declaration["encoding"].lower() in EXPAT_ENCODINGS:
        return data
    name = declaration["encoding"].decode("ascii")
    try:
        if not _is_charset(name):
            raise LookupError(name)
        rest = data[declaration.end() :].decode(name).encode("utf-8")
    except (LookupError, UnicodeError):
        result.errors.append(
            Issue(
                _(
                    "The file declares the encoding %(encoding)s but cannot be read in it; save it as UTF-8.",
                    encoding=name,
                ),
                line=1,
            )
        )
        return None
    encoding = slice(declaration.start("encoding"), declaration.end("encoding"))
    return data[: encoding.start] + b"UTF-8" + data[encoding.stop : declaration.end()] + rest


def _is_charset(name: str) -> bool:
    """A character set, not one of Python's codecs that transform text (escapes, IDNA…)."""
    codec = codecs.lookup(name)
    return codec._is_text_encoding and not codec.name.endswith(NOT_CHARSETS)


def _read_tree(data: bytes, result: ParseResult) -> Element | None:
    """The document's root, or None with one error. DTDs are forbidden outright: Moodle never
    writes one, and without a DTD there are no entities to expand or fetch."""
    try:
        return defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        result.errors.append(
            Issue(
                _("The XML file uses entities or a DTD, which are not allowed."),
                line=_line_of(data, b"<!DOCTYPE"),
            )
        )
    except ParseError as problem:
        line, column = problem.position
        result.errors.append(
            Issue(
                _(
                    "The file is not well-formed XML (%(reason)s, column %(column)d).",
                    reason=expat.ErrorString(problem.code),
                    column=column + 1,
                ),
                line=line,
            )
        )
    except (ValueError, LookupError) as problem:  # what pyexpat raises for encodings it cannot read
        result.errors.append(Issue(_("The file could not be read as XML (%(reason)s).", reason=str(problem))))
    return None


def _line_of(data: bytes, marker: bytes) -> int | None:
    index = data.find(marker)
    return data.count(b"\n", 0, index) + 1 if index >= 0 else None


def _element_lines(data: bytes, root: Element) -> dict[Element, int]:
    """The line where each element starts. defusedxml has already accepted these bytes (no DTD, no
    entities), so a plain expat pass is safe; it meets the elements in the same document order."""
    lines: list[int] = []
    parser = expat.ParserCreate()
    parser.StartElementHandler = lambda name, attributes: lines.append(parser.CurrentLineNumber)
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, ValueError, LookupError):  # not after defusedxml's parse; lines are a courtesy
        return {}
    elements = [element for element in root.iter() if isinstance(element.tag, str)]
    return dict(zip(elements, lines, strict=False))


@dataclass
class _Source:
    """One <question> element and where its problems are reported."""

    element: Element
    line: int
    result: ParseResult

    @cached_property
    def written_name(self) -> str:
        return _text_of(self.element.find("name"))

    @cached_property
    def name(self) -> str:
        return html_to_text(self.written_name)  # Moodle strips tags from names

    @property
    def label(self) -> str:
        """How messages name the question: its Moodle name, else the start of its text."""
        return self.name or self.stem[:DEFAULT_NAME_LENGTH]

    @cached_property
    def text_format(self) -> str:
        field = self.element.find("questiontext")
        return (field.get("format") if field is not None else None) or "html"

    @cached_property
    def stem(self) -> str:
        return _formatted(self.element.find("questiontext"), "html")

    def error(self, message: str) -> None:
        self.result.errors.append(Issue(message, line=self.line))

    def warning(self, message: str) -> None:
        self.result.warnings.append(Issue(message, line=self.line))

    def no_full_grade(self) -> None:
        self.error(
            _("No answer is graded 100%%, so the correct answer is unknown: %(name)s", name=self.label)
        )

    def unsupported(self, kind: str) -> None:
        if kind:
            self.warning(
                _(
                    "Not imported: unsupported question type %(type)s at line %(line)d",
                    type=kind,
                    line=self.line,
                )
            )
        else:
            self.warning(_("Not imported: a question without a type at line %(line)d", line=self.line))


def _text_of(field: Element | None) -> str:
    """The <text> of a field, trimmed as Moodle does. All inner text is kept, in case a writer put
    HTML into <text> as elements instead of escaping it."""
    if field is None:
        return ""
    text = field.find("text")
    return "".join((text if text is not None else field).itertext()).strip()


def _formatted(field: Element | None, default_format: str) -> str:
    if field is None:
        return ""
    text = _text_of(field)
    text_format = (field.get("format") or default_format).strip()
    return text if text_format in NOT_HTML_FORMATS else html_to_text(text)


def _common(
    source: _Source, kind: TypeKey, answer: Answer, options: list[str] | None = None
) -> ParsedQuestion:
    element = source.element
    _warn_about_files(source)
    return ParsedQuestion(
        type=kind,
        stem=source.stem,
        answer=answer,
        options=options or [],
        explanation=_formatted(element.find("generalfeedback"), source.text_format),
        score=_score(element.findtext("defaultgrade")),
        external_id=_external_id((element.findtext("idnumber") or "").strip(), source),
        line=source.line,
    )


def _external_id(idnumber: str, source: _Source) -> str:
    """Moodle's idnumber, else its name, which is how Moodle people tell questions apart. A name that
    is only the start of the text (what Moodle and studyhall write when there is no better one)
    identifies nothing the text does not, so it is not an id."""
    if idnumber:
        return idnumber[:EXTERNAL_ID_LENGTH]
    name, stem = source.name, source.stem
    if not name or stem.startswith(source.written_name) or stem.startswith(name):
        return ""
    return name[:EXTERNAL_ID_LENGTH]


def _score(text: str | None) -> float | None:
    value = _number(text or "")
    return value if value is not None and value > 0 else None


def _number(text: str) -> float | None:
    text = text.strip()
    if not NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _warn_about_files(source: _Source) -> None:
    """studyhall stores plain text, so pictures in a Moodle question are lost: say so."""
    element = source.element
    texts = "".join(element.itertext())
    if element.find(".//file") is not None or "<img" in texts or "@@PLUGINFILE@@" in texts:
        source.warning(_("Images and attached files are not imported: %(name)s", name=source.label))


# --- grades ---------------------------------------------------------------------------------------


@dataclass
class _Answer:
    text: str  # as written, trimmed
    text_format: str  # the answer's own format, else the question text's (Moodle's default)
    grade_text: str  # the fraction attribute as written, for messages
    grade: float | None  # percent, snapped to Moodle's list; None if not one of them

    @property
    def plain_text(self) -> str:
        return self.text if self.text_format.strip() in NOT_HTML_FORMATS else html_to_text(self.text)


def _answers(source: _Source) -> list[_Answer]:
    answers = []
    for element in source.element.findall("answer"):
        written = (element.get("fraction") or "0").strip()  # Moodle's default fraction is 0
        answer_format = element.get("format") or source.text_format
        answers.append(_Answer(_text_of(element), answer_format, written, _moodle_grade(written)))
    return answers


def _moodle_grade(text: str) -> float | None:
    value = _number(text)
    if value is None:
        return None
    for grade in MOODLE_GRADES:
        if abs(abs(value) - grade) < GRADE_TOLERANCE:
            return math.copysign(grade, value) if grade else 0.0
    return None


def _grades_valid(source: _Source, answers: list[_Answer]) -> bool:
    """Moodle refuses a question with any grade outside its list (question/format.php)."""
    invalid = [answer.grade_text for answer in answers if answer.grade is None]
    if invalid:
        source.error(
            _(
                "Question with invalid grades: %(name)s (%(grades)s)",
                name=source.label,
                grades=", ".join(invalid),
            )
        )
    return not invalid


def _quoted(texts: list[str]) -> str:
    return ", ".join(f"“{text}”" for text in texts)


# --- the three types ------------------------------------------------------------------------------


def _read_multichoice(source: _Source) -> ParsedQuestion | None:
    answers = _answers(source)
    if not _grades_valid(source, answers):
        return None
    answers = [answer for answer in answers if answer.text]  # Moodle skips blank answers
    if len(answers) > MAX_OPTIONS:
        source.error(
            _(
                "Too many options (%(count)d, at most %(max)d): %(name)s",
                count=len(answers),
                max=MAX_OPTIONS,
                name=source.label,
            )
        )
        return None
    if len(answers) < MIN_OPTIONS:
        source.error(
            _(
                "Too few options (%(count)d, at least %(min)d): %(name)s",
                count=len(answers),
                min=MIN_OPTIONS,
                name=source.label,
            )
        )
        return None
    options = [answer.plain_text for answer in answers]
    grades = [answer.grade or 0.0 for answer in answers]
    kind: TypeKey
    if _is_single(source.element.findtext("single")):
        letters = _single_key(source, options, grades)
        kind = "single"
    else:
        letters = _multiple_key(source, grades)
        kind = "multiple"
    if letters is None:
        return None
    return _common(source, kind, letters, options)


def _is_single(text: str | None) -> bool:
    """Moodle's trans_single(): missing means single; "false", "0" or empty mean multiple."""
    return text is None or text.strip().lower() not in ("false", "0", "")


def _single_key(source: _Source, options: list[str], grades: list[float]) -> list[str] | None:
    full = [LETTERS[index] for index, grade in enumerate(grades) if grade == 100]
    if not full:
        source.no_full_grade()
        return None
    if len(full) > 1:
        # Moodle gives full marks for any of them; a studyhall single-choice question has one key.
        source.error(
            _(
                "Several answers are graded 100%% (%(letters)s), but a single-choice question has one "
                "correct answer: %(name)s",
                letters="".join(full),
                name=source.label,
            )
        )
        return None
    partial = [options[index] for index, grade in enumerate(grades) if 0 < grade < 100]
    if partial:
        source.warning(
            _(
                "Partial credit is not imported; these answers now count as wrong: %(answers)s (%(name)s)",
                answers=_quoted(partial),
                name=source.label,
            )
        )
    return full


def _multiple_key(source: _Source, grades: list[float]) -> list[str] | None:
    correct = [LETTERS[index] for index, grade in enumerate(grades) if grade > 0]
    if not correct:
        source.error(
            _(
                "No answer has a positive grade, so the correct answers are unknown: %(name)s",
                name=source.label,
            )
        )
        return None
    total = round(sum(grade for grade in grades if grade > 0) / 100, 2)  # Moodle's own check
    if total != 1:
        source.warning(
            _(
                "The positive grades add up to %(total)s%%, not 100%%; every answer with a positive "
                "grade counts as correct: %(name)s",
                total=f"{total * 100:g}",
                name=source.label,
            )
        )
    return correct


def _read_truefalse(source: _Source) -> ParsedQuestion | None:
    """Moodle names the two answers "true" and "false"; files from old Moodles used localised names,
    which Moodle takes as true first, false second, and so do we."""
    named = True
    correct = set()
    for index, answer in enumerate(_answers(source)):
        label = answer.text.lower()
        if label not in ("true", "false"):
            named = False
            label = "true" if index == 0 else "false"
        if answer.grade == 100:
            correct.add(label)
    if len(correct) != 1:
        source.error(
            _(
                "A true/false question needs exactly one of true and false graded 100%%: %(name)s",
                name=source.label,
            )
        )
        return None
    if not named:
        source.warning(
            _(
                "The answers are not named true and false; the first was taken as true and the "
                "second as false: %(name)s",
                name=source.label,
            )
        )
    return _common(source, "judge", correct == {"true"})


def _read_shortanswer(source: _Source) -> ParsedQuestion | None:
    """One blank. Only full-credit answers are accepted strings: studyhall has no partial credit and
    compares exactly, so partial answers and "*" patterns are dropped, each with a warning."""
    answers = _answers(source)
    if not _grades_valid(source, answers):
        return None
    accepted: list[str] = []
    partial: list[str] = []
    wildcards: list[str] = []
    for answer in answers:
        if not answer.text:  # Moodle skips blank answers
            continue
        if WILDCARD.search(answer.text):
            wildcards.append(answer.text)
        elif answer.grade == 100:
            accepted.append(answer.text.replace("\\*", "*"))
        elif (answer.grade or 0) > 0:
            partial.append(answer.text)
        # Answers graded 0 or less only carry feedback for wrong responses: nothing to keep.
    if wildcards:
        source.warning(
            _(
                "The * wildcard is not supported; these answers were ignored: %(answers)s (%(name)s)",
                answers=_quoted(wildcards),
                name=source.label,
            )
        )
    if partial:
        source.warning(
            _(
                "Partial credit is not imported; these answers were dropped: %(answers)s (%(name)s)",
                answers=_quoted(partial),
                name=source.label,
            )
        )
    if not accepted:
        source.no_full_grade()
        return None
    question = _common(source, "blank", [accepted])
    question.case_sensitive = _flag(source.element.findtext("usecase"))
    return question


def _flag(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "true")


READERS: dict[str, Callable[[_Source], ParsedQuestion | None]] = {
    "multichoice": _read_multichoice,
    "truefalse": _read_truefalse,
    "shortanswer": _read_shortanswer,
}


# --- categories -----------------------------------------------------------------------------------


def _category_text(element: Element) -> str:
    """`<category><text>path</text></category>`; very old files put the path straight in <category>."""
    return _text_of(element.find("category"))


def category_path(path: str) -> list[str]:
    """studyhall's categories for a Moodle category path, as question/format.php reads it:
    `$course$/top/Alpha` → ["Alpha"], `$module$/Sigma/Tau` → ["Sigma/Tau"]. The context prefix is
    dropped (studyhall has one bank, not Moodle's contexts), and so is the invisible "top"."""
    names = [name.replace("//", "/").strip() for name in CATEGORY_SEPARATOR.split(path)]
    if names and CONTEXT_PREFIX.fullmatch(names[0]):
        names = names[1:]
    while names and names[0] == "top":
        names = names[1:]
    names = [html_to_text(name) for name in names]  # Moodle cleans names to plain text
    names = [name for name in names if name]
    return ["/".join(names)] if names else []


# --- writing --------------------------------------------------------------------------------------


def export(questions: list[ParsedQuestion]) -> bytes:
    """Moodle XML that Moodle imports. A Moodle question sits in one category, so the first of a
    question's categories is written. Questions without a category come first, before any category
    element, so Moodle files them in the category picked on its import page (a later
    `$course$/top` would not reset the category)."""
    quiz = Element("quiz")
    written_category: str | None = None
    for question in sorted(questions, key=lambda question: bool(question.categories)):
        category = question.categories[0] if question.categories else None
        if types.get(question.type).has_blanks and len(question.blanks()) != 1:
            quiz.append(_skipped(question))
            continue
        if category is not None and category != written_category:
            quiz.append(_category_element(category))
            written_category = category
        quiz.append(_question_element(question))
    indent(quiz)
    body = tostring(quiz, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _skipped(question: ParsedQuestion) -> Element[Any]:
    """A comment where a question Moodle cannot hold would be, so nobody wonders where it went."""
    blanks = len(question.blanks())
    stem = question.stem[:DEFAULT_NAME_LENGTH]
    return Comment(
        _comment_text(f"Not exported: “{stem}” has {blanks} blanks; a Moodle short-answer question has one.")
    )


def _comment_text(text: str) -> str:
    """XML comments may not contain "--" nor end with "-"."""
    text = _xml_text(text)
    while "--" in text:
        text = text.replace("--", "- -")
    return f" {text} "


def _xml_text(text: str) -> str:
    """Text XML can carry: characters XML 1.0 forbids are dropped; line ends become \\n, as any
    XML parser would read them anyway."""
    return NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _text(parent: Element, tag: str, text: str, text_format: str | None = "plain_text") -> Element:
    field = SubElement(parent, tag)
    if text_format is not None:
        field.set("format", text_format)
    SubElement(field, "text").text = _xml_text(text)
    return field


def _category_element(category: str) -> Element:
    element = Element("question", type="category")
    _text(element, "category", f"$course$/top/{category}", None)
    return element


def _question_element(question: ParsedQuestion) -> Element:
    kind = types.get(question.type).moodle_kind
    element = Element("question", type=kind)
    _text(element, "name", _name(question), None)
    _text(element, "questiontext", question.stem)
    _text(element, "generalfeedback", question.explanation)
    if question.score is not None:
        SubElement(element, "defaultgrade").text = f"{question.score:.15g}"
    if question.external_id:
        SubElement(element, "idnumber").text = _xml_text(question.external_id)
    WRITERS[kind](element, question)
    return element


def _name(question: ParsedQuestion) -> str:
    """Moodle needs a name: the external id, else the start of the stem, as Moodle itself makes one."""
    first_line = question.stem.strip().split("\n", 1)[0] if question.stem.strip() else ""
    return question.external_id or first_line[:DEFAULT_NAME_LENGTH].strip() or "Question"


def _answer(parent: Element, fraction: str, text: str, text_format: str = "plain_text") -> None:
    answer = SubElement(parent, "answer", fraction=fraction, format=text_format)
    SubElement(answer, "text").text = _xml_text(text)


def _write_choice(element: Element, question: ParsedQuestion) -> None:
    correct = set(question.letters())
    single = question.type == types.SINGLE.key
    SubElement(element, "single").text = "true" if single else "false"
    SubElement(element, "shuffleanswers").text = "true"  # studyhall shuffles options too
    SubElement(element, "answernumbering").text = "ABCD"
    # Moodle wants the positive grades of a multiple-answer question to add up to 100 %.
    share = "100" if single else EQUAL_SHARES.get(len(correct), "0")
    for letter, option in zip(LETTERS, question.options, strict=False):
        _answer(element, share if letter in correct else "0", option)


def _write_judge(element: Element, question: ParsedQuestion) -> None:
    _answer(element, "100" if question.answer is True else "0", "true", "moodle_auto_format")
    _answer(element, "0" if question.answer is True else "100", "false", "moodle_auto_format")


def _write_blank(element: Element, question: ParsedQuestion) -> None:
    SubElement(element, "usecase").text = "1" if question.case_sensitive else "0"
    for accepted in question.blanks()[0]:
        if accepted.strip():
            _answer(element, "100", accepted.replace("*", "\\*"), "moodle_auto_format")  # "*" is a wildcard


WRITERS: dict[str, Callable[[Element, ParsedQuestion], None]] = {
    "multichoice": _write_choice,
    "truefalse": _write_judge,
    "shortanswer": _write_blank,
}
