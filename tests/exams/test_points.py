"""Tests award points by result once their score may be seen; better attempts, regrades and setting
changes settle the difference; `studyhall points backfill` awards what was graded before, once."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from studyhall import clock, db
from studyhall.accounts.models import User
from studyhall.banks.models import Question
from studyhall.exams import points as exam_points
from studyhall.exams import regrade
from studyhall.exams.models import Attempt, Exam
from studyhall.points import boards, publications
from studyhall.points.models import Period, PointAward, Publication
from studyhall.points.periods import Span
from tests.conftest import START
from tests.exams.test_results import RIGHT_MULTIPLE, sign_in, sit

ALL_RIGHT = {
    "single": "4月15日",
    "multiple": RIGHT_MULTIPLE,
    "judge": True,
    "blanks": ["四月十五日", "总体国家安全观"],
}
AFTER_CLOSE = START + timedelta(hours=3)  # the usual test closes at START + 2 h


def ledger(app) -> list[tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    """(工号, seq, points) of every award for a test, in order."""
    with app.app_context(), db.new_session() as session:
        rows = session.execute(
            select(User.username, PointAward.seq, PointAward.points)
            .join(User, User.id == PointAward.user_id)
            .where(PointAward.source.like("exam:%"))  # signing in to take the test gave a point too
            .order_by(User.username, PointAward.seq)
        )
        return [tuple(row) for row in rows]


def correct_the_judge_key(app, world, exam_id: int, now) -> None:  # type: ignore[no-untyped-def]
    """T-003's key was wrong: it is 错. The administrator corrects it and every attempt is regraded."""
    with app.app_context(), db.new_session() as session:
        exam = session.get(Exam, exam_id)
        admin = session.get(User, world["admin"].id)
        lineage = session.scalars(select(Question.lineage).where(Question.external_id == "T-003")).one()
        regrade.apply_regrade(session, admin, exam, lineage, False, now=now)
        session.commit()


def sweep(app, now) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        settled = exam_points.settle_due(session, now=now)
        session.commit()
        return settled


def test_a_test_whose_score_is_shown_awards_by_result_on_submitting(app, make_exam, cadres):
    exam_id = make_exam(pass_mark=6.0)
    sit(app, "10001", exam_id, **ALL_RIGHT)  # 10 of 10: full marks
    sit(app, "10002", exam_id, single="4月15日", multiple=RIGHT_MULTIPLE)  # 6: passed
    sit(app, "10003", exam_id, judge=True)  # 2: took part
    sit(app, "10004", exam_id)  # handed in blank: opening a test is not taking part
    assert ledger(app) == [("10001", 0, 10), ("10002", 0, 8), ("10003", 0, 5)]
    assert sweep(app, AFTER_CLOSE) == 0  # nothing left waiting


def test_points_wait_until_a_hidden_score_may_be_seen_then_the_sweep_awards_them_once(
    app, make_exam, frozen_now
):
    exam_id = make_exam(show_score=False, points_mode="percent", points_factor=20)
    sit(app, "10001", exam_id, single="4月15日", multiple=RIGHT_MULTIPLE, judge=True)  # 8 of 10
    assert ledger(app) == []  # the points would tell the hidden score while the test is open
    assert sweep(app, START + timedelta(hours=1)) == 0
    assert sweep(app, AFTER_CLOSE) == 1
    assert sweep(app, AFTER_CLOSE + timedelta(minutes=1)) == 0
    assert ledger(app) == [("10001", 0, 16)]  # 80% × 20
    with app.app_context(), db.new_session() as session:
        award = session.scalars(select(PointAward).where(PointAward.source.like("exam:%"))).one()
        submitted = session.scalars(select(Attempt.submitted_at)).one()
        assert award.at == submitted  # counted in the week the test was taken


def test_a_test_that_never_shows_its_score_gives_only_the_points_for_taking_part(app, make_exam, cadres):
    exam_id = make_exam(show_score=False, review="never", points_mode="percent", points_factor=1000)
    sit(app, "10001", exam_id, judge=True)  # 2 of 10: 200 points by result would tell the score
    sit(app, "10002", exam_id, **ALL_RIGHT)
    assert sweep(app, START + timedelta(hours=1)) == 0
    assert sweep(app, AFTER_CLOSE) == 2
    assert ledger(app) == [("10001", 0, 5), ("10002", 0, 5)]  # 参加, the same for both


