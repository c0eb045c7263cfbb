"""The points a test gives, by result, settled through the points service.

A person's points for a test follow the attempt that counts (highest or last): a better attempt or a
regrade settles the difference. They wait until the score they reveal may be seen: points by result
are a score in another form, and a score seen while the test's questions can still be answered
(here, or in another test holding them) tells a key. So submitting settles at once only when the
result page would show the score; the sweep settles the rest as the window closes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from studyhall.exams import service
from studyhall.exams.models import Attempt, Exam
from studyhall.points import service as points
from studyhall.points.service import RuleKey


def earned(exam: Exam, counted: Attempt | None) -> int:
    """The points the counted attempt earns under the test's settings (0 without one)."""
    if counted is None or counted.score is None or exam.points_mode == "none":
        return 0
    if exam.points_mode == "percent":
        share = counted.score / counted.max_score if counted.max_score else 0
        return int(share * exam.points_factor + 0.5)  # half up, as a person rounds
    if counted.score >= counted.max_score:
        return exam.points_full
    if exam.pass_mark is not None and counted.score >= exam.pass_mark:
        return exam.points_pass
    return exam.points_taken


def source(exam: Exam) -> str:
    return f"exam:{exam.id}"


def _settle(session: Session, exam: Exam, attempts: list[Attempt]) -> None:
    """Settle one person's points for the test to what their counted attempt earns, dated when it
    was submitted (the week it was taken gets them, also when they wait or are backfilled)."""
    counted = service.counted_attempt(exam, attempts)
    target = earned(exam, counted)
    at = counted.submitted_at if counted is not None and counted.submitted_at else attempts[-1].started_at
    points.settle(session, attempts[0].user_id, RuleKey.EXAM, source(exam), target, at=at, reason=exam.title)
    _mark(session, attempts, settled=True)


def settle_on_submit(session: Session, attempt: Attempt, *, now: datetime) -> None:
    """After grading: settle now if the person may see this score now; else the sweep will."""
    exam = attempt.exam
    attempts = list(
        session.scalars(
            select(Attempt)
            .where(Attempt.exam_id == exam.id, Attempt.user_id == attempt.user_id)
            .order_by(Attempt.number)
        )
    )
    if service.score_shown(session, exam, attempts, now=now):
        _settle(session, exam, attempts)


def settle_due(session: Session, *, now: datetime, exam_ids: set[int] | None = None) -> int:
    """Scheduler sweep, and `studyhall points backfill`: settle every submitted attempt whose points
    are not settled, once nobody can answer its test any more and no other test still holds its
    questions (or earlier, if the score is shown). Running it again settles nothing more. Returns
    how many people's points were settled."""
    query = select(Attempt).where(Attempt.state == "submitted", Attempt.points_settled.is_(False))
    if exam_ids is not None:
        query = query.where(Attempt.exam_id.in_(exam_ids))
    waiting: dict[int, set[int]] = defaultdict(set)
    for exam_id, user_id in session.execute(query.with_only_columns(Attempt.exam_id, Attempt.user_id)):
        waiting[exam_id].add(user_id)
    settled = 0
    for exam_id, user_ids in sorted(waiting.items()):
        exam = session.get_one(Exam, exam_id)
        over = now > service.answering_ends_at(session, exam)
        if not over and not exam.show_score:
            continue  # nothing of this test is shown before it is over: a cheap sweep meanwhile
        by_user: dict[int, list[Attempt]] = defaultdict(list)
        for attempt in session.scalars(
            select(Attempt)
            .where(Attempt.exam_id == exam_id, Attempt.user_id.in_(user_ids))
            .order_by(Attempt.number)
        ):
            by_user[attempt.user_id].append(attempt)
        held = _held_elsewhere(session, exam, by_user.values(), now=now) if over else set()
        for _user_id, attempts in sorted(by_user.items()):
            if any(attempt.state == "open" for attempt in attempts):
                continue  # their attempt in progress may still change which one counts
            lineages = {item.lineage for attempt in attempts for item in attempt.items}
            free = over and not lineages & held
            if free or service.score_shown(session, exam, attempts, now=now):
                _settle(session, exam, attempts)
                settled += 1
    return settled


def _held_elsewhere(
    session: Session, exam: Exam, papers: Iterable[list[Attempt]], *, now: datetime
) -> set[str]:
    """Of the questions on these people's papers, those another test may still put on a paper."""
    lineages = {item.lineage for attempts in papers for attempt in attempts for item in attempt.items}
    return set(service.still_open_elsewhere(session, exam, lineages, now=now)) if lineages else set()


def unsettle(session: Session, attempts: list[Attempt]) -> None:
    """A regrade or new settings changed what these attempts earn: the sweep settles the difference."""
    _mark(session, attempts, settled=False)


def _mark(session: Session, attempts: list[Attempt], *, settled: bool) -> None:
    ids = [attempt.id for attempt in attempts]
    session.execute(update(Attempt).where(Attempt.id.in_(ids)).values(points_settled=settled))
    for attempt in attempts:
        attempt.points_settled = settled
