"""Word documents (.docx) in the numbered layout of text.py, one paragraph per line.

Word's automatic numbering (a list that draws "1." or "A." in front of each paragraph) is not part
of a paragraph's text. It is rendered here, because a bank typed as an auto-numbered list would
otherwise reach the text parser without a single question number.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import docx
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from flask_babel import gettext as _
from lxml import etree

from studyhall import tabular
from studyhall.banks.formats import text
from studyhall.banks.formats.base import Issue, ParsedQuestion, ParseResult

FORMAT = "docx"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .doc (and .xls) container
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CHINESE_FORMATS = {
    "chineseCounting",
    "chineseCountingThousand",
    "chineseLegalSimplified",
    "ideographDigital",
    "japaneseCounting",
    "taiwaneseCounting",
    "taiwaneseCountingThousand",
}
_MAX_LETTER_COUNTER = 26 * 4  # Word repeats letters (AA, AAA); a forged start must not build a huge string
_STYLE_DEPTH = 20  # basedOn chains are short; the bound only stops a cycle in a damaged file


def parse(data: bytes) -> ParseResult:
    if data.startswith(OLE_SIGNATURE):
        return _failure(
            _("This is an old Word .doc file; open it in Word, save it as .docx and upload that.")
        )
    try:
        with tabular.check_zip(data, "docx"):
            pass
    except tabular.FileProblem as problem:
        return _failure(str(problem))
    try:
        document = docx.Document(io.BytesIO(data))
        lines = _document_lines(document)
        has_tables = bool(document.tables)
    except Exception:  # python-docx, zipfile and lxml raise many types for a damaged package
        return _failure(_("The .docx file is damaged or is not a Word document."))
    result = text.parse_lines(lines, FORMAT)
    if has_tables:
        result.warnings.insert(
            0,
            Issue(
                _("The document has tables; text inside tables was not read. Put questions in paragraphs.")
            ),
        )
    return result


def _failure(message: str) -> ParseResult:
    return ParseResult(FORMAT, errors=[Issue(message)])


def _document_lines(document: WordDocument) -> list[str]:
    """One line per paragraph, and one per soft line break (Shift+Enter) inside a paragraph, so that
    line numbers in messages count what a person sees as lines."""
    numbering = _Numbering(document)
    lines: list[str] = []
    for paragraph in document.paragraphs:
        content = numbering.label(paragraph) + paragraph.text
        lines.extend(content.splitlines() or [""])
    return lines


@dataclass(frozen=True)
class _Level:
    format: str  # w:numFmt, e.g. decimal, upperLetter, chineseCounting, bullet
    template: str  # w:lvlText, e.g. "%1." or "（%1）"
    start: int


class _Numbering:
    """Word list numbering: counters per abstract list, rendered as Word draws them."""

    def __init__(self, document: WordDocument) -> None:
        self.levels: dict[str, dict[int, _Level]] = {}  # abstractNumId → level → definition
        self.abstract_of: dict[str, str] = {}  # numId → abstractNumId
        self.restarts: dict[str, dict[int, int]] = {}  # numId → level → start ("restart numbering")
        self.counters: dict[str, dict[int, int]] = {}  # abstractNumId → level → current value
        self.started: set[str] = set()
        root = _numbering_root(document)
        if root is not None:
            self._read(root)

    def _read(self, root: etree._Element) -> None:
        for abstract in root.iterfind(qn("w:abstractNum")):
            levels = self.levels.setdefault(abstract.get(qn("w:abstractNumId"), ""), {})
            for level in abstract.iterfind(qn("w:lvl")):
                levels[_number(level.get(qn("w:ilvl")), 0)] = _Level(
                    _child_value(level, "w:numFmt") or "decimal",
                    _child_value(level, "w:lvlText") or "",
                    _number(_child_value(level, "w:start"), 1),
                )
        for num in root.iterfind(qn("w:num")):
            num_id = num.get(qn("w:numId"), "")
            self.abstract_of[num_id] = _child_value(num, "w:abstractNumId") or ""
            for override in num.iterfind(qn("w:lvlOverride")):
                start = _child_value(override, "w:startOverride")
                if start is not None:
                    overridden = _number(override.get(qn("w:ilvl")), 0)
                    self.restarts.setdefault(num_id, {})[overridden] = _number(start, 1)

    def label(self, paragraph: Paragraph) -> str:
        """ "1. " or "A. " as Word shows it before the paragraph, or "" if it is not numbered."""
        num_id, level = _numbering_reference(paragraph)
        if num_id is None or num_id not in self.abstract_of:
            return ""
        abstract_id = self.abstract_of[num_id]
        levels = self.levels.get(abstract_id, {})
        if level not in levels or levels[level].format in ("bullet", "none"):
            return ""
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:  # a list whose numbering was restarted begins again here
            self.started.add(num_id)
            for restarted, start in self.restarts.get(num_id, {}).items():
                counters[restarted] = start - 1
        counters[level] = counters[level] + 1 if level in counters else levels[level].start
        for deeper in [key for key in counters if key > level]:
            del counters[deeper]  # a new question restarts its options at A
        rendered = re.sub(
            r"%([1-9])", lambda match: self._counter(abstract_id, int(match[1]) - 1), levels[level].template
        )
        return f"{rendered} " if rendered else ""

    def _counter(self, abstract_id: str, level: int) -> str:
        definition = self.levels[abstract_id].get(level)
        if definition is None:
            return ""
        value = self.counters[abstract_id].get(level, definition.start)
        return counter_text(value, definition.format)


def _numbering_root(document: WordDocument) -> etree._Element | None:
    try:
        return document.part.numbering_part.element
    except (KeyError, NotImplementedError):  # python-docx cannot create the part a document lacks
        return None


def _numbering_reference(paragraph: Paragraph) -> tuple[str | None, int]:
    """The list (numId) and level of a paragraph, from its own properties or else its style's."""
    num_id, level = _num_pr(paragraph._p)
    style = paragraph.style
    depth = 0
    while style is not None and (num_id is None or level is None) and depth < _STYLE_DEPTH:
        style_num_id, style_level = _num_pr(style.element)
        num_id = num_id if num_id is not None else style_num_id
        level = level if level is not None else style_level
        style = getattr(style, "base_style", None)  # character and table styles have no base
        depth += 1
    return (None if num_id == "0" else num_id), level or 0  # numId 0 means "numbering removed"


