"""The numbered plain-text layout Chinese question documents use (.txt here, .docx through docx.py).

    一、单选题
    1. 每年（ ）为全民国家安全教育日。
    A. 3月15日  B. 4月15日  C. 10月1日  D. 12月4日
    答案：B
    解析：《国家安全法》第十四条规定……
    难度：易

A question starts at a numbered line and runs to the next numbered line or section heading. Lines
before the first option continue the stem; options may share a line or have one each; field lines
(答案, 解析, 难度, 知识点, 分值, 出处, 编号, 题型) follow in any order. The spellings people type —
full-width punctuation, 【答案】, "A、B、C", √/× — are all accepted; whatever cannot be read becomes an
Issue whose message names the line, and a question with an error is left out of the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, TypedDict

from flask_babel import gettext as _

from studyhall import tabular
from studyhall.banks.formats import fields
from studyhall.banks.formats.base import (
    Glimpse,
    Issue,
    ParsedQuestion,
    ParseResult,
)
from studyhall.questions import answers, types
from studyhall.questions.answers import LETTERS, MIN_OPTIONS, Answer
from studyhall.questions.types import TypeKey

FORMAT = "text"
BLANK = "____"  # how a blank to fill in is written in a stored stem

# "choice" is a heading or 题型 that says 选择题 without saying single or multiple: the answer decides.
TypeWord = TypeKey | Literal["choice"]
# The generic 选择 comes last: every specific choice name contains it. A heading that names several
# choice types (不定项选择：单选或多选) reads as the widest of them, so multiple choice is looked for first.
_TYPE_KEYWORDS: tuple[tuple[str, TypeWord], ...] = (
    *(
        (word, kind.key)
        for kind in (types.MULTIPLE, types.SINGLE, types.JUDGE, types.BLANK)
        for word in kind.heading_words
    ),
    ("选择", "choice"),
)

_CN_NUMERAL = "[一二三四五六七八九十百千零〇两]+"
_NUMBERED_HEADING = re.compile(
    rf"^(?:第\s*{_CN_NUMERAL}\s*(?:部分|大题|章|节)\s*[、.．:：]?|{_CN_NUMERAL}\s*[、.．]|[(（]\s*{_CN_NUMERAL}\s*[)）])"
    r"\s*(?P<title>.*)$",
    re.S,
)
# A heading without a numeral must be a type name followed by nothing, a space or a bracket, so that
# a stem line such as "判断下列说法……" is not taken for one.
_BARE_HEADING = re.compile(
    r"^(?:(?:单项选择|单选|多项选择|多选|不定项选择|判断|是非|填空)题?|选择题)(?:[\s(（:：].*)?$", re.S
)
_SECTION_SCORE = re.compile(r"每(?:小|道)?题\s*(\d+(?:\.\d+)?)\s*分")

# "1." "1．" "1、" "1)" "1）" "(1)" "（1）" "第1题"; a period followed by a digit is a decimal ("1.5倍").
# At most six digits: int() refuses absurdly long ones, and no bank numbers a millionth question.
_QUESTION = re.compile(
    r"^(?:第\s*(?P<a>\d{1,6})\s*题\s*[.．、:：]?|[(（]\s*(?P<b>\d{1,6})\s*[)）]"
    r"|(?P<c>\d{1,6})\s*(?:[.．](?!\d)|[、)）]))"
    r"\s*(?P<rest>.*)$",
    re.S,
)
_OPTION_START = re.compile(r"^(?:[(（]\s*(?P<a>[A-HＡ-Ｈ])\s*[)）]|(?P<b>[A-HＡ-Ｈ])\s*[.．、)）])")
# Another option on the same line: its marker must follow whitespace ("3月15日  B. 4月15日").
_OPTION_NEXT = re.compile(r"(?<=\s)(?:[(（]\s*(?P<a>[A-HＡ-Ｈ])\s*[)）]|(?P<b>[A-HＡ-Ｈ])[.．、)）])")

_FIELD_NAMES = {
    "答案": "answer",
    "正确答案": "answer",
    "参考答案": "answer",
    "标准答案": "answer",
    "解析": "explanation",
    "答案解析": "explanation",
    "试题解析": "explanation",
    "难度": "difficulty",
    "知识点": "categories",
    "分类": "categories",
    "章节": "categories",
    "分值": "score",
    "分数": "score",
    "出处": "source",
    "来源": "source",
    "编号": "external_id",
    "题型": "type",
}
# Word documents often space out short labels ("答 案："), so spaces may sit between the characters.
_FIELD_KEY = "|".join(
    r"\s*".join(map(re.escape, name)) for name in sorted(_FIELD_NAMES, key=len, reverse=True)
)
_FIELD = re.compile(
    rf"^(?:[【\[]\s*(?P<bracketed>{_FIELD_KEY})\s*[】\]]\s*[:：]?|(?P<plain>{_FIELD_KEY})\s*[:：])\s*(?P<value>.*)$",
    re.S,
)
# A second field on the same line ("答案：B　难度：易"): its label follows whitespace or is bracketed.
_NEXT_FIELD = re.compile(rf"(?<=\s)(?:{_FIELD_KEY})\s*[:：]|[【\[]\s*(?:{_FIELD_KEY})\s*[】\]]")

_BLANK_MARK = re.compile(r"[_＿]{2,}|[(（]\s*[)）]")
_UNDERSCORES = re.compile(r"[_＿]{2,}")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"))


@dataclass(frozen=True)
class _Heading:
    type: TypeWord | None
    score: float | None


@dataclass(frozen=True)
class _Number:
    number: int
    rest: str


@dataclass(frozen=True)
class _Options:
    parts: list[tuple[str, str]]  # (letter, text)


@dataclass(frozen=True)
class _Field:
    key: str
    label: str
    value: str


@dataclass(frozen=True)
class _Fields:
    items: list[_Field]


_Line = _Heading | _Number | _Options | _Fields | None  # None: plain text


@dataclass
class _Draft:
    """A question while its lines are being read."""

    number: int
    line: int
    section_type: TypeWord | None
    section_score: float | None
    stem: list[str] = field(default_factory=list)
    options: list[list[str]] = field(default_factory=list)
    option_lines: list[int] = field(default_factory=list)
    fields: dict[str, tuple[int, str]] = field(default_factory=dict)  # key → (line, value)
    categories: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    options_broken: bool = False  # after one out-of-order letter, report no more for this question
    extends: Literal["stem", "option", "explanation", "nothing"] = "stem"  # what a plain line continues

    def where(self) -> dict[str, object]:
        return {"n": str(self.number), "line": self.line}

    def issue(self, message: str) -> Issue:
        return Issue(message, line=self.line)


# --- parsing -----------------------------------------------------------------------------------


def parse(data: bytes) -> ParseResult:
    """Text file bytes in UTF-8 (with or without BOM), GB18030/GBK, or UTF-16 with a BOM."""
    try:
        content = tabular.decode_text(data)
    except tabular.FileProblem as problem:
        return ParseResult(FORMAT, errors=[Issue(str(problem))])
    return parse_lines(content.splitlines(), FORMAT)


def parse_lines(lines: list[str], format_name: str) -> ParseResult:
    """Read the layout from lines numbered from 1 (a text file's lines, a document's paragraphs)."""
    reader = _Reader(format_name)
    for number, line in enumerate(lines, start=1):
        reader.feed(number, line.translate(_INVISIBLE).strip())
    return reader.finish()


def _classify(text: str) -> _Line:
    if items := _fields(text):
        return _Fields(items)
    if heading := _heading(text):
        return heading
    if match := _QUESTION.match(text):
        return _Number(int(match["a"] or match["b"] or match["c"]), match["rest"].strip())
    if parts := _split_options(text):
        return _Options(parts)
    return None


def _fields(text: str) -> list[_Field]:
    """ "答案：B　难度：易" → two fields; a line that does not start with a label → none."""
    items = []
    rest = text
    while match := _FIELD.match(rest):
        label = re.sub(r"\s+", "", match["bracketed"] or match["plain"])
        value = match["value"]
        following = _NEXT_FIELD.search(value)
        items.append(
            _Field(_FIELD_NAMES[label], label, value[: following.start() if following else None].strip())
        )
        if following is None:
            break
        rest = value[following.start() :]
    return items


def _heading(text: str) -> _Heading | None:
    if match := _NUMBERED_HEADING.match(text):
        title = match["title"]
    elif _BARE_HEADING.match(text):
        title = text
    else:
        return None
    score = _SECTION_SCORE.search(title)
    return _Heading(_type_word(title), fields.score(score[1]) if score else None)


def _type_word(text: str) -> TypeWord | None:
    """The question type a heading or 题型 value names, wherever in the text it says it."""
    for keyword, type_word in _TYPE_KEYWORDS:
        if keyword in text:
            return type_word
    return None


def _split_options(text: str) -> list[tuple[str, str]] | None:
    """ "A. 甲  B. 乙" → [("A", "甲"), ("B", "乙")]. A later marker splits only if it carries the next
    letter, so "A. 维生素 C. 是" stays one option."""
    match = _OPTION_START.match(text)
    if match is None:
        return None
    letter = answers.fold(match["a"] or match["b"])
    rest = text[match.end() :]
    parts = []
    while (following := _next_marker(rest, letter)) is not None:
        parts.append((letter, rest[: following.start()].strip()))
        letter = answers.fold(following["a"] or following["b"])
        rest = rest[following.end() :]
    parts.append((letter, rest.strip()))
    return parts


def _next_marker(rest: str, letter: str) -> re.Match[str] | None:
    index = LETTERS.index(letter) + 1
    if index >= len(LETTERS):
        return None
    for match in _OPTION_NEXT.finditer(rest):
        if answers.fold(match["a"] or match["b"]) == LETTERS[index]:
            return match
    return None


class _Reader:
    """Feeds lines one at a time into drafts and turns each finished draft into a question."""

    def __init__(self, format_name: str) -> None:
        self.result = ParseResult(format_name)
        self.section_type: TypeWord | None = None
        self.section_score: float | None = None
        self.draft: _Draft | None = None
        self.previous_number: int | None = None
        self.heading_since_previous = False

    def feed(self, number: int, text: str) -> None:
        if not text:
            self._blank_line()
            return
        kind = _classify(text)
        if isinstance(kind, _Heading):
            self._heading(kind)
        elif isinstance(kind, _Number):
            self._question(number, kind)
        elif isinstance(kind, _Options):
            self._options(number, kind)
        elif isinstance(kind, _Fields) and self.draft is not None:
            for item in kind.items:
                self._field(self.draft, number, item)
        elif isinstance(kind, _Fields):
            self._ignored(number)
        else:
            self._plain(number, text)

    def finish(self) -> ParseResult:
        self._close()
        if not self.result.questions and not self.result.errors:
            self.result.errors.append(
                Issue(
                    _("No questions found: number each question (1. …) and give it an answer line (答案：…).")
                )
            )
        return self.result

    def _blank_line(self) -> None:
        # An empty line ends a wrapped option or explanation; a stem may have paragraphs until its options.
        if self.draft is not None and self.draft.extends != "stem":
            self.draft.extends = "nothing"

    def _heading(self, heading: _Heading) -> None:
        self._close()
        self.section_type, self.section_score = heading.type, heading.score
        self.heading_since_previous = True

    def _question(self, line: int, number: _Number) -> None:
        self._close()
        previous = self.previous_number
        # Numbering may restart at 1 in each section; any other break in the sequence is suspicious.
        restarted = self.heading_since_previous and number.number == 1
        if previous is not None and number.number != previous + 1 and not restarted:
            message = _(
                "Question %(n)s at line %(line)d follows question %(previous)s; "
                "is a question missing or misnumbered?",
                n=str(number.number),
                line=line,
                previous=str(previous),
            )
            self.result.warnings.append(Issue(message, line=line))
        self.previous_number, self.heading_since_previous = number.number, False
        self.draft = _Draft(number.number, line, self.section_type, self.section_score)
        if number.rest:
            self.draft.stem.append(number.rest)

    def _options(self, line: int, options: _Options) -> None:
        draft = self.draft
        if draft is None:
            message = _("Line %(line)d is an option, but no numbered question comes before it.", line=line)
            self.result.errors.append(Issue(message, line=line))
            return
        if "answer" in draft.fields:
            at = draft.fields["answer"][0]
            message = _(
                "Question %(n)s at line %(line)d: the option on line %(at)d comes after the answer on line "
                "%(answer_line)d.",
                **draft.where(),
                at=line,
                answer_line=at,
            )
            draft.errors.append(draft.issue(message))
            draft.extends = "nothing"
            return
        for letter, text in options.parts:
            self._option(draft, line, letter, text)
        draft.extends = "option"

    def _option(self, draft: _Draft, line: int, letter: str, text: str) -> None:
        if draft.options_broken:
            return
        expected = LETTERS[len(draft.options)] if len(draft.options) < len(LETTERS) else None
        if letter != expected:
            message = _(
                "Question %(n)s at line %(line)d: option %(letter)s on line %(at)d is out of order; "
                "expected %(expected)s.",
                **draft.where(),
                letter=letter,
                at=line,
                expected=expected or "-",
            )
            draft.errors.append(draft.issue(message))
            draft.options_broken = True
            return
        draft.options.append([text] if text else [])
        draft.option_lines.append(line)

    def _field(self, draft: _Draft, line: int, item: _Field) -> None:
        draft.extends = "nothing"
        if item.key == "categories":
            draft.categories.extend(fields.categories(item.value))
        elif item.key == "explanation":
            # A second 解析 line adds to the first, as a wrapped explanation would.
            draft.explanation.append(item.value)
            draft.extends = "explanation"
        elif item.key in draft.fields:
            message = _(
                "Question %(n)s at line %(line)d: %(field)s is given twice, "
                "on lines %(first)d and %(second)d.",
                **draft.where(),
                field=item.label,
                first=draft.fields[item.key][0],
                second=line,
            )
            draft.errors.append(draft.issue(message))
        else:
            draft.fields[item.key] = (line, item.value)

    def _plain(self, line: int, text: str) -> None:
        draft = self.draft
        if draft is None or draft.extends == "nothing":
            self._ignored(line)
        elif draft.extends == "stem":
            draft.stem.append(text)
        elif draft.extends == "option" and draft.options:
            draft.options[-1].append(text)
        elif draft.extends == "explanation":
            draft.explanation.append(text)
        else:  # an option line that was refused: its wrapped text goes with it
            self._ignored(line)

    def _ignored(self, line: int) -> None:
        message = _(
            "Line %(line)d was ignored: it is not a heading and not part of a numbered question.", line=line
        )
        self.result.warnings.append(Issue(message, line=line))

    def _close(self) -> None:
        if self.draft is not None:
            _build(self.draft, self.result)
            self.draft = None


# --- turning a draft into a question -----------------------------------------------------------


def _build(draft: _Draft, result: ParseResult) -> None:
    errors = list(draft.errors)
    stem = "\n".join(draft.stem).strip()
    if not stem:
        errors.append(
            draft.issue(_("Question %(n)s at line %(line)d has no question text.", **draft.where()))
        )
    options = _option_texts(draft, errors)
    declared = _declared_type(draft, errors)
    details = _details(draft, errors)
    resolved = None
    if "answer" not in draft.fields:
        errors.append(draft.issue(_("Question %(n)s at line %(line)d has no answer line", **draft.where())))
    elif not draft.options_broken:  # the out-of-order option already explains what is wrong
        resolved = _resolve(draft, stem, options, declared, errors, result.warnings)
    result.errors.extend(errors)
    if errors:
        result.glimpses[draft.line] = Glimpse("" if declared in (None, "choice") else str(declared), stem)
    if errors or resolved is None:
        return
    question_type, answer, options = resolved
    if types.get(question_type).has_blanks:
        stem = _BLANK_MARK.sub(BLANK, stem)
    result.questions.append(
        ParsedQuestion(
            type=question_type, stem=stem, answer=answer, options=options, line=draft.line, **details
        )
    )


def _option_texts(draft: _Draft, errors: list[Issue]) -> list[str]:
    texts = ["\n".join(lines).strip() for lines in draft.options]
    for letter, text, line in zip(LETTERS, texts, draft.option_lines, strict=False):
        if not text:
            message = _(
                "Question %(n)s at line %(line)d: option %(letter)s on line %(at)d is empty.",
                **draft.where(),
                letter=letter,
                at=line,
            )
            errors.append(draft.issue(message))
    return texts


def _declared_type(draft: _Draft, errors: list[Issue]) -> TypeWord | None:
    """The type a 题型 line gives, else the section heading's; None or "choice" leave it to the answer."""
    if "type" not in draft.fields:
        return draft.section_type
    line, value = draft.fields["type"]
    if not value:
        return draft.section_type
    named = types.by_name(value)
    declared = named.key if named is not None else _type_word(value)
    if declared is None:
        message = _(
            "Question %(n)s at line %(line)d: unknown question type %(value)s on line %(at)d "
            "(use 单选, 多选, 判断 or 填空).",
            **draft.where(),
            value=value,
            at=line,
        )
        errors.append(draft.issue(message))
    return declared


