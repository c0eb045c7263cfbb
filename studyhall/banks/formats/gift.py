"""GIFT, the plain-text question format of Moodle, read and written by Moodle's own rules.

Reading follows qformat_gift (question/format/gift/format.php): questions are blocks separated
by blank lines; `//` lines are comments; `::name::` names a question; `{...}` holds the answers
and decides the type the way Moodle does:

    {}                       essay        → not imported (warning)
    {#...}                   numerical    → not imported (warning)
    {... ~ ...}              multichoice  → single (one `=` answer) or multiple (no `=`: the
                                            options with a positive `%weight%` are correct)
    {=a -> b ...}            matching     → not imported (warning)
    {T} {TRUE} {F} {FALSE}   truefalse    → judge
    {=a =b}                  shortanswer  → blank with one blank: the answers at 100%
    no braces at all         description  → not imported (warning)

Text after the closing `}` makes a missing-word question: the answers' place in the stem
becomes the blank `____`. `$CATEGORY: $course$/A/B` puts the questions after it in "A/B".
Where studyhall differs from Moodle, the function that does it says why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask_babel import gettext as _

from studyhall.banks.formats.base import (
    Issue,
    ParsedQuestion,
    ParseResult,
    html_to_text,
)
from studyhall.questions import types
from studyhall.questions.answers import LETTERS, MAX_OPTIONS
from studyhall.tabular import FileProblem, decode_text

FORMAT = "gift"
BLANK = "____"  # studyhall's blank mark; Moodle writes five underscores
TEXT_FORMATS = ("moodle", "html", "plain", "markdown")
CONTEXTS = ("$course$", "$module$", "$system$", "$cat$")
TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}

# Escaped control characters are swapped for Unicode noncharacters while a block is taken apart
# (Moodle swaps them for "&&058;" and the like), so `str.find` sees only the live ones.
_ESCAPABLE = ":#={}~n"
_PLACEHOLDERS = {char: chr(0xFDD0 + index) for index, char in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans({held: ("\n" if char == "n" else char) for char, held in _PLACEHOLDERS.items()})
_NONCHARACTERS = str.maketrans({held: "\ufffd" for held in _PLACEHOLDERS.values()})
_ESCAPE = re.compile(r"\\([\\" + re.escape(_ESCAPABLE) + "])")
_WEIGHT = re.compile(r"%(-*)(\d{1,2}\.?\d*)%")  # Moodle's $giftanswerweightregex
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_UNDERSCORES = re.compile(r"_{2,}")
_BLANK_MARKS = re.compile(r"_{2,}|（\s*）|\(\s*\)")  # as studyhall.questions.matching counts blanks


class _Broken(Exception):
    """A block that cannot be read: reported as an error at the block's line."""


class _Unsupported(Exception):
    """A question of a type studyhall does not hold: reported as a warning, never dropped."""


@dataclass(frozen=True)
class _Text:
    format: str
    text: str  # escapes undone, trimmed, still in its format

    @property
    def plain(self) -> str:
        return _html_text(self.text) if self.format == "html" else self.text


@dataclass(frozen=True)
class _Answer:
    weight: float  # percent, as written; `=` is 100
    text: _Text
    feedback: _Text


# ---------------------------------------------------------------- reading


def parse(data: bytes) -> ParseResult:
    result = ParseResult(format=FORMAT)
    try:
        text = decode_text(data).translate(_NONCHARACTERS)
    except FileProblem as problem:
        result.errors.append(Issue(str(problem)))
        return result
    categories: list[str] = []
    for block in _blocks(text):
        categories = _read_block(block, categories, result)
    return result


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Blank lines end a question (qformat_default::readquestions); comment lines are left out.
    Each line keeps its 1-based number."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        line = line.strip()
        if not line:
            if block:
                yield block
            block = []
        elif not line.startswith("//"):
            block.append((number, line))
    if block:
        yield block


