"""The points a test gives, by result, settled through the points service.

A person's points for a test follow the attempt that counts (highest or last): a better attempt or a
regrade settles the difference. Points by result are a score in another form, so they wait until
the person may see that score: at once when the result page shows it (score_shown), else once the
review shows their marks — after nobody can answer the test any more, and with no other live test
holding its questions. A test that never shows its score (no score after submitting, no review)
gives everyone who took part its 参加 points, whatever the mode, once it is over: anything more
would publish the hidden score on the boards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from studyhall.exams import service
from studyhall.exams.models import Answer, Attempt, AttemptState, Exam, PointsMode, ReviewPolicy
from studyhall.points import service as points
from studyhall.points.service import RuleKey


def earned(exam: Exam, counted: Attempt | None, *, answered: bool, by_result: bool = True) -> int:
    """The points the counted attempt earns under the test's settings (0 without one, or for a paper
    handed in without a single answer: opening a test and submitting it blank is not taking part);
    by_result False: the 参加 points, which tell nothing of the score."""
    if counted is None or counted.score is None or exam.points_mode == PointsMode.NONE or not answered:
        return 0
    if not by_result:
        return exam.points_taken
    if exam.points_mode == PointsMode.PERCENT:
        share = counted.score / counted.max_score if counted.max_score else 0
        return int(share * exam.points_factor + 0.5)  # half up, as a person rounds
    if counted.score >= counted.max_score:
        return exam.points_full
    if exam.pass_mark is not None and counted.score >= exam.pass_mark:
        return exam.points_pass
    return exam.points_taken


def source(exam: Exam) -> str:
    return f"exam:{exam.id}"


def given(session: Session, exam: Exam, attempt: Attempt) -> int | None:
    """What the test has given the person, for their result page: None while the points wait (until
    the score may be seen) or when the test gives none."""
    if exam.points_mode == PointsMode.NONE or not attempt.points_settled:
        return None
    return points.given(session, attempt.user_id, RuleKey.EXAM, source(exam)) or 0


def _settle(session: Session, exam: Exam, attempts: list[Attempt], *, by_result: bool = True) -> None:
    """Settle one person's points for the test to what their counted attempt earns, dated when it
    was submitted (the week it was taken gets them, also when they wait or are backfilled)."""
    counted = service.counted_attempt(exam, attempts)
    answered = counted is not None and bool(
        session.scalar(select(exists().where(Answer.attempt_id == counted.id)))
    )
    target = earned(exam, counted, answered=answered, by_result=by_result)
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
    are not settled, as soon as the module's rules allow. Running it again settles nothing more.
    Returns how many people's points were settled."""
    query = select(Attempt).where(Attempt.state == AttemptState.SUBMITTED, Attempt.points_settled.is_(False))
    if exam_ids is not None:
        query = query.where(Attempt.exam_id.in_(exam_ids))
    waiting: dict[int, set[int]] = defaultdict(set)
    for exam_id, user_id in session.execute(query.with_only_columns(Attempt.exam_id, Attempt.user_id)):
        waiting[exam_id].add(user_id)
    settled = 0
    for exam_id, user_ids in sorted(waiting.items()):
        exam = session.get_one(Exam, exam_id)
        over = now > service.answering_ends_at(session, exam)
        review = service.review_is_open(service.review_opens_at(session, exam), now=now)
        never_shown = not exam.show_score and exam.review == ReviewPolicy.NEVER
        if not (exam.show_score or review or (never_shown and over)):
            continue  # nothing of this test may be shown yet: a cheap sweep meanwhile
        by_user: dict[int, list[Attempt]] = defaultdict(list)
        for attempt in session.scalars(
            select(Attempt)
            .where(Attempt.exam_id == exam_id, Attempt.user_id.in_(user_ids))
            .order_by(Attempt.number)
        ):
            by_user[attempt.user_id].append(attempt)
        held = _held_elsewhere(session, exam, by_user.values(), now=now) if review else set()
        for _user_id, attempts in sorted(by_user.items()):
            if any(attempt.state == AttemptState.OPEN for attempt in attempts):
                continue  # their attempt in progress may still change which one counts
            lineages = {item.lineage for attempt in attempts for item in attempt.items}
            if (review and not lineages & held) or service.score_shown(session, exam, attempts, now=now):
                _settle(session, exam, attempts)
            elif never_shown and over:
                _settle(session, exam, attempts, by_result=False)
            else:
                continue
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
