"""Checks on parsed questions, shown in the import preview and by `studyhall bank check`.

Errors block an import (a wrong key in a closed-book test is the worst bug this app can have);
warnings are shown and left to the administrator's judgement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from studyhall.banks.formats.base import Issue, ParsedQuestion, ParseResult
from studyhall.questions import similar, types
from studyhall.questions.matching import comparable_text

NEAR_DUPLICATE_SIMILARITY = 0.8  # share of character triples in common (Jaccard)


@dataclass(frozen=True)
class Known:
    """A question already in the bank, as the duplicate check needs it."""

    label: str  # how to name it to a person: 编号 or the start of its stem
    text: str  # comparable_text of stem and options


def question_text(stem: str, options: Sequence[str]) -> str:
    return comparable_text(stem + "|" + "|".join(options))


def lint(result: ParseResult, *, existing: Iterable[Known] = (), require_source: bool = False) -> None:
    """Add the errors and warnings of every question in `result` to it."""
    sheet = result.format in ("xlsx", "csv")

    def where(question: ParsedQuestion) -> dict[str, int | None]:
        return {"row": question.line} if sheet else {"line": question.line}

    for question in result.questions:
        for message in question_errors(question, require_source=require_source):
            result.errors.append(Issue(message, **where(question)))
        for message in question_warnings(question):
            result.warnings.append(Issue(message, **where(question)))
    for question, message in _duplicates(result.questions, list(existing), sheet):
        result.warnings.append(Issue(message, **where(question)))


def question_errors(question: ParsedQuestion, *, require_source: bool = False) -> list[str]:
    errors = []
    if not question.stem.strip():
        errors.append(_("The stem is empty."))
    errors.extend(types.get(question.type).errors(question))
    if require_source and not question.source.strip():
        errors.append(_("No source (出处): every question of a shipped bank must name its law and article."))
    return errors


def question_warnings(question: ParsedQuestion) -> list[str]:
    return types.get(question.type).warnings(question)


def _duplicates(
    questions: list[ParsedQuestion], existing: list[Known], sheet: bool
) -> Iterable[tuple[ParsedQuestion, str]]:
    """Exact and near duplicates, within the file and against the bank: each question is named
    against the latest question before it that it repeats."""
    place = _("row %(n)d") if sheet else _("line %(n)d")
    labels = [known.label for known in existing] + [place % {"n": q.line or 0} for q in questions]
    texts = [known.text for known in existing] + [question_text(q.stem, q.options) for q in questions]
    near = similar.similar_pairs(texts, NEAR_DUPLICATE_SIMILARITY)
    exact: dict[str, str] = {}
    copies: set[int] = set()
    for index, (text, label) in enumerate(zip(texts, labels, strict=True)):
        if index >= len(existing):
            question = questions[index - len(existing)]
            if text in exact:
                yield question, _("Same question as %(other)s.", other=exact[text])
                copies.add(index)
                continue  # later copies are reported against the first, not against each other
            earlier = [other for other in near.get(index, ()) if other < index and other not in copies]
            if earlier:
                yield question, _("Very similar to %(other)s.", other=labels[earlier[-1]])
        exact.setdefault(text, label)