_Resolved = tuple[TypeKey, Answer, list[str]]


def _resolve(
    draft: _Draft,
    stem: str,
    options: list[str],
    declared: TypeWord | None,
    errors: list[Issue],
    warnings: list[Issue],
) -> _Resolved | None:
    """Read the answer line as the declared (or inferred) type demands: type, answer, options."""
    at, value = draft.fields["answer"]
    if not value:
        message = _(
            "Question %(n)s at line %(line)d: the answer on line %(at)d is empty.", **draft.where(), at=at
        )
        errors.append(draft.issue(message))
        return None
    kind = types.get(_infer(stem, options, value, declared))
    if kind.has_options:
        return _choice(draft, kind.key, options, value, at, errors, warnings)
    if kind.has_blanks:
        return _blank(draft, options, value, at, errors)
    return _judge(draft, options, value, at, errors)


def _infer(stem: str, options: list[str], value: str, declared: TypeWord | None) -> TypeKey:
    if declared is not None and declared != "choice":
        return declared
    letters = _letters(value)
    if options:
        judge_options = all(answers.judge_answer(option) is not None for option in options)
        if declared is None and letters is None and judge_options and _judge_word(value) is not None:
            return "judge"  # 判断 written as A. 正确 B. 错误 with the answer as a word
        return "multiple" if letters is not None and len(letters) > 1 else "single"
    if declared == "choice":
        return "single"  # reported as a choice question without options
    if _UNDERSCORES.search(stem):
        return "blank"  # underscores say fill in, even if the answer is 是 or 对
    if _judge_word(value) is not None:
        return "judge"
    return "single" if letters is not None else "blank"


