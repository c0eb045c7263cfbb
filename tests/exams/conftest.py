"""A small bank and a test built from it, for the exam tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhall import clock, db
from studyhall.accounts.models import Role
from studyhall.banks import service as banks
from studyhall.banks.formats import parse_file
from studyhall.banks.models import Question
from studyhall.exams import setup
from studyhall.exams.setup import ExamSpec
from tests.banks.helpers import SAMPLE, row, sheet_rows, xlsx
from tests.conftest import START

# SAMPLE's keys: T-001 single B; T-002 multiple ABD; T-003 judge True; T-004 blank [4月15日|四月十五日; 总体国家安全观]


@pytest.fixture
def world(app, people, frozen_now):  # type: ignore[no-untyped-def]
    """Branches, an admin, two cadres in the audience, one outside it, and the SAMPLE bank."""
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    other = people.branch("外单位")
    admin = people.user("admin1", Role.ADMIN, root)
    people.user("10001", branch=first, name="王建国")
    people.user("10002", branch=first, name="李晓燕")
    people.user("90001", branch=other, name="局外人")
    with app.app_context(), db.new_session() as session:
        plan = banks.plan_import(session, "国家安全", parse_file("bank.xlsx", xlsx(sheet_rows(*SAMPLE))))
        banks.apply_import(session, None, plan, now=clock.now())
        session.commit()
    return {"root": root, "first": first, "admin": admin}


@pytest.fixture
def cadres(people, world):  # type: ignore[no-untyped-def]
    """Four more cadres in 第一党支部: 10001–10006 in all."""
    for number in range(3, 7):
        people.user(f"1000{number}", branch=world["first"], name=f"干警{number}")


def exam_spec(world, **overrides) -> ExamSpec:  # type: ignore[no-untyped-def]
    """The tests' usual test: SAMPLE's four questions, open to 第一党支部 around START."""
    spec = ExamSpec(
        title="国家安全知识测试",
        opens_at=START - timedelta(minutes=5),
        closes_at=START + timedelta(hours=2),
        time_limit_minutes=15,
        branch_ids=[world["first"].id],
        items=[("T-001", 2), ("T-002", 4), ("T-003", 2), ("T-004", 2)],
    )
    for name, value in overrides.items():
        if not hasattr(spec, name):
            raise TypeError(f"ExamSpec has no field {name}")
        setattr(spec, name, value)
    return spec


@pytest.fixture
def make_exam(app, world):  # type: ignore[no-untyped-def]
    def make(*, publish: bool = True, **overrides) -> int:
        """A test saved (a draft) and, unless publish=False, published."""
        with app.app_context(), db.new_session() as session:
            admin = session.get(type(world["admin"]), world["admin"].id)
            exam = setup.save_exam(session, admin, exam_spec(world, **overrides), now=clock.now())
            if publish:
                setup.publish(session, admin, exam, now=clock.now())
            session.commit()
            return exam.id

    return make


OPTIONS = ["甲", "乙", "丙", "丁"]


def judge(number: int, difficulty: str, categories: str) -> list[str]:
    return row(
        "判断",
        f"判断题第{number}题的题干。",
        [],
        "√",
        difficulty=difficulty,
        categories=categories,
        source="测试用出处",
        id=f"J-{number:02d}",
    )


def single(number: int, difficulty: str, categories: str) -> list[str]:
    return row(
        "单选",
        f"单选题第{number}题的题干（ ）。",
        OPTIONS,
        "A",
        difficulty=difficulty,
        categories=categories,
        source="测试用出处",
        id=f"S-{number:02d}",
    )


# For the drawing-rule tests: what a rule can select each question by. J-05 has no difficulty: outside any difficulty range.
RULES_BANK = [
    single(1, "1", "宪法"),
    single(2, "2", "宪法;国家安全法"),
    single(3, "4", "国家安全法"),
    single(4, "5", "宪法"),
    judge(1, "1", "宪法"),
    judge(2, "3", "国家安全法"),
    judge(3, "3", "宪法"),
    judge(4, "5", "国家安全法"),
    judge(5, "", "宪法"),
]


@pytest.fixture
def bank_id(app, world):  # type: ignore[no-untyped-def]
    """A second bank, RULES_BANK, for drawing rules; its id."""
    with app.app_context(), db.new_session() as session:
        plan = banks.plan_import(session, "抽题测试", parse_file("bank.xlsx", xlsx(sheet_rows(*RULES_BANK))))
        banks.apply_import(session, None, plan, now=clock.now())
        session.commit()
        return session.scalars(select(Question.bank_id).where(Question.external_id == "J-05")).one()


@pytest.fixture
def admin_client(client, world, auth):  # type: ignore[no-untyped-def]
    """The world's administrator, signed in, reading English (translations come later)."""
    auth.login("admin1")
    client.post("/language", data={"lang": "en"})
    return client
