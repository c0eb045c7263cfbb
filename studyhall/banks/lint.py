"""Checks on parsed questions, shown in the import preview and by `studyhall bank check`.

Errors block an import (a wrong key in a closed-book test is the worst bug this app can have);
warnings are shown and left to the administrator's judgement.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from studyhall.banks.formats.base import Issue, ParsedQuestion, ParseResult
from studyhall.questions import types
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
    """Exact and near duplicates, within the file and against the bank.

    Comparing every pair is quadratic (10,000 questions make 50 million pairs), so each text is
    filed under its few character triples with the smallest hashes: near-identical texts share
    them, unrelated ones rarely do. Only texts sharing a key are compared, at most
    _CANDIDATES of them, by the overlap of their character triples.
    """
    place = _("row %(n)d") if sheet else _("line %(n)d")
    buckets: dict[int, list[tuple[frozenset[str], str]]] = defaultdict(list)
    exact: dict[str, str] = {}

    def file(text: str, grams: frozenset[str], label: str) -> None:
        exact.setdefault(text, label)
        for key in _sketch(grams):
            buckets[key].append((grams, label))

    for known in existing:
        file(known.text, _grams(known.text), known.label)
    for question in questions:
        text = question_text(question.stem, question.options)
        grams = _grams(text)
        if text in exact:
            yield question, _("Same question as %(other)s.", other=exact[text])
            continue  # later copies are reported against the first, not against each other
        near = _near(grams, buckets)
        if near is not None:
            yield question, _("Very similar to %(other)s.", other=near)
        file(text, grams, place % {"n": question.line or 0})


_CANDIDATES = 40
_SKETCH_SIZE = 3


def _grams(text: str) -> frozenset[str]:
    """Character triples: distinctive enough in Chinese that unrelated questions rarely share
    the few with the smallest hashes."""
    return frozenset(text[i : i + 3] for i in range(max(1, len(text) - 2)))


def _sketch(grams: frozenset[str]) -> list[int]:
    # hash() differs between processes but is stable within one, which is all bucketing needs.
    return heapq.nsmallest(_SKETCH_SIZE, map(hash, grams))


def _near(grams: frozenset[str], buckets: dict[int, list[tuple[frozenset[str], str]]]) -> str | None:
    compared = 0
    size = len(grams)
    for key in _sketch(grams):
        for other, label in reversed(buckets.get(key, ())):
            if compared >= _CANDIDATES:
                return None
            compared += 1
            # Similarity can reach the threshold only if the sizes are close enough.
            if min(size, len(other)) < NEAR_DUPLICATE_SIMILARITY * max(size, len(other)):
                continue
            shared = len(grams & other)
            if shared >= NEAR_DUPLICATE_SIMILARITY * (size + len(other) - shared):
                return label
    return None
