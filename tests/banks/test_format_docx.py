"""Word documents in the numbered layout, including Word's automatic list numbering."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.text.paragraph import Paragraph
from hypothesis import given, settings
from hypothesis import strategies as st

from studyhall.banks.formats import docx as word
from studyhall.banks.formats import text
from studyhall.banks.formats.base import ParseResult
from tests.banks.test_format_text import EXAMPLE, QUESTIONS, comparable


def document_bytes(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def word_file(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    return document_bytes(document)


def test_the_example_as_a_word_document_reads_like_the_text_file():
    from_word = word.parse(word_file(EXAMPLE.splitlines()))
    from_text = text.parse(EXAMPLE.encode("utf-8"))
    assert from_word.format == "docx" and from_word.errors == []
    assert [q.to_json() for q in from_word.questions] == [q.to_json() for q in from_text.questions]
    assert [i.to_json() for i in from_word.warnings] == [i.to_json() for i in from_text.warnings]
    assert len(from_word.questions) == 4


def test_soft_line_breaks_and_tabs_inside_a_paragraph_are_lines_and_spaces():
    document = docx.Document()
    document.add_paragraph("1. 我国的根本大法是（ ）。")
    options = document.add_paragraph("A. 刑法\tB. 宪法")
    options.add_run().add_break()
    options.add_run("C. 民法典\tD. 国家安全法")
    document.add_paragraph("答案：B")
    result = word.parse(document_bytes(document))
    assert result.errors == []
    assert result.questions[0].options == ["刑法", "宪法", "民法典", "国家安全法"]


def test_errors_name_the_paragraph_line():
    result = word.parse(word_file(["一、判断题", "1. 陈述。", "答案：可能"]))
    assert [issue.line for issue in result.errors] == [2]
    assert "on line 3" in result.errors[0].message


# --- Word's automatic numbering -------------------------------------------------------------------------

LIST_XML = f"""<w:abstractNum {nsdecls("w")} w:abstractNumId="{{abstract}}">
  <w:lvl w:ilvl="0">
    <w:start w:val="1"/><w:numFmt w:val="{{outer}}"/><w:lvlText w:val="{{outer_text}}"/>
  </w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="upperLetter"/><w:lvlText w:val="%2."/></w:lvl>
