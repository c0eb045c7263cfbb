"""The one order in which branches are listed: 第一党支部, 第二党支部 … 第十党支部, 第十一党支部.

Sorting names by character code puts 第三 before 第二 (三 U+4E09 < 二 U+4E8C). Each branch has an
order an administrator may set; without one, the number in its name counts (Chinese numerals or
Arabic digits); names without a number come after numbered ones, by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studyhall.accounts.models import Branch

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100}
_NUMBER = re.compile("[0-9]+|[" + "".join(_DIGITS) + "".join(_UNITS) + "]+")


def _chinese_value(numeral: str) -> int:
    if not any(char in _UNITS for char in numeral):  # 一〇一: digit by digit
        return int("".join(str(_DIGITS[char]) for char in numeral))
    total, digit = 0, None
    for char in numeral:
        if char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]  # 十一: the 十 alone means 10
            digit = None
        else:
            digit = _DIGITS[char]
    return total + (digit or 0)


def chinese_number(text: str) -> int | None:
    """A numeral written in Chinese alone (十二, 二十三, 一〇一) → its value; None for anything else."""
    if not text or any(char not in _DIGITS and char not in _UNITS for char in text):
        return None
    return _chinese_value(text)


def number_in(name: str) -> int | None:
    """The first number written in the name: 第十二党支部 → 12, 3号党小组 → 3, 机关党委 → None."""
    found = _NUMBER.search(name)
    if found is None:
        return None
    text = found.group()
    return int(text) if text.isdigit() else _chinese_value(text)


def name_key(name: str, sort_order: int | None = None) -> tuple[bool, int, str]:
    """Sort key of a branch by its set order, else the number in its name, then its name."""
    order = sort_order if sort_order is not None else number_in(name)
    return (order is None, order or 0, name)


def sort_key(branch: Branch) -> tuple[bool, int, str]:
    return name_key(branch.name, branch.sort_order)


def ordered(branches: Iterable[Branch]) -> list[Branch]:
    return sorted(branches, key=sort_key)
