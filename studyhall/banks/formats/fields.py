"""Reading the cells Chinese question sheets and documents write: difficulty, categories, scores.
Shared by the spreadsheet and text formats so both accept the same words (type names and answers:
studyhall.questions)."""

from __future__ import annotations

import re

from studyhall.questions.answers import fold

DIFFICULTY_WORDS = {
    "易": 2,
    "简单": 2,
    "容易": 2,
    "中": 3,
    "中等": 3,
    "一般": 3,
    "难": 4,
    "困难": 4,
    "较难": 4,
}
_CATEGORY_SEPARATORS = re.compile(r"[;；,，、|]+")


def difficulty(text: str) -> int | None:
    """1–5, or the words 易/中/难 and 简单/中等/困难; None if unreadable (empty handled by caller)."""
    value = fold(text)
    if value in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[value]
    if value.isdecimal() and value.isascii() and 1 <= int(value) <= 5:
        return int(value)
    return None


def categories(text: str) -> list[str]:
    return [part.strip() for part in _CATEGORY_SEPARATORS.split(text) if part.strip()]


def score(text: str) -> float | None:
    try:
        value = float(fold(text))
    except ValueError:
        return None
    return value if 0 < value <= 1000 else None
