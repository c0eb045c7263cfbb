"""Why a new password is easy to guess, in words a person can act on.

zxcvbn (shipped with its lists: ~30,000 common passwords, words and names; no network) finds the
patterns a guesser tries first: common passwords, repeats, sequences, keyboard walks, dates. Its
own feedback is English and generic, so we name the patterns it found ourselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

# zxcvbn's score: 0 and 1 fall to an online guesser within about a million tries.
_LOWEST_ACCEPTED_SCORE = 2
# A 工号 or name shorter than this says too little to be worth refusing (e.g. a name "王").
_SHORTEST_OWN_WORD = 2


_PATTERNS = {
    "repeat": _l("“%(part)s” repeats characters"),
    "sequence": _l("“%(part)s” is a sequence such as abcd or 1234"),
    "spatial": _l("“%(part)s” is a walk along the keyboard such as qwerty"),
    "date": _l("“%(part)s” is a date or year"),
    "regex": _l("“%(part)s” is a date or year"),  # zxcvbn's only regex: a recent year
}


def _reason(match: Mapping[str, object]) -> str | None:
    """What makes this part of the password guessable; None for a part that is not (bruteforce)."""
    if match["pattern"] == "dictionary":
        if match.get("dictionary_name") == "user_inputs":
            return _("it contains your 工号 or name")
        return _("“%(part)s” is a common password or word", part=match["token"])
    message = _PATTERNS.get(str(match["pattern"]))
    return str(message) % {"part": match["token"]} if message else None


def weaknesses(password: str, own: Iterable[str] = ()) -> list[str]:
    """Reasons to refuse the password, each once; empty when it is hard enough to guess."""
    own_words = [word.strip() for word in own if len(word.strip()) >= _SHORTEST_OWN_WORD]
    reasons = []
    if any(word.lower() in password.lower() for word in own_words):
        reasons.append(_("it contains your 工号 or name"))
    result = zxcvbn(password, user_inputs=own_words)
    if result["score"] < _LOWEST_ACCEPTED_SCORE:
        reasons += [reason for match in result["sequence"] if (reason := _reason(match))]
        if not reasons:
            reasons.append(_("it is short and simple"))
    return list(dict.fromkeys(reasons))
