"""A practice bank of twelve single-choice questions (key A, categories by number), opened for
practice, in the shared organisation (tests.conftest.org)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from studyhall import clock, db
from studyhall.accounts.models import User
from studyhall.banks import service as banks
from studyhall.banks.formats import parse_file
from studyhall.banks.models import Bank, Question
from studyhall.practice import setup
from tests.banks.helpers import row, sheet_rows, xlsx

QUESTIONS = 12
OPTIONS = ["甲", "乙", "丙", "丁"]


def question_row(number: int, category: str) -> list[str]:
    return row(
        "单选",
        f"练习题第{number}题（ ）。",
        OPTIONS,
        "A",
        explanation=f"第{number}题的解析。",
        categories=category,
        source=f"测试法第{number}条",
        id=f"P-{number:02d}",
    )


def load_bank(app, name: str, rows: list[list[str]], *, open_it: bool = True) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        plan = banks.plan_import(session, name, parse_file("bank.xlsx", xlsx(sheet_rows(*rows))))
        banks.apply_import(session, None, plan, now=clock.now())
        bank = session.scalars(select(Bank).where(Bank.name == name)).one()
        if open_it:
            admin = session.scalars(select(User).where(User.username == "admin1")).one()
            setup.open_bank(session, admin, bank, confirmed=True, now=clock.now())
        session.commit()
        return bank.id


@pytest.fixture
def bank(app, org) -> int:  # type: ignore[no-untyped-def]
    """The practice bank's id: P-01 … P-12, odd numbers 宪法, even numbers 国家安全法."""
    rows = [question_row(n, "宪法" if n % 2 else "国家安全法") for n in range(1, QUESTIONS + 1)]
    return load_bank(app, "练习题库", rows)


@pytest.fixture
def in_app(app) -> Callable:  # type: ignore[no-untyped-def]
    """Run fn(session, user) for a user by username in its own committed transaction."""

    def run(username: str, fn):  # type: ignore[no-untyped-def]
        with app.app_context(), db.new_session() as session:
            user = session.scalars(select(User).where(User.username == username)).one()
            result = fn(session, user)
            session.commit()
            return result

    return run


def lineage_of(app, external_id: str) -> str:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        return session.scalars(
            select(Question.lineage).where(Question.external_id == external_id, Question.current)
        ).one()
