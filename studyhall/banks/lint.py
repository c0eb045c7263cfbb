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

from studyhall.banks.formats.base import LETTERS, MAX_OPTIONS, MIN_OPTIONS, Issue, ParsedQuestion, ParseResult
from studyhall.banks.matching import blank_marks, comparable_text

NEAR_DUPLICATE_SIMILARITY = 0.8  # share of character triples in common (Jaccard)
_QUESTION_ENDINGS = ("?", "？", "吗", "吗。", "么", "呢")


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
    if question.type in ("single", "multiple"):
        errors.extend(_choice_errors(question))
    elif question.type == "blank":
        if not question.answer or not all(question.answer):  # type: ignore[arg-type]
            errors.append(_("A fill-in question needs at least one accepted answer for every blank."))
        marks = blank_marks(question.stem)
        if marks and marks != len(question.answer):  # type: ignore[arg-type]
            errors.append(
                _(
                    "The stem has %(marks)d blanks but the answer gives %(answers)d.",
                    marks=marks,
                    answers=len(question.answer),
                )
            )  # type: ignore[arg-type]
    elif question.type == "judge" and not isinstance(question.answer, bool):
        errors.append(_("A true/false question needs 对 or 错 as its answer."))
    if require_source and not question.source.strip():
        errors.append(_("No source (出处): every question of a shipped bank must name its law and article."))
    return errors


def _choice_errors(question: ParsedQuestion) -> list[str]:
    errors = []
    options = question.options
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        errors.append(_("A choice question needs 2 to 8 options; this one has %(n)d.", n=len(options)))
    for index, option in enumerate(options):
        if not option.strip():
            errors.append(_("Option %(letter)s is empty.", letter=LETTERS[index]))
    seen: dict[str, str] = {}
    for index, option in enumerate(options):
        key = comparable_text(option)
        if key and key in seen:
            errors.append(
                _("Options %(first)s and %(second)s are the same.", first=seen[key], second=LETTERS[index])
            )
        seen.setdefault(key, LETTERS[index])
    letters = question.answer if isinstance(question.answer, list) else []
    missing = [letter for letter in letters if letter not in LETTERS[: len(options)]]
    if missing:
        errors.append(_("The answer %(letters)s is not among the options.", letters="".join(missing)))
    if not letters:
        errors.append(_("The answer is empty."))
    if question.type == "single" and len(letters) > 1:
        errors.append(
            _("A single-choice question has several answers (%(letters)s).", letters="".join(letters))
        )
    return errors


def question_warnings(question: ParsedQuestion) -> list[str]:
    warnings = []
    if question.type == "judge" and question.stem.strip().rstrip("（）() 　").endswith(_QUESTION_ENDINGS):
        warnings.append(_("A true/false stem should be a statement, not a question."))
    if question.type == "multiple" and isinstance(question.answer, list) and len(question.answer) == 1:
        warnings.append(
            _("A multiple-choice question with only one correct option; should it be single choice?")
        )
    return warnings


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
