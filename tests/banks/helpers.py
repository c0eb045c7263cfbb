"""Builders for question files used across the bank tests."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

from studyhall.banks.formats.sheet import HEADER

# Moodle's own importer test files, copied with their origin and licence (see the README there).
MOODLE = Path(__file__).resolve().parent.parent / "fixtures" / "moodle"


def sheet_rows(*rows: list[str], header: tuple[str, ...] = HEADER) -> list[list[str]]:
    return [list(header), *[list(row) for row in rows]]


def row(kind: str, stem: str, options: list[str], answer: str, **extra: str) -> list[str]:
    """A template row: type, stem, options A–H, answer, then 解析 分值 难度 知识点 出处 编号."""
    cells = [kind, stem, *(options + [""] * (8 - len(options))), answer]
    cells += [
        extra.get(name, "") for name in ("explanation", "score", "difficulty", "categories", "source", "id")
    ]
    return cells


def xlsx(rows: list[list[str]], notes_row: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if notes_row:
        sheet.append(["填写须知：题型、题干、答案为必填列"])
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    import csv

    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


SAMPLE = [
    row(
        "单选",
        "每年（ ）为全民国家安全教育日。",
        ["3月15日", "4月15日", "10月1日", "12月4日"],
        "B",
        explanation="国家安全法第十四条。",
        score="1",
        difficulty="易",
        categories="国家安全法;教育日",
        source="《中华人民共和国国家安全法》第十四条",
        id="T-001",
    ),
    row(
        "多选",
        "下列属于公民维护国家安全义务的有（ ）。",
        [
            "保守所知悉的国家秘密",
            "及时报告危害国家安全活动的线索",
            "向境外机构出售情报",
            "为国家安全工作提供便利",
        ],
        "A、B、D",
        source="《中华人民共和国国家安全法》第七十七条",
        id="T-002",
    ),
    row(
        "判断",
        "维护国家安全是中华人民共和国公民的义务。",
        [],
        "√",
        source="《中华人民共和国宪法》第五十四条",
        id="T-003",
    ),
    row(
        "填空",
        "每年____为全民国家安全教育日，国家安全工作坚持____。",
        [],
        "4月15日|四月十五日；总体国家安全观",
        source="《中华人民共和国国家安全法》第三条、第十四条",
        id="T-004",
    ),
]


def mangled(sources: list[bytes], tokens: list[bytes]):  # type: ignore[no-untyped-def]
    """A hypothesis strategy: one of `sources` after a few random edits — characters or lines
    deleted, inserted (random bytes or the format's own `tokens`) or doubled."""
    from hypothesis import strategies as st

    inserts = st.one_of(st.binary(max_size=4), st.sampled_from(tokens))

    @st.composite
    def edited(draw: st.DrawFn) -> bytes:
        data = draw(st.sampled_from(sources))
        for _edit in range(draw(st.integers(1, 6))):
            kind = draw(st.sampled_from(["delete", "insert", "duplicate", "delete line", "duplicate line"]))
            if kind.endswith("line"):
                lines = data.split(b"\n")
                index = draw(st.integers(0, len(lines) - 1))
                lines[index : index + 1] = [] if kind == "delete line" else [lines[index]] * 2
                data = b"\n".join(lines)
                continue
            start = draw(st.integers(0, len(data)))
            end = min(len(data), start + draw(st.integers(0, 8)))
            if kind == "delete":
                data = data[:start] + data[end:]
            elif kind == "insert":
                data = data[:start] + draw(inserts) + data[start:]
            else:
                data = data[:end] + data[start:end] + data[end:]
        return data

    return edited()


def xlsx_with_shared_texts(count: int) -> bytes:
    """A one-row workbook whose shared-strings part holds `count` different texts, all of which
    openpyxl reads before the first row."""
    source, target = zipfile.ZipFile(io.BytesIO(xlsx([["工号"]]))), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            archive.writestr(entry.filename, content)
        texts = b"".join(b"<si><t>%d</t></si>" % n for n in range(count))
        archive.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + texts + b"</sst>",
        )
    return target.getvalue()