def _letters(value: str) -> list[str] | None:
    return answers.answer_letters(value.strip().rstrip("。."))


def _judge_word(value: str) -> bool | None:
    """Like answers.judge_answer, but without the digits 1/0: without a heading, an answer "1" is a
    number to fill in more likely than a truth value."""
    if answers.fold(value).isdigit():
        return None
    return answers.judge_answer(value)


def _choice(
    draft: _Draft,
    question_type: TypeKey,
    options: list[str],
    value: str,
    at: int,
    errors: list[Issue],
    warnings: list[Issue],
) -> _Resolved | None:
    where = {**draft.where(), "at": at, "answer": value}
    if not options:
        message = _(
            "Question %(n)s at line %(line)d is a choice question but has no option lines (A. … B. …).",
            **draft.where(),
        )
        errors.append(draft.issue(message))
        return None
    if len(options) < MIN_OPTIONS:
        message = _(
            "Question %(n)s at line %(line)d has only %(count)d option; "
            "a choice question needs at least %(min)d.",
            **draft.where(),
            count=len(options),
            min=MIN_OPTIONS,
        )
        errors.append(draft.issue(message))
        return None
    letters = _letters(value)
    if letters is None:
        message = _(
            "Question %(n)s at line %(line)d: the answer %(answer)s on line %(at)d is not option letters "
            "(e.g. B or ACD).",
            **where,
        )
        errors.append(draft.issue(message))
        return None
    missing = [letter for letter in letters if LETTERS.index(letter) >= len(options)]
    if missing:
        message = _(
            "Question %(n)s at line %(line)d: the answer on line %(at)d names option %(letter)s, but the "
            "question has only %(count)d options.",
            **where,
            letter=missing[0],
            count=len(options),
        )
        errors.append(draft.issue(message))
        return None
    if question_type == types.SINGLE.key and len(letters) > 1:
        # Documents often leave a few multiple-choice questions under 单选题; the answer is the better
        # witness, but the person should know.
        message = _(
            "Question %(n)s at line %(line)d is marked single choice, but the answer %(answer)s on line "
            "%(at)d names %(count)d options; it was read as multiple choice.",
            **where,
            count=len(letters),
        )
        warnings.append(draft.issue(message))
        question_type = types.MULTIPLE.key
    return question_type, letters, options


