"""Reading the cells Chinese question sheets and documents write: type names, answers,
difficulty, categories. Shared by the spreadsheet and text formats so both accept the same words."""

from __future__ import annotations

import re
import unicodedata

from studyhall.banks.formats.base import LETTERS, QuestionType

TYPE_NAMES: dict[str, QuestionType] = {}
for _type, _names in {
    "single": ("单选", "单选题", "单项选择", "单项选择题", "单选择题", "single"),
    "multiple": ("多选", "多选题", "多项选择", "多项选择题", "不定项选择", "不定项选择题", "multiple"),
    "judge": ("判断", "判断题", "是非题", "对错题", "judge", "truefalse"),
    "blank": ("填空", "填空题", "blank", "shortanswer"),
}.items():
    for _name in _names:
        TYPE_NAMES[_name] = _type  # type: ignore[assignment]

TRUE_WORDS = {"对", "正确", "√", "✓", "✔", "是", "t", "true", "y", "yes", "1"}
FALSE_WORDS = {"错", "错误", "×", "✗", "✘", "x", "否", "f", "false", "n", "no", "0"}
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
_SEPARATORS = re.compile(r"[\s,，、|;；/]+")
_CATEGORY_SEPARATORS = re.compile(r"[;；,，、|]+")
_BLANK_SEPARATORS = re.compile(r"[;；]")


def fold(text: str) -> str:
    """Full-width to half-width (ＡＢ → AB, ：→ :) and trimmed: how people type answers varies."""
    return unicodedata.normalize("NFKC", text).strip()


def question_type(text: str) -> QuestionType | None:
    return TYPE_NAMES.get(fold(text).replace(" ", "").lower())


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


def judge_text(value: bool) -> str:
    return "正确" if value else "错误"


def blank_text(blanks: list[list[str]]) -> str:
    return "；".join("|".join(accepted) for accepted in blanks)


def answer_text(kind: str, answer: object) -> str:
    """An answer as people write it: letters, 正确/错误, or blanks joined with ；and |."""
    if kind in ("single", "multiple"):
        return "".join(answer)  # type: ignore[arg-type]
    if kind == "judge":
        return judge_text(bool(answer))
    return blank_text(answer)  # type: ignore[arg-type]


def parse_answer(kind: str, text: str) -> object | None:
    """The answer written in `text` for a question of this type, or None if it cannot be one."""
    if kind in ("single", "multiple"):
        return answer_letters(text)
    if kind == "judge":
        return judge_answer(text)
    return blank_answer(text) or None
