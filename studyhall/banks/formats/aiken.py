"""Aiken, the simplest question format Moodle reads: single-choice questions, one line each part.

    The Moodle project was started by:
    A) Petr Skoda
    B) Martin Dougiamas
    ANSWER: B

Reading follows qformat_aiken::readquestions line by line, with its error messages: a line that
is neither an option nor an ANSWER line starts a question; options are a capital letter, then
")" or "." (studyhall also takes the Chinese "、" "．" "）"), then the text; "ANSWER: X" ends the
question (studyhall also takes "ANSWER：x"). Lines shorter than two bytes are skipped, as Moodle
does. Unlike Moodle, an ANSWER that is not exactly one option's letter is an error, and so is a
question left unfinished at the end of the file.

Moodle stores Aiken text HTML-escaped ("&lt;") because it shows it as HTML; studyhall stores plain
text and escapes it on display, so "<" and "&" are kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from studyhall.banks.formats.base import Issue, ParsedQuestion, ParseResult
from studyhall.questions.answers import LETTERS, MAX_OPTIONS, MIN_OPTIONS
from studyhall.questions.types import SINGLE
from studyhall.tabular import FileProblem, decode_text

FORMAT = "aiken"
OPTION_LINE = re.compile(r"[A-Z][).、．）]")
ANSWER_LINE = re.compile(r"ANSWER[:：]")  # the full-width colon is how a Chinese keyboard types it
_LETTER = re.compile(r"([A-Za-z])[).、．）。]?")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class _Open:
    """A question whose ANSWER line has not been read yet."""

    line: int
    stem: str
    options: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading


def parse(data: bytes) -> ParseResult:
    result = ParseResult(format=FORMAT)
    try:
        text = decode_text(data)
    except FileProblem as problem:
        result.errors.append(Issue(str(problem)))
        return result
    question: _Open | None = None
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = raw.strip()
        if len(line.encode("utf-8")) < 2:
            continue
        if not (OPTION_LINE.match(line) or ANSWER_LINE.match(line)):
            if question is not None:
                message = _("Question not completed before next question start on line %(line)d", line=number)
                result.errors.append(Issue(message, line=question.line))
            question = _Open(number, line)
        elif question is None:
            result.errors.append(Issue(_("Question not started on line %(line)d", line=number), line=number))
        elif OPTION_LINE.match(line):
            question.options.append(line[2:].strip())
        else:
            _finish(question, line, number, result)
            question = None
    if question is not None:
        # Moodle drops such a question without a word; studyhall never drops one silently.
        result.errors.append(Issue(_("A question started but not finished"), line=question.line))
    return result


def _finish(question: _Open, answer_line: str, number: int, result: ParseResult) -> None:
    """The ANSWER line on line `number`: the question is complete, or an error at its first line."""
    count = len(question.options)
    letter = _answer_letter(answer_line)
    if MIN_OPTIONS <= count <= MAX_OPTIONS and letter is not None and letter in LETTERS[:count]:
        result.questions.append(
            ParsedQuestion(
                type="single",
                stem=question.stem,
                options=question.options,
                answer=[letter],
                line=question.line,
            )
        )
    else:
        result.errors.append(Issue(_problem(count, answer_line, number), line=question.line))


def _problem(count: int, answer_line: str, number: int) -> str:
    if count < MIN_OPTIONS:
        return _("Question must have at least 2 answers on line %(line)d", line=number)
    if count > MAX_OPTIONS:
        return _(
            "Too many options (%(count)d; at most %(max)d) at line %(line)d",
            count=count,
            max=MAX_OPTIONS,
            line=number,
        )
    # Moodle takes the first character whatever it is: "ANSWER: AC" would become A, and a letter
    # past the options a question without a right answer. A wrong key is worse than an error.
    value = answer_line[len("ANSWER:") :].strip()
    if not value:
        return _("The ANSWER line gives no letter on line %(line)d", line=number)
    return _(
        "The answer %(answer)s is not the letter of one option on line %(line)d", answer=value, line=number
    )


def _answer_letter(answer_line: str) -> str | None:
    """ "ANSWER: B" → "B"; also "b" and "B)". None for anything else, several letters included."""
    match = _LETTER.fullmatch(answer_line[len("ANSWER:") :].strip())
    return match.group(1).upper() if match else None


# ---------------------------------------------------------------- writing


def export(questions: list[ParsedQuestion]) -> bytes:
    """Aiken holds single-choice questions and nothing else (not even comments): the other
    types, and a stem that would read back as an option or an ANSWER line, are left out.
    Line breaks inside a text become spaces."""
    blocks = [_write(question) for question in questions if _writable(question)]
    return ("\n\n".join(blocks) + "\n").encode("utf-8") if blocks else b""


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in _LINE_BREAK.split(text) if part.strip())


def _writable(question: ParsedQuestion) -> bool:
    if question.type != SINGLE.key or not MIN_OPTIONS <= len(question.options) <= MAX_OPTIONS:
        return False
    answer = question.letters()
    if len(answer) != 1 or answer[0] not in LETTERS[: len(question.options)]:
        return False
    stem = _one_line(question.stem)
    return len(stem.encode("utf-8")) >= 2 and not OPTION_LINE.match(stem) and not ANSWER_LINE.match(stem)


def _write(question: ParsedQuestion) -> str:
    lines = [_one_line(question.stem)]
    lines += [f"{LETTERS[index]}) {_one_line(option)}" for index, option in enumerate(question.options)]
    lines.append(f"ANSWER: {question.letters()[0]}")
    return "\n".join(lines)
