"""The ledger: each award once, caps that hold, rule versions, corrections as rows, and totals kept
per period in Asia/Shanghai."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.errors import DomainError, ErrorCode
from studyhall.points import service
from studyhall.points.models import PointAward, PointRuleVersion, PointTotal
from studyhall.points.service import RuleChange, RuleKey
from tests.conftest import START
from tests.points.test_boards import counts_agree

SHANGHAI = timedelta(hours=8)


def local(*args: int) -> datetime:
    """A wall-clock time in Shanghai, as the aware UTC instant it is."""
    return datetime(*args, tzinfo=UTC) - SHANGHAI


@pytest.fixture
def cadre(people) -> User:  # type: ignore[no-untyped-def]
    return people.user("10001", name="王建国")


@pytest.fixture
def admin(people) -> User:  # type: ignore[no-untyped-def]
    from studyhall.accounts.models import Role

    return people.user("admin1", Role.ADMIN)


def totals(session, user_id: int) -> dict[tuple[str, date], int]:  # type: ignore[no-untyped-def]
    rows = session.execute(select(PointTotal).where(PointTotal.user_id == user_id)).scalars()
    return {(row.period, row.start): row.points for row in rows}


def enable(app, admin: User, key: RuleKey, points: int, daily: int | None, weekly: int | None = None) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        rule = service.rule(session, key)
        service.edit_rule(session, admin, rule.id, RuleChange(points, daily, weekly, True), now=START)
        session.commit()


def test_an_award_is_made_once_per_source_and_counts_in_every_period(app, cadre):
    at = local(2026, 12, 9, 10, 0)  # a Wednesday
    with app.app_context(), db.new_session() as session:
        first = service.award(session, cadre.id, RuleKey.LOGIN, "day:2026-12-09", at=at)
        again = service.award(session, cadre.id, RuleKey.LOGIN, "day:2026-12-09", at=at + timedelta(hours=1))
        session.commit()
        assert first is not None and first.points == 1 and again is None
        assert totals(session, cadre.id) == {
            ("day", date(2026, 12, 9)): 1,
            ("week", date(2026, 12, 7)): 1,
            ("month", date(2026, 12, 1)): 1,
            ("year", date(2026, 1, 1)): 1,
            ("all", date(2000, 1, 1)): 1,
        }


def test_caps_hold_per_day_and_per_week(app, cadre, admin):
    enable(app, admin, RuleKey.LOGIN, 2, daily=5, weekly=7)
    monday, tuesday = local(2026, 12, 7, 9, 0), local(2026, 12, 8, 9, 0)
    with app.app_context(), db.new_session() as session:
        given = [service.award(session, cadre.id, RuleKey.LOGIN, f"item:{n}", at=monday) for n in range(4)]
        # 2 + 2 + 1 (the day's cap of 5) + nothing
        assert [award.points if award else None for award in given] == [2, 2, 1, None]
        later = [
            service.award(session, cadre.id, RuleKey.LOGIN, f"item:{n}", at=tuesday) for n in range(4, 7)
        ]
        assert [award.points if award else None for award in later] == [2, None, None]  # the week's 7
        session.commit()
        assert totals(session, cadre.id)[("week", date(2026, 12, 7))] == 7


def test_a_rule_change_applies_from_then_on_and_each_award_keeps_its_version(app, cadre, admin):
    with app.app_context(), db.new_session() as session:
        old = service.award(session, cadre.id, RuleKey.LOGIN, "day:2026-04-14", at=START - timedelta(days=1))
        session.commit()
    enable(app, admin, RuleKey.LOGIN, 3, daily=3)
    with app.app_context(), db.new_session() as session:
        new = service.award(session, cadre.id, RuleKey.LOGIN, "day:2026-04-15", at=START)
        session.commit()
        assert (old.points, old.rule_version) == (1, 1)
        assert (new.points, new.rule_version) == (3, 2)
        assert session.get(PointAward, old.id).points == 1  # the past keeps its points
        history = session.execute(
            select(PointRuleVersion.version, PointRuleVersion.points, PointRuleVersion.changed_by_id)
            .where(PointRuleVersion.rule_id == new.rule_id)
            .order_by(PointRuleVersion.version)
        ).all()
        assert history == [(1, 1, None), (2, 3, admin.id)]


def test_a_correction_is_a_new_row_holding_the_difference(app, cadre, admin):
    with app.app_context(), db.new_session() as session:
        service.settle(session, cadre.id, RuleKey.MANUAL, "manual:x", 5, at=START, reason="优秀", by=admin)
        assert service.settle(session, cadre.id, RuleKey.MANUAL, "manual:x", 5, at=START) is None
        service.settle(session, cadre.id, RuleKey.MANUAL, "manual:x", 0, at=START, reason="撤销")
        session.commit()
        rows = session.execute(
            select(PointAward.seq, PointAward.points, PointAward.reason).order_by(PointAward.seq)
        ).all()
        assert rows == [(0, 5, "优秀"), (1, -5, "撤销")]
        assert totals(session, cadre.id)[("all", date(2000, 1, 1))] == 0


@pytest.mark.parametrize(
    ("before", "after", "changes"),
    [
        # Sunday 23:59:59 and Monday 00:00:00 in Shanghai: another day and week, the same month.
        ((2026, 12, 6, 23, 59, 59), (2026, 12, 7, 0, 0, 0), {"day", "week"}),
        # A month's last second and the next month's first, Sunday into Monday.
        ((2027, 1, 31, 23, 59, 59), (2027, 2, 1, 0, 0, 0), {"day", "week", "month"}),
        # The year's end, a Thursday night.
        ((2026, 12, 31, 23, 59, 59), (2027, 1, 1, 0, 0, 0), {"day", "month", "year"}),
    ],
)
def test_periods_turn_at_midnight_in_shanghai(app, cadre, before, after, changes):
    with app.app_context(), db.new_session() as session:
        service.award(session, cadre.id, RuleKey.LOGIN, "a", at=local(*before))
        service.award(session, cadre.id, RuleKey.LOGIN, "b", at=local(*after))
        session.commit()
        kept = totals(session, cadre.id)
    split = {period for (period, _start), points in kept.items() if points == 1}
    joint = {period for (period, _start), points in kept.items() if points == 2}
    assert split == changes  # two periods of each kind that turned, one point in each
    assert joint == {"day", "week", "month", "year", "all"} - changes


def award_together(app, user_id: int, sources: list[str], key: RuleKey) -> list[int | None]:  # type: ignore[no-untyped-def]
    """Each source awarded by its own connection, all released at once."""
    ready = threading.Barrier(len(sources), timeout=15)

    def one(source: str) -> int | None:
        with app.app_context(), db.new_session() as session:
            ready.wait()
            row = service.award(session, user_id, key, source, at=START)
            session.commit()
            return row.points if row else None

    with ThreadPoolExecutor(len(sources)) as pool:
        return list(pool.map(one, sources))


def test_caps_and_once_only_hold_when_awards_race(app, cadre, admin):
    enable(app, admin, RuleKey.EXAM, 1, daily=5)
    with app.app_context(), db.new_session() as session:
        service.rule(session, RuleKey.LOGIN)  # rows in place before the race
        session.commit()
    given = award_together(app, cadre.id, [f"answer:{n}" for n in range(8)], RuleKey.EXAM)
    assert sorted(points or 0 for points in given) == [0, 0, 0, 1, 1, 1, 1, 1]
    twice = award_together(app, cadre.id, ["day:2026-04-15"] * 6, RuleKey.LOGIN)
    assert sorted(points or 0 for points in twice) == [0, 0, 0, 0, 0, 1]
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.sum(PointAward.points))) == 6
        assert totals(session, cadre.id)[("day", date(2026, 4, 15))] == 6
        counts_agree(session)


def test_a_rule_whose_feature_is_not_built_cannot_be_put_in_use(app, admin):
    with app.app_context(), db.new_session() as session:
        for key in set(RuleKey) - service.READY:
            rule = service.rule(session, key)
            with pytest.raises(DomainError) as refused:
                service.edit_rule(session, admin, rule.id, RuleChange(1, 5, None, True), now=START)
            assert refused.value.code == ErrorCode.INVALID
            assert not service.rule(session, key).enabled
        ready = {
            RuleKey.LOGIN, RuleKey.EXAM, RuleKey.MANUAL, RuleKey.PLAN_ITEM, RuleKey.REFLECTION, RuleKey.MEETING,
            RuleKey.PRACTICE, RuleKey.PRACTICE_WEEKLY, RuleKey.PRACTICE_TOPIC, RuleKey.CHALLENGE,
        }  # fmt: skip
        assert ready == service.READY


def test_the_service_refuses_numbers_that_would_give_nothing_whoever_calls_it(app, admin):
    """The rules page is not the only caller: a script or a later page saving a rule meets the same
    checks, each problem under the field at fault, and nothing is saved."""
    refused = [  # (points, daily cap, weekly cap) → the fields at fault
        (RuleChange(3, 2, None, True), {"daily_cap"}),
        (RuleChange(1, None, 0, True), {"weekly_cap"}),
        (RuleChange(2, 5, 3, True), {"weekly_cap"}),
        (RuleChange(0, None, None, True), {"points"}),
        (RuleChange(-1, None, -2, False), {"points", "weekly_cap"}),
    ]
    with app.app_context(), db.new_session() as session:
        login = service.rule(session, RuleKey.LOGIN)
        for change, fields in refused:
            with pytest.raises(service.RuleError) as error:
                service.edit_rule(session, admin, login.id, change, now=START)
            assert set(error.value.problems) == fields, change
        assert service.rule(session, RuleKey.LOGIN).version == 1
        # A test's rule has no points per action: its caps are not compared with them.
        exam = service.rule(session, RuleKey.EXAM)
        assert service.edit_rule(session, admin, exam.id, RuleChange(0, 1, None, True), now=START) is not None