def _read_block(block: list[tuple[int, str]], categories: list[str], result: ParseResult) -> list[str]:
    """Read one block into `result`; return the categories in force after it."""
    first_line = block[0][1]
    if first_line.startswith("$CATEGORY:"):
        categories = _category(first_line.removeprefix("$CATEGORY:"))
        # Moodle takes the whole block as the category name, swallowing a question written
        # right under it without a blank line; studyhall reads that question instead.
        block = block[1:]
        if not block:
            return categories
    line = block[0][0]
    try:
        question = _question(_hide_escapes("\n".join(text for _, text in block)), line, result.warnings)
    except _Unsupported as unsupported:
        message = _(
            "Not imported: unsupported question type %(type)s at line %(line)d",
            type=str(unsupported),
            line=line,
        )
        result.warnings.append(Issue(message, line=line))
    except _Broken as broken:
        result.errors.append(Issue(str(broken), line=line))
    else:
        question.categories = list(categories)
        result.questions.append(question)
    return categories


def _category(raw: str) -> list[str]:
    """ "$course$/top/A/B" → ["A/B"]: the context and Moodle's "top" say where the category
    lives in Moodle, which means nothing in studyhall. No path left → no category."""
    parts = _unescape(_hide_escapes(raw)).strip().split("/")
    if parts[0].strip() in CONTEXTS:
        parts = parts[1:]
    if parts and parts[0].strip() == "top":
        parts = parts[1:]
    path = "/".join(parts).strip()
    return [path] if path else []


def _question(text: str, line: int, warnings: list[Issue]) -> ParsedQuestion:
    """One question block, its escapes already hidden."""
    name, text = _split_name(text)
    before, answer_text, after = _split_answers(text, line)
    # Moodle: text after the closing brace makes it a missing-word question.
    stem = _text(before + BLANK + after if after else before)
    answer_text, general_feedback = _split_general_feedback(answer_text)
    explanation = _text(general_feedback, stem.format).plain
    kind = _moodle_type(answer_text)
    if kind == "multichoice":
        question = _choice(answer_text, stem.format, line, warnings)
    elif kind == "truefalse":
        question = _judge(answer_text, stem.format)
    elif kind == "shortanswer":
        question = _short_answer(answer_text, line, warnings)
    else:
        raise _Unsupported(kind)
    question.stem = stem.plain
    question.external_id = name
    question.line = line
    if explanation:
        question.explanation = explanation
    return question


def _split_name(text: str) -> tuple[str, str]:
    """ "::name::text" → (name, text). Like Moodle, an unclosed "::" is dropped and the text kept."""
    if not text.startswith("::"):
        return "", text
    text = text[2:]
    end = text.find("::")
    if end == -1:
        return "", text
    return _unescape(text[:end]).strip(), text[end + 2 :].strip()


def _split_answers(text: str, line: int) -> tuple[str, str, str]:
    """(text before "{", the answers, text after "}"). Moodle reads the first "{" to the first
    "}" and leaves any further braces in the stem; studyhall calls that a broken block, since
    such a stem would show raw GIFT to the cadres."""
    start, finish = text.find("{"), text.find("}")
    if start == -1 and finish == -1:
        raise _Unsupported("description")
    if start == -1 or finish < start:
        raise _Broken(_("Could not find a matching { } pair around the answers at line %(line)d", line=line))
    answers, after = text[start + 1 : finish], text[finish + 1 :]
    if "{" in answers or "{" in after or "}" in after:
        raise _Broken(_("A question can have only one { } answer block (line %(line)d)", line=line))
    return text[:start], answers.strip(), after


def _split_general_feedback(answer_text: str) -> tuple[str, str]:
    end = answer_text.rfind("####")
    if end == -1:
        return answer_text, ""
    return answer_text[:end].strip(), answer_text[end + 4 :]


def _moodle_type(answer_text: str) -> str:
    """The type Moodle gives an answer block, tested in Moodle's order."""
    if not answer_text:
        return "essay"
    if answer_text.startswith("#"):
        return "numerical"
    if "~" in answer_text:
        return "multichoice"
    if "=" in answer_text and "->" in answer_text:
        return "matching"
    answer = answer_text.split("#", 1)[0].strip()
    return "truefalse" if answer in TRUE_FALSE else "shortanswer"