def _num_pr(element: etree._Element) -> tuple[str | None, int | None]:
    num_pr = element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
    if num_pr is None:
        return None, None
    level = _child_value(num_pr, "w:ilvl")
    return _child_value(num_pr, "w:numId"), None if level is None else _number(level, 0)


def _child_value(element: etree._Element, tag: str) -> str | None:
    child = element.find(qn(tag))
    return None if child is None else child.get(qn("w:val"))


def _number(value: str | None, default: int) -> int:
    """An integer attribute; numbering is decoration, so a bad value falls back rather than failing."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def counter_text(value: int, number_format: str) -> str:
    """A list counter in Word's number format: 3 → "C", "三", "丙", "③"; unknown formats as digits."""
    if number_format in ("upperLetter", "lowerLetter") and 0 < value <= _MAX_LETTER_COUNTER:
        letters = chr(ord("A") + (value - 1) % 26) * ((value - 1) // 26 + 1)  # Word's Z, AA, BB, …
        return letters if number_format == "upperLetter" else letters.lower()
    if number_format in _CHINESE_FORMATS:
        return text.chinese_numeral(value)
    if number_format == "ideographTraditional":
        return "甲乙丙丁戊己庚辛壬癸"[(value - 1) % 10]
    if number_format.startswith("decimalEnclosedCircle") and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    if number_format == "decimalFullWidth":
        return str(value).translate({ord(digit): 0xFF10 + int(digit) for digit in "0123456789"})
    return str(value)


def export(questions: list[ParsedQuestion]) -> bytes:
    document = docx.Document()
    for line in text.export_lines(questions):
        # XML cannot hold control characters; a stem pasted from elsewhere may carry one.
        document.add_paragraph(_XML_UNSAFE.sub("", line))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
