"""The one shape every format parses into and exports from.

A parser takes the file's bytes and returns a ParseResult. It never raises: every problem becomes
an Issue carrying the line (text formats) or row (spreadsheets) where the question starts and a
reason a person can act on. An exporter takes questions and returns the file's bytes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser

from studyhall.questions.answers import Answer
from studyhall.questions.types import TypeKey


@dataclass
class ParsedQuestion:
    type: TypeKey
    stem: str
    answer: Answer
    options: list[str] = field(default_factory=list)
    explanation: str = ""
    categories: list[str] = field(default_factory=list)
    difficulty: int | None = None  # 1–5
    score: float | None = None
    source: str = ""
    external_id: str = ""
    case_sensitive: bool = False  # blank only: Latin letters must match in case
    line: int | None = None  # where the question starts: line (text formats) or row (sheets)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        del data["external_id"], data["case_sensitive"]
        return data

    def letters(self) -> list[str]:
        """The option letters of a choice question's key; [] for another type's key."""
        answer = self.answer
        return [letter for letter in answer if isinstance(letter, str)] if isinstance(answer, list) else []

    def blanks(self) -> list[list[str]]:
        """The accepted texts of each blank of a fill-in question's key; [] for another type's key."""
        answer = self.answer
        return (
            [accepted for accepted in answer if isinstance(accepted, list)]
            if isinstance(answer, list)
            else []
        )


@dataclass(frozen=True)
class Issue:
    message: str
    line: int | None = None
    row: int | None = None

    def to_json(self) -> dict[str, object]:
        where = {"row": self.row} if self.row is not None else {"line": self.line}
        return {**where, "message": self.message}


@dataclass(frozen=True)
class Glimpse:
    """What could be read of a row or question that is in error, so the preview can say which it is."""

    type: str  # a type key, or the type as written; "" when none was given
    stem: str


@dataclass
class ParseResult:
    format: str
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    glimpses: dict[int, Glimpse] = field(default_factory=dict)  # by row (sheets) or line (text formats)

    def to_json(self) -> dict[str, object]:
        return {
            "format": self.format,
            "questions": [question.to_json() for question in self.questions],
            "errors": [issue.to_json() for issue in self.errors],
            "warnings": [issue.to_json() for issue in self.warnings],
        }


class _TextExtractor(HTMLParser):
    BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment (Moodle's and GIFT's [html] texts): tags dropped, entities
    decoded, runs of spaces collapsed. studyhall stores plain text and escapes it on display."""
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except AssertionError:  # html.parser asserts on some malformed markup, e.g. "<![x["
        return " ".join(markup.split())
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    return "\n".join(line for line in lines if line)
