"""Every question-bank file format, found by name or guessed from the file."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

from studyhall.banks.formats.base import Issue, ParsedQuestion, ParseResult


@dataclass(frozen=True)
class Format:
    name: str
    module: str
    parse_name: str
    export_name: str
    extension: str
    mimetype: str

    def parse(self, data: bytes) -> ParseResult:
        return self._function(self.parse_name)(data)

    def export(self, questions: list[ParsedQuestion]) -> bytes:
        return self._function(self.export_name)(questions)

    def _function(self, name: str) -> Callable:
        return getattr(importlib.import_module(f"studyhall.banks.formats.{self.module}"), name)


FORMATS = {
    f.name: f
    for f in (
        Format(
            "xlsx",
            "sheet",
            "parse_xlsx",
            "export_xlsx",
            ".xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        Format("csv", "sheet", "parse_csv", "export_csv", ".csv", "text/csv"),
        Format("text", "text", "parse", "export", ".txt", "text/plain"),
        Format(
            "docx",
            "docx",
            "parse",
            "export",
            ".docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        Format("gift", "gift", "parse", "export", ".gift.txt", "text/plain"),
        Format("aiken", "aiken", "parse", "export", ".aiken.txt", "text/plain"),
        Format("moodlexml", "moodlexml", "parse", "export", ".xml", "application/xml"),
    )
}
_GIFT_HINTS = re.compile(r"(^|\n)\s*(::|\$CATEGORY:)|\{\s*(=|~|T\b|F\b|TRUE\b|FALSE\b|#)")
_AIKEN_ANSWER = re.compile(r"(^|\n)ANSWER:\s*[A-Z]\s*($|\n)")


def detect(filename: str, data: bytes) -> str:
    """The format a file is in, from its name and, for .txt, its content."""
    name = filename.lower()
    for suffix, format_name in (
        (".xlsx", "xlsx"),
        (".csv", "csv"),
        (".docx", "docx"),
        (".xml", "moodlexml"),
        (".gift", "gift"),
        (".aiken", "aiken"),
    ):
        if name.endswith(suffix) or f"{suffix}." in name:
            return format_name
    head = data[:65536].decode("utf-8", errors="ignore")
    if _GIFT_HINTS.search(head):
        return "gift"
    if _AIKEN_ANSWER.search(head):
        return "aiken"
    return "text"


def parse_file(filename: str, data: bytes, format_name: str = "auto") -> ParseResult:
    """Parse with the named format (or the detected one). A parser is written never to raise;
    if one does anyway, the person still gets a message instead of an error page."""
    chosen = detect(filename, data) if format_name == "auto" else format_name
    try:
        return FORMATS[chosen].parse(data)
    except Exception as exc:  # noqa: BLE001 - last line of defence, reported to the user
        return ParseResult(
            format=chosen,
            errors=[
                Issue(
                    _(
                        "The file could not be read as %(format)s (%(error)s).",
                        format=chosen,
                        error=type(exc).__name__,
                    )
                )
            ],
        )