def _choice(answer_text: str, text_format: str, line: int, warnings: list[Issue]) -> ParsedQuestion:
    """Moodle: an `=` anywhere makes a one-answer question; without one, several options may be
    right and each carries a `%weight%`."""
    single = "=" in answer_text
    parts = answer_text.replace("=", "~=").split("~")
    if not parts[0].strip():
        parts = parts[1:]
    if len(parts) < 2:
        raise _Broken(_("A choice question needs at least 2 options (line %(line)d)", line=line))
    if len(parts) > MAX_OPTIONS:
        message = _(
            "Too many options (%(count)d; at most %(max)d) at line %(line)d",
            count=len(parts),
            max=MAX_OPTIONS,
            line=line,
        )
        raise _Broken(message)
    answers = [_choice_answer(part, text_format) for part in parts]
    correct = _single_key(answers, line, warnings) if single else _multiple_key(answers, line, warnings)
    if not correct:
        raise _Broken(_("No option is marked right at line %(line)d", line=line))
    return ParsedQuestion(
        type="single" if single else "multiple",
        stem="",
        options=[answer.text.plain for answer in answers],
        answer=[LETTERS[index] for index in correct],
        explanation=_joined(answers[index].feedback.plain for index in correct),
    )


def _single_key(answers: list[_Answer], line: int, warnings: list[Issue]) -> list[int]:
    """The fully right option. Moodle also gives credit for partly right ones; studyhall cannot."""
    correct = [index for index, answer in enumerate(answers) if answer.weight >= 100]
    if len(correct) > 1:
        message = _(
            "Several options are marked fully right at line %(line)d; a single-choice question has one",
            line=line,
        )
        raise _Broken(message)
    partial = [answer.text.plain for answer in answers if 0 < answer.weight < 100]
    if partial:
        message = _(
            "Options with partial credit are counted as wrong at line %(line)d: %(answers)s",
            line=line,
            answers=", ".join(partial),
        )
        warnings.append(Issue(message, line=line))
    return correct


def _multiple_key(answers: list[_Answer], line: int, warnings: list[Issue]) -> list[int]:
    """Every option with a positive weight. Moodle warns when they do not add up to 100%."""
    correct = [index for index, answer in enumerate(answers) if answer.weight > 0]
    total = sum(answers[index].weight for index in correct)
    if correct and abs(total - 100) >= 0.5:  # Moodle rounds the sum to 1% before it complains
        message = _(
            "The weights of the right options add up to %(total)s%%, not 100%%, at line %(line)d",
            total=f"{total:g}",
            line=line,
        )
        warnings.append(Issue(message, line=line))
    return correct


def _choice_answer(part: str, text_format: str) -> _Answer:
    part = part.strip()
    if part.startswith("="):
        weight, part = 100.0, part[1:]  # like Moodle, no %weight% is read after "="
    else:
        weight, part = _weight(part, default=0.0)
    answer, _sep, feedback = part.partition("#")
    return _Answer(weight, _text(answer, text_format), _text(feedback, text_format))


def _judge(answer_text: str, text_format: str) -> ParsedQuestion:
    """{FALSE#feedback for a wrong response#feedback for a right one}. The first feedback is
    the one that explains the answer, so it is the explanation when there is no general one."""
    answer, *feedbacks = answer_text.split("#", 2)
    explanation = next((text for text in (_text(f, text_format).plain for f in feedbacks) if text), "")
    return ParsedQuestion(type="judge", stem="", answer=TRUE_FALSE[answer.strip()], explanation=explanation)