def _judge(draft: _Draft, options: list[str], value: str, at: int, errors: list[Issue]) -> _Resolved | None:
    truth = answers.judge_answer(value)
    letters = _letters(value) if truth is None else None
    if letters is not None and len(letters) == 1 and LETTERS.index(letters[0]) < len(options):
        # 判断题 laid out as A. 正确 B. 错误 with the answer "A": the option's word is the answer.
        truth = answers.judge_answer(options[LETTERS.index(letters[0])])
    if truth is None:
        message = _(
            "Question %(n)s at line %(line)d is true/false, "
            "but the answer %(answer)s on line %(at)d is neither true nor false (use 正确 or 错误).",
            **draft.where(),
            answer=value,
            at=at,
        )
        errors.append(draft.issue(message))
        return None
    return "judge", truth, []


def _blank(draft: _Draft, options: list[str], value: str, at: int, errors: list[Issue]) -> _Resolved | None:
    # Whether the answers match the stem's blanks is lint's rule (banks/lint.py), the same for every format.
    if options:
        message = _("Question %(n)s at line %(line)d is fill-in-the-blank but has options.", **draft.where())
        errors.append(draft.issue(message))
        return None
    blanks = answers.blank_answer(value)
    if not blanks:
        message = _(
            "Question %(n)s at line %(line)d: the answer on line %(at)d is empty.", **draft.where(), at=at
        )
        errors.append(draft.issue(message))
        return None
    return "blank", blanks, []


