"""A registered screen over the exam tests' organisation (机关党委, 第一党支部 with 王建国 and 李晓燕)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from studyhall import clock, db
from studyhall.accounts.models import User
from studyhall.display import service
from studyhall.display.models import Privacy
from studyhall.points import service as points
from studyhall.points.service import RuleKey
from tests.conftest import START
from tests.exams import conftest as exam_fixtures

# The exam tests' organisation and test maker, reused.
world = exam_fixtures.world
make_exam = exam_fixtures.make_exam


def screen_spec(**overrides) -> service.ScreenSpec:  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "name": "一楼走廊",
        "panels": ["people", "branches", "next_exam", "notice"],
        "rotate_seconds": 20,
        "privacy": Privacy.FULL_NAME,
        "notice": "本周五下午召开支部党员大会。",
    }
    values.update(overrides)
    return service.ScreenSpec(**values)  # type: ignore[arg-type]


def registered(app, **overrides) -> str:  # type: ignore[no-untyped-def]
    """Register a screen (screen_spec with these overrides); its token."""
    with app.app_context(), db.new_session() as session:
        display = service.register(session, None, screen_spec(**overrides), now=clock.now())
        session.commit()
        return display.token


@pytest.fixture
def register(app, world):  # type: ignore[no-untyped-def]
    """Register a screen over the exam tests' organisation; its token."""
    return lambda **overrides: registered(app, **overrides)


def give(app, username: str, amount: int, source: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        points.settle(session, user.id, RuleKey.MANUAL, source, amount, at=START, reason="测试")
        session.commit()