def _short_answer(answer_text: str, line: int, warnings: list[Issue]) -> ParsedQuestion:
    """One blank. Only the 100% answers are accepted strings; studyhall has no partial credit
    and no wildcards, so those answers are named in a warning. A 0% answer without a wildcard
    is a wrong answer with feedback: it has nothing to keep."""
    parts = answer_text.split("=")
    if not parts[0].strip():
        parts = parts[1:]
    accepted: list[str] = []
    feedbacks: list[str] = []
    partial: list[str] = []
    wildcards: list[str] = []
    for part in parts:
        weight, part = _weight(part.strip(), default=100.0)
        raw_answer, _sep, raw_feedback = part.partition("#")
        # Moodle keeps a short answer's text as written, whatever the question's format.
        written = _text(raw_answer, "moodle").text
        answer = _without_wildcards(written)
        if answer is None:
            wildcards.append(written)
        elif weight >= 100 and answer:
            if answer not in accepted:
                accepted.append(answer)
            feedbacks.append(_text(raw_feedback, "moodle").text)
        elif 0 < weight < 100:
            partial.append(answer)
    if partial:
        message = _(
            "Answers with partial credit are not kept at line %(line)d: %(answers)s",
            line=line,
            answers=", ".join(partial),
        )
        warnings.append(Issue(message, line=line))
    if wildcards:
        message = _(
            "Wildcard answers are ignored at line %(line)d: %(answers)s",
            line=line,
            answers=", ".join(wildcards),
        )
        warnings.append(Issue(message, line=line))
    if not accepted:
        raise _Broken(_("No answer with 100%% credit at line %(line)d", line=line))
    return ParsedQuestion(type="blank", stem="", answer=[accepted], explanation=_joined(feedbacks))


def _without_wildcards(text: str) -> str | None:
    """Moodle's short answers read "*" as "any text" and "\\*" as a star; None if the answer
    has a wildcard."""
    chars: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("\\*", index):
            chars.append("*")
            index += 2
            continue
        if text[index] == "*":
            return None
        chars.append(text[index])
        index += 1
    return "".join(chars)


def _weight(part: str, *, default: float) -> tuple[float, str]:
    """ "%-50%text" → (-50.0, "text"); without a weight, (default, part)."""
    match = _WEIGHT.match(part)
    if match is None:
        return default, part
    value = float(match.group(2))
    return (-value if match.group(1) else value), part[match.end() :]


def _text(raw: str, default_format: str = "moodle") -> _Text:
    """Moodle's parse_text_with_format: a leading [html], [moodle], [plain] or [markdown] sets the
    text's format; any other [word] is part of the text."""
    text_format = default_format
    if raw.startswith("["):
        end = raw.find("]")
        if end > 0 and raw[1:end] in TEXT_FORMATS:
            text_format, raw = raw[1:end], raw[end + 1 :]
    return _Text(text_format, _unescape(raw).strip())


def _html_text(markup: str) -> str:
    # html_to_text lets the standard library's parser raise AssertionError on some malformed
    # "<![" sections; a parser must never raise, so such text is kept as written.
    try:
        return html_to_text(markup)
    except AssertionError:
        return markup.strip()


def _joined(texts: Iterable[str]) -> str:
    unique: list[str] = []
    for text in texts:
        if text and text not in unique:
            unique.append(text)
    return "\n".join(unique)


def _hide_escapes(text: str) -> str:
    r"""\: \# \= \{ \} \~ become placeholders, \n a newline-to-be, \\ a backslash (Moodle's
    escapedchar_pre, done in one pass so "\\=" is a backslash then a live "=")."""

    def hide(match: re.Match[str]) -> str:
        char = match.group(1)
        return "\\" if char == "\\" else _PLACEHOLDERS[char]

    return _ESCAPE.sub(hide, text)


def _unescape(text: str) -> str:
    return text.translate(_RESTORE)


# ---------------------------------------------------------------- writing


def export(questions: list[ParsedQuestion]) -> bytes:
    """GIFT that Moodle and `parse` read back. What GIFT cannot hold (a fill-in question with
    several blanks) is left out with a `//` comment saying so; difficulty, score, source and case
    sensitivity have no place in GIFT and are not written."""
    blocks: list[str] = []
    current: list[str] = []
    for question in questions:
        skipped = _skip_reason(question)
        if skipped:
            blocks.append("// " + " ".join(skipped.split()))
            continue
        wanted = question.categories[:1]
        if wanted != current:
            # "$course$/top" is the course's top category: back to "no category".
            blocks.append("$CATEGORY: $course$/" + (_escape(wanted[0]) if wanted else "top"))
            current = wanted
        if len(question.categories) > 1:
            others = " ".join(", ".join(question.categories[1:]).split())
            blocks.append("// " + _("Other categories not kept: %(names)s", names=others))
        blocks.append(_write_question(question))
    return ("\n\n".join(blocks) + "\n").encode("utf-8") if blocks else b""