class _Details(TypedDict):
    explanation: str
    categories: list[str]
    difficulty: int | None
    score: float | None
    source: str
    external_id: str


def _details(draft: _Draft, errors: list[Issue]) -> _Details:
    """Everything but type, stem, options and answer, as ParsedQuestion keywords."""
    return {
        "explanation": "\n".join(draft.explanation).strip(),
        "categories": list(dict.fromkeys(draft.categories)),
        "difficulty": _difficulty_field(draft, errors),
        "score": _score_field(draft, errors),
        "source": draft.fields.get("source", (0, ""))[1],
        "external_id": draft.fields.get("external_id", (0, ""))[1],
    }


def _difficulty_field(draft: _Draft, errors: list[Issue]) -> int | None:
    at, value = draft.fields.get("difficulty", (0, ""))
    if not value:  # an empty 难度： left in a template means "not given"
        return None
    level = fields.difficulty(value)
    if level is None:
        message = _(
            "Question %(n)s at line %(line)d: unknown difficulty %(value)s on line %(at)d "
            "(use 1–5 or 易/中/难).",
            **draft.where(),
            value=value,
            at=at,
        )
        errors.append(draft.issue(message))
    return level


def _score_field(draft: _Draft, errors: list[Issue]) -> float | None:
    at, value = draft.fields.get("score", (0, ""))
    if not value:
        return draft.section_score  # 每题2分 in the section heading
    score = fields.score(value.removesuffix("分"))
    if score is None:
        message = _(
            "Question %(n)s at line %(line)d: the score %(value)s on line %(at)d is not a positive number.",
            **draft.where(),
            value=value,
            at=at,
        )
        errors.append(draft.issue(message))
    return score


