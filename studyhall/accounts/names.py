"""The order in which people's names are listed: by their pinyin, as a Chinese list reads (吴 wu
before 周 zhou), where character codes would put 周 (U+5468) before 吴 (U+5434) by accident."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def name_key(name: str) -> tuple[str, str]:
    """Sort key of a person's name: its pinyin with tone numbers, then the characters themselves
    (two names that read alike keep one order)."""
    return (" ".join(lazy_pinyin(name, style=Style.TONE3)), name)