def test_a_better_attempt_and_a_regrade_settle_the_difference(app, make_exam, world, frozen_now):
    exam_id = make_exam(attempts_allowed=2, pass_mark=7.0)
    sit(app, "10001", exam_id, judge=True)  # 2: took part
    sit(app, "10001", exam_id, single="4月15日", multiple=RIGHT_MULTIPLE, judge=True)  # 8: passed
    assert ledger(app) == []  # several attempts: scores wait for the end
    frozen_now(AFTER_CLOSE)
    sweep(app, AFTER_CLOSE)
    assert ledger(app) == [("10001", 0, 8)]
    correct_the_judge_key(app, world, exam_id, AFTER_CLOSE)
    assert ledger(app) == [("10001", 0, 8), ("10001", 1, -3)]  # 6 at best now, under the pass mark: took part


def test_a_publication_is_unchanged_by_a_later_regrade(app, make_exam, world, frozen_now):
    exam_id = make_exam(pass_mark=7.0)
    sit(app, "10001", exam_id, single="4月15日", multiple=RIGHT_MULTIPLE, judge=True)  # 8: passed
    monday = frozen_now(datetime(2026, 4, 20, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai, the week after
    week = Span(Period.WEEK, date(2026, 4, 13))
    with app.app_context(), db.new_session() as session:
        admin = session.get(User, world["admin"].id)
        publication = publications.publish(session, admin, week, None, publications.Highlights(), now=monday)
        session.commit()
        frozen = [(person["username"], person["points"]) for person in publication.people]
    assert ("10001", 9) in frozen  # 8 for passing and 1 for signing in
    correct_the_judge_key(app, world, exam_id, monday)
    with app.app_context(), db.new_session() as session:
        live = {row.username: row.points for row in boards.people(session, week)}
        assert live["10001"] == 6  # the difference is dated when the test was taken: that week
        kept = session.scalars(select(Publication)).one()
        assert [(person["username"], person["points"]) for person in kept.people] == frozen


def test_changing_a_tests_points_settles_everyone_again(app, make_exam, world):
    exam_id = make_exam()
    sit(app, "10001", exam_id, **ALL_RIGHT)
    with app.app_context(), db.new_session() as session:
        from studyhall.exams import setup
        from tests.exams.conftest import exam_spec

        admin = session.get(User, world["admin"].id)
        setup.save_exam(session, admin, exam_spec(world, points_full=12), exam_id=exam_id, now=START)
        session.commit()
    sweep(app, AFTER_CLOSE)
    assert ledger(app) == [("10001", 0, 10), ("10001", 1, 2)]


def test_backfill_awards_tests_graded_before_points_once(app, make_exam, runner, frozen_now):
    exam_id = make_exam(pass_mark=6.0)
    sit(app, "10001", exam_id, **ALL_RIGHT)
    with app.app_context(), db.new_session() as session:  # as a database from before this feature
        session.execute(PointAward.__table__.delete())
        session.execute(update(Attempt).values(points_settled=False))
        session.commit()
    frozen_now(AFTER_CLOSE)
    first = runner.invoke(args=["points", "backfill"])
    second = runner.invoke(args=["points", "backfill"])
    assert first.exit_code == second.exit_code == 0
    assert "1" in first.output and "0" in second.output
    assert ledger(app) == [("10001", 0, 10)]
    with app.app_context():
        assert clock.local_zone().key == "Asia/Shanghai"


def points_line(app, username: str, attempt_id: int) -> str:  # type: ignore[no-untyped-def]
    """What the result page says of the test's points (the number, or the words when there is none)."""
    page = sign_in(app, username).get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    found = re.search(r'<dd id="points-given"( data-points="(\d+)")?>(.*?)</dd>', page, re.S)
    assert found is not None, page
    return found.group(2) or found.group(3)


def test_the_result_page_says_the_points_the_test_gave_or_when_they_will_count(
    app, make_exam, cadres, frozen_now
):
    shown = make_exam(pass_mark=6.0)
    passed = sit(app, "10001", shown, single="4月15日", multiple=RIGHT_MULTIPLE)
    assert points_line(app, "10001", passed) == "8"  # passed: as the ledger has it
    hidden = make_exam(show_score=False, points_mode="percent", points_factor=20)
    waiting = sit(app, "10002", hidden, single="4月15日", multiple=RIGHT_MULTIPLE, judge=True)
    assert points_line(app, "10002", waiting) == "成绩可以查看时计入"  # tells nothing of the score
    frozen_now(AFTER_CLOSE)
    sweep(app, AFTER_CLOSE)
    assert points_line(app, "10002", waiting) == "16"
