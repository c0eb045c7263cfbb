"""The question types: one class each, holding everything that differs between them, and the
registry that is the only list of them.

Banks (import, lint, export, the editor), tests (drawing, saving, marking, review) and anything
later that asks or marks questions look a type up with `get(question.type)` and ask it, instead of
comparing the type string. The stored keys ("single", "multiple", "judge", "blank") are what
Question.type holds in the database; they never change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from studyhall.errors import DomainError, ErrorCode
from studyhall.questions import answers
from studyhall.questions.answers import LETTERS, MAX_OPTIONS, MIN_OPTIONS, Answer
from studyhall.questions.matching import blank_marks, blanks_correct, comparable_text, fill_blanks

TypeKey = Literal["single", "multiple", "judge", "blank"]
InputKind = Literal["radio", "checkbox", "truth", "text"]
MAX_BLANK_LENGTH = 200  # characters one blank accepts, as the attempt page's maxlength says

_QUESTION_ENDINGS = ("?", "？", "吗", "吗。", "么", "呢")


class Checked(Protocol):
    """What the checks read of a question: a parsed one from an import or one being edited."""

    @property
    def stem(self) -> str: ...
    @property
    def options(self) -> list[str]: ...
    @property
    def answer(self) -> Answer: ...


class QuestionType:
    """The behaviour of one type. Subclasses set the attributes and override what differs."""

    key: TypeKey
    label: LazyString  # how the interface names the type
    # Names accepted for the type in sheets and documents; the first is how exports write it.
    aliases: tuple[str, ...]
    heading_title: str  # the section heading the text export writes
    heading_words: tuple[str, ...]  # words that name the type inside a text heading or 题型 line
    moodle_kind: str  # the type attribute of Moodle XML's <question>
    input: InputKind  # how a cadre answers: the attempt page's inputs and attempt.js read it
    template_folder: str  # under templates/questions/: attempt.html, paper.html, answer.html
    has_options: bool = False  # options A–H, shown and shuffled in each person's order
    has_blanks: bool = False  # the stem's blank marks are the places to fill in

    def template(self, part: str) -> str:
        return f"questions/{self.template_folder}/{part}.html"

    # ---- the key, as people write it

    def answer_text(self, answer: object) -> str:
        """The key as the bank editor and the sheets write it."""
        raise NotImplementedError

    def parse_answer(self, text: str) -> Answer | None:
        """The key written in `text`, or None if it cannot be one for this type."""
        raise NotImplementedError

    def unreadable_answer(self, text: str) -> str:
        """Why `text` is no key for this type, for a sheet's cell."""
        raise NotImplementedError

    def key_words(self, options: list[str], answer: object) -> list[str]:
        """The words of the key a person reads: the options chosen, each blank's first answer."""
        return []

    def statement(self, stem: str, options: list[str], answer: object) -> str:
        """What the question, answered, says: its stem with the key's words in its blanks. Two
        questions saying nearly the same are twins (banks/twins.py)."""
        return fill_blanks(stem, ["、".join(self.key_words(options, answer))])

    # ---- checks before a question is stored

    def errors(self, question: Checked) -> list[str]:
        return []

    def warnings(self, question: Checked) -> list[str]:
        return []

    # ---- a paper

    def blanks(self, stem: str) -> int:
        """How many inputs the attempt page shows."""
        return 0

    def from_form(self, values: list[str], blanks: int) -> object:
        """The response a plain form posts (values of one field name), in the API's shape; None if
        unanswered."""
        raise NotImplementedError

    def to_stored(self, stem: str, option_order: list[int], response: object) -> object:
        """Check a response in the shown letters (option_order as frozen on the paper) and turn it
        into the question's own letters. None clears the answer."""
        raise NotImplementedError

    def to_shown(self, option_order: list[int], stored: object) -> object:
        """A stored response or key in the letters this person saw."""
        return stored

    def mark(
        self, key: object, stored: object, score: float, *, partial_credit: bool, case_sensitive: bool
    ) -> float:
        """Points for one stored response against the key."""
        if stored is None:
            return 0.0
        return score if stored == key else 0.0


def _invalid() -> DomainError:
    return DomainError(_("That answer does not fit the question."), ErrorCode.INVALID_RESPONSE)


