"""How a typed fill-in answer is compared with the accepted ones, and how stems are compared."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_BLANK_MARKS = re.compile(r"_{2,}|（\s*）|\(\s*\)")
_NOT_WORD = re.compile(r"[\W_]+")
# Spaces and punctuation at either end of a typed answer (after NFKC, full-width ，；：！？（） are
# their ASCII forms; 。、“”‘’… stay as they are).
_SURROUNDING = re.compile(
    r"^[\s.,;:!?。，、；：！？…“”‘’\"'()（）]+|[\s.,;:!?。，、；：！？…“”‘’\"'()（）]+$"
)


def normalise_answer(text: str, *, case_sensitive: bool = False) -> str:
    """Surrounding spaces and punctuation (a sentence's 。 typed after the words) and
    full-width/half-width differences never matter; Latin case matters only when the question
    says so. What is inside an answer is kept: "A B" is not "AB"."""
    text = _SURROUNDING.sub("", unicodedata.normalize("NFKC", text))
    return text if case_sensitive else text.casefold()


def blank_marks(stem: str) -> int:
    return len(_BLANK_MARKS.findall(stem))


def blanks_correct(
    response: list[str], accepted: list[list[str]], *, case_sensitive: bool = False
) -> list[bool]:
    """For each blank, whether the response is one of its accepted answers."""
    results = []
    for index, alternatives in enumerate(accepted):
        given = (
            normalise_answer(response[index], case_sensitive=case_sensitive) if index < len(response) else ""
        )
        wanted = {normalise_answer(a, case_sensitive=case_sensitive) for a in alternatives}
        results.append(bool(given) and given in wanted)
    return results


def fill_blanks(stem: str, words: list[str]) -> str:
    """The stem with `words` in its blanks, in order; a stem without blank marks gets them after it."""
    parts = _BLANK_MARKS.split(stem)
    if len(parts) == 1:
        return "|".join([stem, *words])
    filled = parts[0]
    for index, part in enumerate(parts[1:]):
        filled += (words[index] if index < len(words) else "") + part
    return filled


def comparable_text(text: str) -> str:
    """Text reduced to what makes two questions the same: no punctuation, spaces, blank marks,
    width or case differences."""
    text = _BLANK_MARKS.sub("", unicodedata.normalize("NFKC", text))
    return _NOT_WORD.sub("", text).casefold()


def stem_key(stem: str) -> str:
    return hashlib.sha1(comparable_text(stem).encode()).hexdigest()
