"""Closed-book tests on the practice bank, for the admin and report tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from studyhall.exams import service as exams
from studyhall.exams import setup as exam_setup
from studyhall.exams.setup import ExamSpec
from tests.practice.conftest import lineage_of


def publish_test(  # type: ignore[no-untyped-def]
    in_app, title: str, external_ids: list[str], opens_at: datetime, closes_at: datetime, branch_id: int
) -> int:
    """A published test for a branch (and those below it) asking these questions, 1 point each,
    options unshuffled."""

    def publish(session, admin):  # type: ignore[no-untyped-def]
        spec = ExamSpec(
            title=title,
            opens_at=opens_at,
            closes_at=closes_at,
            time_limit_minutes=15,
            branch_ids=[branch_id],
            items=[(external_id, 1) for external_id in external_ids],
            shuffle_options=False,  # so the response stored is the letter chosen
        )
        exam = exam_setup.save_exam(session, admin, spec, now=opens_at - timedelta(days=1))
        exam_setup.publish(session, admin, exam, now=opens_at - timedelta(days=1))
        return exam.id

    return in_app("admin1", publish)


def sit_test(app, in_app, username: str, exam_id: int, responses: dict[str, list[str]], at: datetime) -> None:  # type: ignore[no-untyped-def]
    """`username` answers the test at `at` (by 编号) and hands it in five minutes later."""

    def sit(session, user):  # type: ignore[no-untyped-def]
        started = exams.start_or_resume(session, exam_id, user, now=at)
        positions = {item.lineage: item.position for item in started.attempt.items}
        for seq, (external_id, response) in enumerate(responses.items(), start=1):
            position = positions[lineage_of(app, external_id)]
            exams.save_answer(session, started.attempt.id, user, position, response, seq, now=at)
        exams.submit(session, started.attempt.id, user, now=at + timedelta(minutes=5))

    in_app(username, sit)