class _Choice(QuestionType):
    has_options = True
    template_folder = "choice"
    moodle_kind = "multichoice"

    def answer_text(self, answer: object) -> str:
        return "".join(answer)  # type: ignore[arg-type]

    def parse_answer(self, text: str) -> Answer | None:
        return answers.answer_letters(text)

    def key_words(self, options: list[str], answer: object) -> list[str]:
        letters = [x for x in answer if isinstance(x, str)] if isinstance(answer, list) else []
        return [options[LETTERS.index(x)] for x in letters if x in LETTERS[: len(options)]]

    def unreadable_answer(self, text: str) -> str:
        return _("“%(answer)s” is not option letters (e.g. B or ACD).", answer=text)

    def errors(self, question: Checked) -> list[str]:
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
                    _(
                        "Options %(first)s and %(second)s are the same.",
                        first=seen[key],
                        second=LETTERS[index],
                    )
                )
            seen.setdefault(key, LETTERS[index])
        letters = self._letters(question)
        missing = [letter for letter in letters if letter not in LETTERS[: len(options)]]
        if missing:
            errors.append(_("The answer %(letters)s is not among the options.", letters="".join(missing)))
        if not letters:
            errors.append(_("The answer is empty."))
        return errors

    @staticmethod
    def _letters(question: Checked) -> list[str]:
        return question.answer if isinstance(question.answer, list) else []  # type: ignore[return-value]

    def to_stored(self, stem: str, option_order: list[int], response: object) -> object:
        if response is None:
            return None
        if not isinstance(response, list) or not all(isinstance(x, str) for x in response):
            raise _invalid()
        shown = list(LETTERS[: len(option_order)])  # a list: "" is in every string, in no list of letters
        if len(set(response)) != len(response) or any(letter not in shown for letter in response):
            raise _invalid()
        if len(response) > self._most_chosen():
            raise _invalid()
        return sorted(LETTERS[option_order[shown.index(letter)]] for letter in response)

    def _most_chosen(self) -> int:
        return len(LETTERS)

    def to_shown(self, option_order: list[int], stored: object) -> object:
        if stored is None:
            return None
        return sorted(LETTERS[option_order.index(LETTERS.index(letter))] for letter in stored)  # type: ignore[attr-defined]


class ChoiceSingle(_Choice):
    key = "single"
    label = _l("Single choice")
    aliases = ("单选", "单选题", "单项选择", "单项选择题", "单选择题", "single")
    heading_title = "单选题"
    heading_words = ("单项选择", "单选")
    input = "radio"

    def errors(self, question: Checked) -> list[str]:
        errors = super().errors(question)
        letters = self._letters(question)
        if len(letters) > 1:
            errors.append(
                _("A single-choice question has several answers (%(letters)s).", letters="".join(letters))
            )
        return errors

    def _most_chosen(self) -> int:
        return 1

    def from_form(self, values: list[str], blanks: int) -> object:
        return [values[0]] if values and values[0] else None


class ChoiceMultiple(_Choice):
    key = "multiple"
    label = _l("Multiple choice")
    aliases = ("多选", "多选题", "多项选择", "多项选择题", "不定项选择", "不定项选择题", "multiple")
    heading_title = "多选题"
    heading_words = ("不定项", "多项选择", "多选")
    input = "checkbox"

    def warnings(self, question: Checked) -> list[str]:
        if isinstance(question.answer, list) and len(question.answer) == 1:
            return [_("A multiple-choice question with only one correct option; should it be single choice?")]
        return []

    def from_form(self, values: list[str], blanks: int) -> object:
        return sorted(values) or None

    def mark(
        self, key: object, stored: object, score: float, *, partial_credit: bool, case_sensitive: bool
    ) -> float:
        """All or nothing, or with 漏选得分 a share for a correct subset (any wrong option still
        scores 0)."""
        if stored is None:
            return 0.0
        chosen, right = set(stored), set(key)  # type: ignore[call-overload]
        if chosen == right:
            return score
        if partial_credit and chosen and chosen < right:
            return round(score * len(chosen) / len(right), 2)
        return 0.0