# --- export --------------------------------------------------------------------------------------


def export(questions: list[ParsedQuestion]) -> bytes:
    return ("\n".join(export_lines(questions)) + "\n").encode("utf-8")


def export_lines(questions: list[ParsedQuestion]) -> list[str]:
    """The layout as lines: a heading whenever the type changes, questions numbered 1… throughout."""
    lines: list[str] = []
    sections = 0
    previous_type: TypeKey | None = None
    for number, question in enumerate(questions, start=1):
        if question.type != previous_type:
            sections += 1
            if lines:
                lines.append("")
            lines.append(_heading_line(sections, question.type))
            previous_type = question.type
        lines.append("")
        lines.extend(_question_lines(number, question))
    return lines


def _heading_line(index: int, question_type: TypeKey) -> str:
    numeral = chinese_numeral(index)
    title = types.get(question_type).heading_title
    # Beyond 9999 sections there is no Chinese numeral; a bare type name is a heading too.
    return f"{numeral}、{title}" if numeral != str(index) else title


def _question_lines(number: int, question: ParsedQuestion) -> list[str]:
    stem = _paragraph_lines(question.stem)
    lines = [f"{number}. {stem[0] if stem else ''}".rstrip(), *stem[1:]]
    if types.get(question.type).has_options:
        for letter, option in zip(LETTERS, question.options, strict=False):
            text = _paragraph_lines(option)
            lines.append(f"{letter}. {text[0] if text else ''}".rstrip())
            lines.extend(text[1:])
    lines.append(f"答案：{types.get(question.type).answer_text(question.answer)}")
    if explanation := _paragraph_lines(question.explanation):
        lines.append(f"解析：{explanation[0]}")
        lines.extend(explanation[1:])
    if question.difficulty is not None:
        lines.append(f"难度：{question.difficulty}")
    if question.categories:
        lines.append(f"知识点：{'；'.join(question.categories)}")
    if question.score is not None:
        lines.append(f"分值：{_number_text(question.score)}")
    for label, value in (("出处", question.source), ("编号", question.external_id)):
        if value:
            lines.append(f"{label}：{' '.join(_paragraph_lines(value))}")
    return lines


def _paragraph_lines(text: str) -> list[str]:
    # Empty lines would end a wrapped option or explanation when read back, so they are dropped.
    return [line.strip() for line in text.splitlines() if line.strip()]


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五, as sections are numbered; outside 1–9999, digits."""
    if not 0 < number < 10000:
        return str(number)
    digits = "零一二三四五六七八九"
    parts: list[str] = []
    zero_pending = False
    for value, unit in zip(
        (number // 1000, number // 100 % 10, number // 10 % 10, number % 10),
        ("千", "百", "十", ""),
        strict=True,
    ):
        if value == 0:
            zero_pending = bool(parts)  # a gap between digits is read 零 (一百零五)
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        parts.append(digits[value] + unit)
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text  # 十五, not 一十五
