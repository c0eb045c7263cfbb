"""Questions that ask the same thing in other words: 宪法知识's "根据宪法，……进入紧急状态的是（ ）" and
国家安全知识's "根据国家安全法，……进入紧急状态的是（ ）", both keyed 国务院, or a 判断 stating what a 单选
asks.

Practice and a test's review hold back what a test under way may ask; a twin's key answers it just
as well, so it is held back with it. Two questions are twins when what they say once answered (the
stem with the key's words in its blanks, less a leading "根据……，" or "……规定，" that says where the
rule stands) nearly coincides, or when both have the same several options for their key, in any
order (统筹传统安全和非传统安全、……). A twin of a twin is a twin: each group holds together. Every
version counts, as a paper drawn before an edit still shows the old one. No comparison of words
finds every rewording; the import preview names the twins found so an administrator can see them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from studyhall.banks.models import Question, QuestionTwin
from studyhall.questions import similar, types
from studyhall.questions.answers import Answer
from studyhall.questions.matching import comparable_text

# The shipped banks' twins say the same at 0.60–1.0 (XF-008 and ES-080 at 0.61), and the closest
# pairs that differ are kin enough (全国 and 地方人大 each 任期五年) that holding both costs little.
TWIN_SIMILARITY = 0.6
_WHERE_FROM = re.compile(
    r"^\s*(?:(?:根据|依照|依据|按照)[^，,：:。]{1,40}?|[^，,：:。]{1,30}?(?:规定|指出|要求|强调|明确))[，,：:]"
)

Row = tuple[str, str, str, list[str], Answer]  # lineage, type, stem, options, answer


def statement(type_key: str, stem: str, options: list[str], answer: Answer) -> str:
    """What a question says once answered, in comparable form."""
    return comparable_text(types.get(type_key).statement(_WHERE_FROM.sub("", stem), options, answer))


def _key_set(type_key: str, options: list[str], answer: Answer) -> tuple[str, ...] | None:
    """A key of several options as a set whose members ignore word order (外部安全和内部安全 is
    内部安全和外部安全); None for a key of one word."""
    words = types.get(type_key).key_words(options, answer)
    if len(words) < 2:
        return None
    return tuple(sorted("".join(sorted(comparable_text(word))) for word in words))


def pairs(rows: Iterable[Row]) -> set[tuple[str, str]]:
    """Every pair of twins among these questions (any versions; a lineage may come several
    times), each way round."""
    rows = list(rows)
    lineages = sorted({row[0] for row in rows})
    parent = {lineage: lineage for lineage in lineages}

    def root(lineage: str) -> str:
        while parent[lineage] != lineage:
            parent[lineage] = parent[parent[lineage]]
            lineage = parent[lineage]
        return lineage

    def join(a: str, b: str) -> None:
        parent[root(a)] = root(b)

    texts = [statement(kind, stem, options, answer) for _lineage, kind, stem, options, answer in rows]
    for index, others in similar.similar_pairs(texts, TWIN_SIMILARITY).items():
        for other in others:
            join(rows[index][0], rows[other][0])
    first_with: dict[tuple[str, ...], str] = {}
    for lineage, kind, _stem, options, answer in rows:
        key = _key_set(kind, options, answer)
        if key is not None:
            join(first_with.setdefault(key, lineage), lineage)
    groups: dict[str, list[str]] = defaultdict(list)
    for lineage in lineages:
        groups[root(lineage)].append(lineage)
    return {(a, b) for group in groups.values() for a in group for b in group if a != b}


def refresh(session: Session) -> None:
    """Find the twins among all questions again (after an import or an edit)."""
    rows = session.execute(
        select(Question.lineage, Question.type, Question.stem, Question.options, Question.answer)
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
