"""Drawing rules: which questions a rule may draw, a pool too small, and least-used first."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from studyhall import db
from studyhall.errors import DomainError
from studyhall.exams import paper
from studyhall.exams.models import Exam
from studyhall.exams.setup import RuleSpec
from tests.exams.test_attempts import sign_in, start


def draws(app, exam_id: int, times: int = 40) -> set[str]:  # type: ignore[no-untyped-def]
    """Every question some of `times` seeded draws put on the paper, by external id."""
    seen: set[str] = set()
    with app.app_context(), db.new_session() as session:
        exam = session.get(Exam, exam_id)
        for seed in range(times):
            seen |= {drawn.question.external_id for drawn in paper.draw(session, exam, random.Random(seed))}
    return seen


@pytest.mark.parametrize(
    ("rule", "pool"),
    [
        ({"type": "single"}, {"S-01", "S-02", "S-03", "S-04"}),
        ({"type": "judge", "max_difficulty": 3}, {"J-01", "J-02", "J-03"}),
        ({"min_difficulty": 3, "max_difficulty": 4}, {"S-03", "J-02", "J-03"}),
        ({"category": "宪法", "min_difficulty": 2}, {"S-02", "S-04", "J-03"}),
        ({"category": "国家安全法", "type": "judge"}, {"J-02", "J-04"}),
        ({"category": "宪法"}, {"S-01", "S-02", "S-04", "J-01", "J-03", "J-05"}),
    ],
)
def test_a_rule_draws_only_from_its_type_category_and_difficulty_range(app, make_exam, bank_id, rule, pool):
    exam_id = make_exam(items=[], rules=[RuleSpec(bank_id, count=1, score=2, **rule)])
    assert draws(app, exam_id) == pool


def test_a_question_is_never_drawn_twice_onto_one_paper_by_overlapping_rules(app, make_exam, bank_id):
    exam_id = make_exam(
        items=[],
        rules=[
            RuleSpec(bank_id, count=2, score=2, category="国家安全法"),
            RuleSpec(bank_id, count=2, score=2, type="single"),
        ],
    )
    with app.app_context(), db.new_session() as session:
        exam = session.get(Exam, exam_id)
        for seed in range(20):
            drawn = [d.question.external_id for d in paper.draw(session, exam, random.Random(seed))]
            assert len(drawn) == len(set(drawn)) == 4


def test_a_pool_smaller_than_its_rule_is_refused_with_its_size(app, make_exam, bank_id):
    exam_id = make_exam(items=[], rules=[RuleSpec(bank_id, count=1, score=2, type="judge")])
    with app.app_context(), db.new_session() as session:
        exam = session.get(Exam, exam_id)
        exam.rules[0].max_difficulty = 3
        exam.rules[0].count = 4  # three judge questions of difficulty ≤ 3
        with pytest.raises(DomainError) as refused:
            paper.draw(session, exam, random.Random(0))
    assert refused.value.code == "pool_too_small"
    assert "只有 3 道" in refused.value.message  # the size of the pool, in the default language


def test_each_start_draws_the_least_used_questions_of_the_test_first(app, make_exam, bank_id, cadres):
    # Four single-choice questions, two per paper: the first two papers between them show all four,
    # and after four papers each question has been on exactly two.
    exam_id = make_exam(items=[], rules=[RuleSpec(bank_id, count=2, score=5, type="single")])
    papers = []
    for username in ("10001", "10002", "10003", "10004"):
        state = start(sign_in(app, username), exam_id).get_json()
        papers.append({question["stem"] for question in state["questions"]})
    assert len(papers[0] | papers[1]) == 4
    assert set(Counter(stem for drawn in papers for stem in drawn).values()) == {2}