class Judge(QuestionType):
    key = "judge"
    label = _l("True/false")
    aliases = ("判断", "判断题", "是非题", "对错题", "judge", "truefalse")
    heading_title = "判断题"
    heading_words = ("判断", "是非", "对错")
    moodle_kind = "truefalse"
    input = "truth"
    template_folder = "judge"

    def answer_text(self, answer: object) -> str:
        return answers.judge_text(bool(answer))

    def statement(self, stem: str, options: list[str], answer: object) -> str:
        # A true statement says it; a false one says the opposite, which is another fact.
        return stem if answer is True else f"{stem}|{answers.judge_text(False)}"

    def parse_answer(self, text: str) -> Answer | None:
        return answers.judge_answer(text)

    def unreadable_answer(self, text: str) -> str:
        return _("“%(answer)s” is neither true nor false (use 对 or 错).", answer=text)

    def errors(self, question: Checked) -> list[str]:
        if not isinstance(question.answer, bool):
            return [_("A true/false question needs 对 or 错 as its answer.")]
        return []

    def warnings(self, question: Checked) -> list[str]:
        if question.stem.strip().rstrip("（）() 　").endswith(_QUESTION_ENDINGS):
            return [_("A true/false stem should be a statement, not a question.")]
        return []

    def from_form(self, values: list[str], blanks: int) -> object:
        return {"true": True, "false": False}.get(values[0] if values else "")

    def to_stored(self, stem: str, option_order: list[int], response: object) -> object:
        if response is not None and not isinstance(response, bool):
            raise _invalid()
        return response


class Blank(QuestionType):
    key = "blank"
    label = _l("Fill in the blank")
    aliases = ("填空", "填空题", "blank", "shortanswer")
    heading_title = "填空题"
    heading_words = ("填空",)
    moodle_kind = "shortanswer"
    input = "text"
    template_folder = "blank"
    has_blanks = True

    def answer_text(self, answer: object) -> str:
        return answers.blank_text(answer)  # type: ignore[arg-type]

    def key_words(self, options: list[str], answer: object) -> list[str]:
        blanks = answer if isinstance(answer, list) else []
        return [accepted[0] for accepted in blanks if isinstance(accepted, list) and accepted]

    def statement(self, stem: str, options: list[str], answer: object) -> str:
        return fill_blanks(stem, self.key_words(options, answer))

    def parse_answer(self, text: str) -> Answer | None:
        return answers.blank_answer(text) or None

    def unreadable_answer(self, text: str) -> str:
        return _("A fill-in question needs at least one accepted answer for every blank.")

    def errors(self, question: Checked) -> list[str]:
        errors = []
        accepted: Sequence[object] = question.answer  # type: ignore[assignment]
        if not accepted or not all(accepted):
            errors.append(_("A fill-in question needs at least one accepted answer for every blank."))
        marks = blank_marks(question.stem)
        if marks and marks != len(accepted):
            errors.append(
                _(
                    "The stem has %(marks)d blanks but the answer gives %(answers)d.",
                    marks=marks,
                    answers=len(accepted),
                )
            )
        return errors

    def blanks(self, stem: str) -> int:
        return max(1, blank_marks(stem))

    def from_form(self, values: list[str], blanks: int) -> object:
        padded = (values + [""] * blanks)[:blanks]
        return padded if any(value.strip() for value in padded) else None

    def to_stored(self, stem: str, option_order: list[int], response: object) -> object:
        if response is None:
            return None
        if (
            not isinstance(response, list)
            or len(response) != self.blanks(stem)
            or not all(isinstance(x, str) and len(x) <= MAX_BLANK_LENGTH for x in response)
        ):
            raise _invalid()
        return response

    def mark(
        self, key: object, stored: object, score: float, *, partial_credit: bool, case_sensitive: bool
    ) -> float:
        """A share of the score for each blank filled with one of its accepted answers."""
        if stored is None:
            return 0.0
        correct = blanks_correct(stored, key, case_sensitive=case_sensitive)  # type: ignore[arg-type]
        return round(score * sum(correct) / len(correct), 2) if correct else 0.0


SINGLE, MULTIPLE, JUDGE, BLANK = ChoiceSingle(), ChoiceMultiple(), Judge(), Blank()
# The only list of types, in the order pages and exports list them.
TYPES: dict[str, QuestionType] = {kind.key: kind for kind in (SINGLE, MULTIPLE, JUDGE, BLANK)}
LABELS: dict[str, LazyString] = {key: kind.label for key, kind in TYPES.items()}
_BY_NAME = {alias: kind for kind in TYPES.values() for alias in kind.aliases}


def get(key: str) -> QuestionType:
    """The type stored as `key`; KeyError for a key no type has."""
    return TYPES[key]


def by_name(text: str) -> QuestionType | None:
    """The type a sheet or document names (单选, 单选题, judge, …), or None."""
    return _BY_NAME.get(answers.fold(text).replace(" ", "").lower())
