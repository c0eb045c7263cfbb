"""Questions that ask the same thing in other words: 宪法知识's "根据宪法，……进入紧急状态的是" and
国家安全知识's "根据国家安全法，……进入紧急状态的是" both keyed 国务院.

Practice and a test's review hold back what a test under way may ask; a twin's key answers it just
as well, so it is held back with it. Two questions are twins when their stems, less the "根据……，"
that says where the rule stands, together with their keys' words nearly coincide.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from studyhall.banks.models import Question, QuestionTwin
from studyhall.questions import similar, types
from studyhall.questions.answers import LETTERS, Answer
from studyhall.questions.matching import comparable_text

TWIN_SIMILARITY = 0.7  # the shipped banks' cross-bank pairs score 0.71–1.0; the closest others 0.66
_WHERE_FROM = re.compile(r"^\s*(?:根据|依照|依据|按照)[^，,：:。]{1,40}?[，,：:]")

Row = tuple[str, str, str, list[str], Answer]  # lineage, type, stem, options, answer


def fact_text(type_key: str, stem: str, options: list[str], answer: Answer) -> str:
    """What a question asks and what answers it, in comparable form."""
    kind = types.get(type_key)
    if kind.has_options:  # the chosen options' words: another bank orders its options otherwise
        letters = [x for x in answer if isinstance(x, str)] if isinstance(answer, list) else []
        key = "|".join(options[LETTERS.index(x)] for x in letters if x in LETTERS[: len(options)])
    else:
        key = kind.answer_text(answer) if answer is not None else ""
    return comparable_text(_WHERE_FROM.sub("", stem) + "|" + key)


def pairs(rows: Iterable[Row]) -> set[tuple[str, str]]:
    """Every pair of twins among these questions, each way round."""
    rows = list(rows)
    texts = [fact_text(kind, stem, options, answer) for _lineage, kind, stem, options, answer in rows]
    found = set()
    for index, others in similar.similar_pairs(texts, TWIN_SIMILARITY).items():
        for other in others:
            if rows[index][0] != rows[other][0]:
                found.add((rows[index][0], rows[other][0]))
    return found


def refresh(session: Session) -> None:
    """Find the twins among the current questions again (after an import or an edit)."""
    rows = session.execute(
        select(Question.lineage, Question.type, Question.stem, Question.options, Question.answer).where(
            Question.current
        )
    )
    found = pairs(rows)
    session.execute(delete(QuestionTwin))
    if found:
        session.execute(insert(QuestionTwin), [{"lineage": a, "twin": b} for a, b in sorted(found)])


def of(session: Session, lineages: Collection[str]) -> dict[str, set[str]]:
    """The twins of these questions, for those that have any."""
    found: dict[str, set[str]] = {}
    if lineages:
        for lineage, twin in session.execute(
            select(QuestionTwin.lineage, QuestionTwin.twin).where(QuestionTwin.lineage.in_(lineages))
        ):
            found.setdefault(lineage, set()).add(twin)
    return found
