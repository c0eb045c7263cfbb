"""Keys as people write them in sheets, documents and the bank editor: option letters, 对/错, and
blanks joined with ；and |. Shared by the question types and the import formats, so all of them
accept the same words."""

from __future__ import annotations

import re
import unicodedata

LETTERS = "ABCDEFGH"
MIN_OPTIONS, MAX_OPTIONS = 2, 8
# A key by type:  single/multiple → sorted option letters, e.g. ["B"] or ["A", "C"]
#                 judge → True / False
#                 blank → one list of accepted strings per blank,
#                         e.g. [["国家安全"], ["4月15日", "四月十五日"]]
Answer = list[str] | bool | list[list[str]]

TRUE_WORDS = {"对", "正确", "√", "✓", "✔", "是", "t", "true", "y", "yes", "1"}
FALSE_WORDS = {"错", "错误", "×", "✗", "✘", "x", "否", "f", "false", "n", "no", "0"}
_SEPARATORS = re.compile(r"[\s,，、|;；/]+")
_BLANK_SEPARATORS = re.compile(r"[;；]")


def fold(text: str) -> str:
    """Full-width to half-width (ＡＢ → AB, ：→ :) and trimmed: how people type answers varies."""
    return unicodedata.normalize("NFKC", text).strip()


def answer_letters(text: str) -> list[str] | None:
    """ "B", "ABC", "A,B,C", "A、B、C", "A|C", "B;D", "ＡＢ" → sorted letters; None if not letters."""
    letters = _SEPARATORS.sub("", fold(text)).upper()
    if not letters or any(letter not in LETTERS for letter in letters):
        return None
    return sorted(set(letters))


def judge_answer(text: str) -> bool | None:
    word = fold(text).lower().rstrip("。.")
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def blank_answer(text: str) -> list[list[str]]:
    """ "总体国家安全观；人民安全|人民的安全" → [["总体国家安全观"], ["人民安全", "人民的安全"]]."""
    blanks = []
    for part in _BLANK_SEPARATORS.split(text):
        accepted = [alternative.strip() for alternative in part.split("|") if alternative.strip()]
        if accepted:
            blanks.append(accepted)
    return blanks


def judge_text(value: bool) -> str:
    return "正确" if value else "错误"


def blank_text(blanks: list[list[str]]) -> str:
    return "；".join("|".join(accepted) for accepted in blanks)