def _skip_reason(question: ParsedQuestion) -> str | None:
    if not types.get(question.type).has_blanks:
        return None
    blanks = question.blanks()
    stem = question.stem[:40]
    if len(blanks) != 1:
        return _(
            "Skipped: GIFT holds one blank, this fill-in question has %(count)d: %(stem)s",
            count=len(blanks),
            stem=stem,
        )
    if any("->" in accepted for accepted in blanks[0]):
        return _('Skipped: an answer with "->" would read as a matching question: %(stem)s', stem=stem)
    return None


def _write_question(question: ParsedQuestion) -> str:
    name = f"::{_escape(question.external_id)}::" if question.external_id.strip() else ""
    stem = _escape_text(question.stem)
    general = f"####{_escape_text(question.explanation)}" if question.explanation.strip() else ""
    if question.type == types.JUDGE.key:
        return f"{name}{stem}{{{'TRUE' if question.answer else 'FALSE'}{general}}}"
    general_line = f"\t{general}\n" if general else ""
    if question.type == types.BLANK.key:
        return _write_blank(question, name, general_line)
    options = "".join(
        f"\t{_choice_prefix(question, index, option)}{_escape_text(option)}\n"
        for index, option in enumerate(question.options)
    )
    return f"{name}{stem}{{\n{options}{general_line}}}"


def _choice_prefix(question: ParsedQuestion, index: int, option: str) -> str:
    """ "=" for the one right option of a single choice; "~%w%" for each right option of a
    multiple choice, the weights adding up to 100; "~" for a wrong one."""
    correct = question.letters()
    if LETTERS[index] not in correct:
        # A wrong option that itself starts like a weight would lose its start when read back.
        return "~%0%" if _WEIGHT.match(option.strip()) else "~"
    if question.type == types.SINGLE.key:
        return "="
    return f"~%{_percent(100 / len(correct))}%"


def _percent(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")  # 50, 33.33333, 12.5: Moodle's grade list


def _write_blank(question: ParsedQuestion, name: str, general_line: str) -> str:
    accepted = question.blanks()[0]
    answers = "".join(f"\t={_write_accepted(text)}\n" for text in accepted)
    block = f"{{\n{answers}{general_line}}}"
    stem = _escape_text(question.stem)
    marks = list(_UNDERSCORES.finditer(stem))
    # One blank mark with text after it: a missing-word question, the answers in the blank's
    # place. A blank at the very end cannot be written so (Moodle would see no text after "}").
    if len(marks) == 1 and len(_BLANK_MARKS.findall(question.stem)) == 1 and stem[marks[0].end() :].strip():
        return f"{name}{stem[: marks[0].start()]}{block}{stem[marks[0].end() :]}"
    return f"{name}{stem}{block}"


def _write_accepted(text: str) -> str:
    """A star is a wildcard in Moodle's short answers unless escaped; a text that starts like a
    %weight% gets an explicit 100% so its start is not read as one."""
    written = _escape_text(text.replace("*", "\\*"))
    return "%100%" + written if _WEIGHT.match(written) else written


def _escape(text: str) -> str:
    """Moodle's repchar: control characters escaped, line breaks written as \\n."""
    text = text.replace("\\", "\\\\")
    for char in "#=~{}:":
        text = text.replace(char, "\\" + char)
    return _LINE_BREAK.sub("\\\\n", text)


def _escape_text(text: str) -> str:
    """A text that a reader must not mistake for a [format] tag or, at the start of a line, for
    a comment: such text is marked [moodle], the format the reader assumes anyway."""
    escaped = _escape(text.strip())
    return "[moodle]" + escaped if escaped.startswith(("[", "//")) else escaped
