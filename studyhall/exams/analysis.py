"""The analysis of a test after it: Moodle's item statistics by question lineage (the maths is in
exams.statistics), the spread of totals, and per-branch averages and participation."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from studyhall.accounts.models import Branch
from studyhall.banks.models import Question
from studyhall.exams import service
from studyhall.exams.models import Attempt, AttemptState, Exam
from studyhall.exams.reports import current_versions, groups, total_score
from studyhall.exams.statistics import (
    ItemStatistics,
    TestStatistics,
    histogram,
    question_statistics,
    test_statistics,
)

HISTOGRAM_BANDS = 10


@dataclass(frozen=True)
class QuestionAnalysis:
    lineage: str
    question: Question | None  # the newest version, for its stem and 编号
    attempts: int  # submitted attempts that had this question
    max_score: float
    drawn: bool  # drawn by a rule: its figures use the whole total, as Moodle's for a random slot's questions
    statistics: ItemStatistics


@dataclass(frozen=True)
class BranchResult:
    branch: Branch | None
    audience: int
    participants: int  # people with a submitted attempt
    participation: float | None  # percent of the audience
    average: float | None  # mean of the participants' counted scores


@dataclass(frozen=True)
class Analysis:
    attempts: int
    max_total: float
    totals: list[float]
    bands: list[tuple[float, float, int]]  # (from, to, how many totals) — the histogram
    test: TestStatistics
    same_paper: bool  # every attempt had the same questions (hand-picked papers)
    alpha_note: str  # why there is no alpha: "" / papers_differ / too_few / no_spread
    questions: list[QuestionAnalysis]
    branches: list[BranchResult]

    @property
    def flagged(self) -> list[QuestionAnalysis]:
        return [question for question in self.questions if question.statistics.flagged]


def analyse(session: Session, exam: Exam) -> Analysis:
    """Statistics over submitted attempts (all of them, as Moodle's "all attempts" setting).

    Each question is identified by its lineage, whatever its position and version on each paper. Its
    figures are computed over the attempts whose paper had it, against the rest of the test (that
    attempt's total minus this question) for a hand-picked question and against the whole total for a
    drawn one, as Moodle's report does for fixed and random slots' questions. Cronbach's alpha needs
    every attempt to have answered the same questions, so it is given only for papers without drawing
    rules' variety.
    """
    attempts = list(
        session.scalars(
            select(Attempt)
            .options(selectinload(Attempt.items))
            .where(Attempt.exam_id == exam.id, Attempt.state == AttemptState.SUBMITTED)
            .order_by(Attempt.id)
        )
    )
    marks: list[dict[str, float]] = []
    item_max: dict[str, float] = {}
    for attempt in attempts:
        row = {}
        for item in attempt.items:
            row[item.lineage] = float(item.awarded or 0.0)
            item_max[item.lineage] = max(item_max.get(item.lineage, 0.0), item.score)
        marks.append(row)
    totals = [math.fsum(row.values()) for row in marks]
    order = _lineage_order(session, exam, item_max)
    same_paper = bool(marks) and all(row.keys() == marks[0].keys() for row in marks)
    if same_paper:
        test = test_statistics([[row[lineage] for lineage in order] for row in marks])
    else:  # only the totals are comparable; a one-column matrix gives mean, median and SD
        test = replace(test_statistics([[total] for total in totals]), cronbach_alpha=None)
    if test.cronbach_alpha is not None:
        alpha_note = ""
    elif marks and not same_paper:
        alpha_note = "papers_differ"
    elif len(marks) < 3 or len(order) < 2:
        alpha_note = "too_few"
    else:
        alpha_note = "no_spread"

    current = current_versions(session, order)
    picked = {item.lineage for item in exam.items}
    questions = []
    for lineage in order:
        had = [row for row in marks if lineage in row]
        drawn = lineage not in picked
        # As Moodle: a hand-picked question (a fixed slot) against the rest of the test, a drawn one (a
        # random slot's question) against the whole total; fsum so equal sums compare equal.
        others = [math.fsum(mark for other, mark in row.items() if drawn or other != lineage) for row in had]
        figures = question_statistics([row[lineage] for row in had], others, item_max[lineage])
        questions.append(
            QuestionAnalysis(lineage, current.get(lineage), len(had), item_max[lineage], drawn, figures)
        )

    max_total = max((attempt.max_score for attempt in attempts), default=total_score(exam)) or 1.0
    counts = histogram([min(max(total, 0.0), max_total) for total in totals], max_total, HISTOGRAM_BANDS)
    width = max_total / HISTOGRAM_BANDS
    bands = [(band * width, (band + 1) * width, count) for band, count in enumerate(counts)]
    return Analysis(
        len(attempts),
        max_total,
        totals,
        bands,
        test,
        same_paper,
        alpha_note,
        questions,
        branch_results(session, exam),
    )


def _lineage_order(session: Session, exam: Exam, seen: Iterable[str]) -> list[str]:
    """Hand-picked questions in paper order, then the drawn ones by 编号."""
    picked = [item.lineage for item in exam.items]
    rest = set(seen) - set(picked)
    external = (
        dict(
            session.execute(
                select(Question.lineage, Question.external_id).where(
                    Question.lineage.in_(rest), Question.current
                )
            ).all()
        )
        if rest
        else {}
    )
    return [lineage for lineage in picked if lineage in seen] + sorted(
        rest, key=lambda lineage: (external.get(lineage) or "\uffff", lineage)
    )


def branch_results(session: Session, exam: Exam) -> list[BranchResult]:
    """Per 党支部: audience, people who submitted, participation and the mean of their counted scores."""
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)):
        attempts[attempt.user_id].append(attempt)
    grouping = groups(session)
    audience: dict[Branch | None, int] = defaultdict(int)
    scores: dict[Branch | None, list[float]] = defaultdict(list)
    for user in service.audience_users(session, exam):
        branch = grouping.of(user)
        audience[branch] += 1
        counted = service.counted_attempt(exam, attempts.get(user.id, []))
        if counted is not None:
            scores[branch].append(counted.score or 0.0)
    return [
        BranchResult(
            branch,
            audience[branch],
            len(scores[branch]),
            100 * len(scores[branch]) / audience[branch] if audience[branch] else None,
            math.fsum(scores[branch]) / len(scores[branch]) if scores[branch] else None,
        )
        for branch in grouping.sort(audience)
    ]
