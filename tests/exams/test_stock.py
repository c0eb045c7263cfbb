"""Papers drawn ahead of the start: the scheduler's stock, claimed by starts, never out of date."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.banks import service as banks
from studyhall.banks.models import Question
from studyhall.exams import service, setup
from studyhall.exams.models import AttemptItem, ExamPaper
from studyhall.exams.setup import RuleSpec
from tests.conftest import START
from tests.exams.conftest import exam_spec
from tests.exams.test_attempts import sign_in, start


def stock(app, *, now=START) -> int:  # type: ignore[no-untyped-def]
    """Run the scheduler's sweep once, as its job does."""
    with app.app_context(), db.new_session() as session:
        drawn = service.stock_papers(session, now=now)
        session.commit()
        return drawn


def waiting(app, exam_id: int) -> list[list]:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        query = select(ExamPaper.lines).where(ExamPaper.exam_id == exam_id).order_by(ExamPaper.id)
        return list(session.scalars(query))


def paper_of(app, attempt_id: int) -> list[list]:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        items = session.scalars(
            select(AttemptItem).where(AttemptItem.attempt_id == attempt_id).order_by(AttemptItem.position)
        )
        return [[i.question_id, i.lineage, i.score, i.option_order] for i in items]


def test_the_sweep_draws_one_paper_ahead_for_each_person_expected_and_no_more(app, make_exam):
    exam_id = make_exam()  # open to 第一党支部: two cadres
    assert stock(app) == 2
    assert stock(app) == 0  # a second run finds nobody without a paper
    assert len(waiting(app, exam_id)) == 2


def test_a_start_claims_a_waiting_paper_and_later_starts_draw_their_own(app, make_exam, people, world):
    exam_id = make_exam()
    stock(app)
    first_waiting = waiting(app, exam_id)[0]
    state = start(sign_in(app, "10001"), exam_id).get_json()
    assert paper_of(app, state["attempt"]) == first_waiting  # exactly the paper drawn ahead
    assert len(waiting(app, exam_id)) == 1
    assert stock(app) == 0  # the one who started needs no paper, the other still has one
    people.user("10003", branch=world["first"], name="新来的")
    start(sign_in(app, "10002"), exam_id)
    assert waiting(app, exam_id) == []
    late = start(sign_in(app, "10003"), exam_id).get_json()  # no stock left: drawn now
    assert len(late["questions"]) == 4 and len(paper_of(app, late["attempt"])) == 4


def test_tests_opening_later_than_the_hour_or_closed_get_no_stock(app, make_exam):
    make_exam()  # open now
    later = make_exam(opens_at=START + timedelta(hours=2), closes_at=START + timedelta(hours=3))
    closed = make_exam(opens_at=START - timedelta(hours=3), closes_at=START - timedelta(hours=1))
    assert stock(app) == 2  # only for the test open now
    assert waiting(app, later) == [] and waiting(app, closed) == []
    assert stock(app, now=START + timedelta(hours=1, minutes=30)) == 2  # later is now within the hour


def test_papers_nobody_claimed_go_when_the_test_closes(app, make_exam):
    exam_id = make_exam()  # closes at START + 2 h
    stock(app)
    stock(app, now=START + timedelta(hours=1, minutes=59))
    assert len(waiting(app, exam_id)) == 2
    stock(app, now=START + timedelta(hours=2))
    assert waiting(app, exam_id) == []


def test_saving_the_test_again_throws_its_stock_away(app, make_exam, world):
    exam_id = make_exam()
    stock(app)
    with app.app_context(), db.new_session() as session:
        spec = exam_spec(world, items=[("T-001", 2), ("T-002", 4), ("T-003", 2)])  # one question fewer
        setup.save_exam(session, session.get(User, world["admin"].id), spec, exam_id=exam_id, now=START)
        session.commit()
    assert waiting(app, exam_id) == []
    assert stock(app) == 2 and all(len(paper) == 3 for paper in waiting(app, exam_id))


def test_a_paper_drawn_before_a_question_was_corrected_is_never_handed_out(app, make_exam):
    exam_id = make_exam()  # hand-picked T-001..T-004
    stock(app)
    with app.app_context(), db.new_session() as session:
        question = session.scalars(select(Question).where(Question.external_id == "T-003")).one()
        edited = banks.to_parsed(question)
        edited.answer = False  # type: ignore[assignment]
        corrected = banks.edit_question(session, None, question.id, edited, now=START).id
        session.commit()
    state = start(sign_in(app, "10001"), exam_id).get_json()
    assert corrected in [line[0] for line in paper_of(app, state["attempt"])]  # the new version
    assert waiting(app, exam_id) == []  # and the rest of the old stock is gone


def test_a_stock_spreads_the_questions_like_one_by_one_draws(app, make_exam, bank_id):
    # Two single-choice questions on each paper, from four: the two papers between them hold all four.
    exam_id = make_exam(items=[], rules=[RuleSpec(bank_id, count=2, score=5, type="single")])
    stock(app)
    papers = waiting(app, exam_id)
    assert len(papers) == 2
    assert len({line[1] for paper in papers for line in paper}) == 4
