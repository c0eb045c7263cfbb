"""The demo's practice: open banks, the week's and a topic set, and a few days of 每日答题 behind it."""

from __future__ import annotations

from sqlalchemy import func, select

from studyhall import clock, db, demo
from studyhall.banks.models import Bank, Question
from studyhall.practice import service
from studyhall.practice.models import PracticeAnswer, PracticeSet, ReviewCard
from studyhall.practice.service import today


def test_the_demo_opens_the_banks_publishes_sets_and_has_practised(app, frozen_now):
    with app.app_context(), db.new_session() as session:
        demo.load_demo(session, now=clock.now())
        session.commit()
    with app.app_context(), db.new_session() as session:
        banks = session.scalars(select(Bank)).all()
        assert banks and all(bank.practice_since is not None for bank in banks)
        sets = session.scalars(select(PracticeSet)).all()
        assert {s.kind.value for s in sets} == {"weekly", "topic"}
        assert all(s.published_at and s.first_day <= today(clock.now()) <= s.last_day for s in sets)
        assert session.scalar(select(func.count()).select_from(PracticeAnswer)) > 100
        assert session.scalar(select(func.count()).select_from(ReviewCard)) > 10
        # The demo test, open from an hour ago, keeps its bank's questions out of practice meanwhile.
        national = session.scalars(select(Bank.id).where(Bank.name == "国家安全知识")).one()
        pool = service.pool(session, now=clock.now())
        assert pool and national not in {session.get_one(Question, c.id).bank_id for c in pool}
    with app.app_context(), db.new_session() as session:
        assert demo.load_demo(session, now=clock.now()) == 0  # twice adds nothing
        session.commit()
        assert session.scalar(select(func.count()).select_from(PracticeSet)) == 2