</w:abstractNum>"""


def add_list(document: object, abstract: int, num: int, outer: str, outer_text: str) -> None:
    numbering = document.part.numbering_part.element  # type: ignore[attr-defined]
    numbering.insert(0, parse_xml(LIST_XML.format(abstract=abstract, outer=outer, outer_text=outer_text)))
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="{num}"><w:abstractNumId w:val="{abstract}"/></w:num>')
    )


def numbered(paragraph: Paragraph, num: int, level: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_numId().val = num
    num_pr.get_or_add_ilvl().val = level


def auto_numbered_document() -> bytes:
    """Headings, questions and options all numbered by Word lists, none typed."""
    document = docx.Document()
    add_list(document, 90, 90, "chineseCounting", "%1、")  # headings: 一、 二、
    add_list(document, 91, 91, "decimal", "%1.")  # questions 1. 2. 3.; their options A. B. at level 1

    def paragraph(content: str, num: int | None = None, level: int = 0) -> None:
        made = document.add_paragraph(content)
        if num is not None:
            numbered(made, num, level)

    paragraph("单选题", 90)
    paragraph("每年（ ）为全民国家安全教育日。", 91)
    for option in ("3月15日", "4月15日", "10月1日", "12月4日"):
        paragraph(option, 91, 1)
    paragraph("答案：B")
    paragraph("下列属于国家安全领域的有（ ）", 91)
    for option in ("政治安全", "国土安全", "军事安全"):
        paragraph(option, 91, 1)
    paragraph("答案：ABC")
    paragraph("判断题", 90)
    paragraph("维护国家安全是公民的义务。", 91)
    paragraph("答案：对")

    return document_bytes(document)


def test_automatic_numbering_of_headings_questions_and_options_is_rendered():
    result = word.parse(auto_numbered_document())
    assert result.errors == [], result.errors
    first, second, third = result.questions
    assert (first.stem, first.options, first.answer) == (
        "每年（ ）为全民国家安全教育日。",
        ["3月15日", "4月15日", "10月1日", "12月4日"],
        ["B"],
    )
    assert second.options == ["政治安全", "国土安全", "军事安全"]  # lettering restarted at A
    assert (third.type, third.answer) == ("judge", True)
    assert any("is marked single choice" in issue.message for issue in result.warnings)


def test_restart_numbering_begins_the_list_again():
    document = docx.Document()
    add_list(document, 91, 91, "decimal", "%1.")
    numbering = document.part.numbering_part.element
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="92"><w:abstractNumId w:val="91"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        )
    )
    for num, statement in ((91, "甲。"), (91, "乙。"), (92, "丙。")):
        numbered(document.add_paragraph(statement), num, 0)
        document.add_paragraph("答案：对")
    result = word.parse(document_bytes(document))
    assert len(result.questions) == 3
    assert [issue.message for issue in result.warnings] == [
        "Question 1 at line 5 follows question 2; is a question missing or misnumbered?"
    ]


def test_a_list_style_numbers_questions():
    document = docx.Document()
    document.add_paragraph("陈述一。", style="List Number")
    document.add_paragraph("答案：对")
    document.add_paragraph("陈述二。", style="List Number")
    document.add_paragraph("答案：错")
    result = word.parse(document_bytes(document))
    assert result.errors == [] and result.warnings == []
    assert [(q.stem, q.line) for q in result.questions] == [("陈述一。", 1), ("陈述二。", 3)]


def test_counter_formats():
    assert [
        word.counter_text(3, fmt)
        for fmt in (
            "decimal",
            "upperLetter",
            "lowerLetter",
            "chineseCounting",
            "ideographTraditional",
            "decimalEnclosedCircle",
        )
    ] == ["3", "C", "c", "三", "丙", "③"]
    assert (
        word.counter_text(27, "upperLetter") == "AA" and word.counter_text(12, "decimalFullWidth") == "１２"
    )


# --- files that are not Word documents ------------------------------------------------------------


def zip_with(name: str, size: int) -> bytes:
    buffer = io.BytesIO()
    chunk = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_named_docx_is_refused_before_it_is_unpacked():
    small_but_dense = word.parse(zip_with("word/document.xml", 8 * 1024 * 1024))
    assert small_but_dense.questions == []
    assert [issue.message for issue in small_but_dense.errors] == [
        "The file is compressed suspiciously well (part word/document.xml); refused."
    ]
    huge = word.parse(zip_with("word/document.xml", 210 * 1024 * 1024))
    assert len(huge.errors) == 1 and huge.errors[0].message.startswith("The file would unpack to 210 MB")


def test_a_file_that_is_not_a_zip_is_one_error():
    result = word.parse("1. 题\n答案：对".encode())
    assert result.questions == [] and [i.message for i in result.errors] == [
        "The file is not a valid docx file."
    ]


def test_an_old_doc_file_is_one_error_that_says_what_to_do():
    result = word.parse(word.OLE_SIGNATURE + b"\0" * 512)
    assert len(result.errors) == 1 and "save it as .docx" in result.errors[0].message


def test_a_zip_that_is_not_a_word_document_or_is_damaged_is_one_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "你好")
    for data in (buffer.getvalue(), word_file(["1. 题", "答案：对"])[:-200]):
        result = word.parse(data)
        assert result.questions == [] and len(result.errors) == 1, result.errors


def test_tables_are_not_read_and_that_is_said():
    document = docx.Document()
    document.add_paragraph("1. 陈述。")
    document.add_paragraph("答案：对")
    document.add_table(rows=1, cols=2).cell(0, 0).text = "2. 表格里的题"
    result = word.parse(document_bytes(document))
    assert len(result.questions) == 1
    assert result.warnings[0].message.startswith("The document has tables")


# --- export and round trip ----------------------------------------------------------------------


def test_export_writes_one_paragraph_per_line_of_the_text_layout():
    document = docx.Document(io.BytesIO(word.export(QUESTIONS)))
    assert [p.text for p in document.paragraphs] == text.export_lines(QUESTIONS)


def test_parse_of_export_round_trips():
    result = word.parse(word.export(QUESTIONS))
    assert result.errors == [] and result.warnings == []
    assert [comparable(q) for q in result.questions] == [comparable(q) for q in QUESTIONS]


def test_export_drops_characters_xml_cannot_hold():
    question = QUESTIONS[2]
    dirty = type(question)(type="judge", stem="控制\x07字符。", answer=True)
    assert word.parse(word.export([dirty])).questions[0].stem == "控制字符。"


# --- never raises --------------------------------------------------------------------------------

VALID = word_file(EXAMPLE.splitlines())
AUTO_NUMBERED = auto_numbered_document()


def check(result: object) -> None:
    assert isinstance(result, ParseResult)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=20))
def test_damaged_documents_never_raise(changes: list[tuple[int, int]]):
    data = bytearray(VALID)
    for index, value in changes:
        data[index] = value
    check(word.parse(bytes(data)))


ODD_VALUES = [
    "",
    "0",
    "-1",
    "x",
    "99999999",
    "9" * 5000,
    "bullet",
    "none",
    "%1%2%9",
    "upperLetter",
    "chineseCounting",
    "decimalEnclosedCircle",
    "7",
]


@settings(max_examples=60, deadline=None, database=None)  # each example opens a whole document
@given(
    st.sampled_from(["word/numbering.xml", "word/document.xml", "word/styles.xml"]),
    st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(ODD_VALUES)), min_size=1, max_size=10),
)
def test_odd_numbering_values_never_raise(member: str, changes: list[tuple[int, str]]):
    with zipfile.ZipFile(io.BytesIO(AUTO_NUMBERED)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    pieces = parts[member].decode("utf-8").split('w:val="')
    for index, value in changes:
        at = 1 + index % (len(pieces) - 1)
        pieces[at] = value + pieces[at][pieces[at].index('"') :]
    parts[member] = 'w:val="'.join(pieces).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    check(word.parse(buffer.getvalue()))


@settings(max_examples=200, deadline=None, database=None)
@given(st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(lambda tail: b"PK\x03\x04" + tail)))
def test_random_bytes_never_raise(data: bytes):
    check(word.parse(data))


def test_a_zip_claiming_a_version_zipfile_cannot_read_is_refused_with_a_message():
    """Found by test_damaged_documents_never_raise: one byte in the central directory makes
    zipfile raise NotImplementedError instead of BadZipFile."""
    data = bytearray(VALID)
    entry = data.index(b"PK\x01\x02")  # the first central directory entry
    data[entry + 6] = 64  # "version needed to extract": 6.4
    result = word.parse(bytes(data))
    assert [issue.message for issue in result.errors] == ["The file is not a valid docx file."]
