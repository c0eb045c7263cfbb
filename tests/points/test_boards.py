"""The board's counts: "my rank" and the number on the board, for the whole organisation (from the
counts of people per total, less those off the board) and within a branch (counted through the
people)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from studyhall import db
from studyhall.accounts.levels import Level
from studyhall.accounts.models import Role, User
from studyhall.points import boards, periods, service
from studyhall.points.models import Period, PointCount, PointTotal
from studyhall.points.service import RuleKey
from tests.conftest import START

# START is a Wednesday morning in Shanghai: its week began on the Monday.
WEEK = periods.Span(Period.WEEK, periods.start_of(Period.WEEK, START.date()))


def test_my_rank_and_the_count_leave_out_the_departed_on_the_whole_board_and_in_a_branch(app, people):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    second = people.branch("第二党支部", root)
    leader = people.user("10001", branch=first)
    leaver = people.user("10002", branch=first)
    me = people.user("10003", branch=first)
    other = people.user("20001", branch=second)
    idle = people.user("20002", branch=second)  # no points this week
    with app.app_context(), db.new_session() as session:
        for user, points in ((leader, 9), (leaver, 8), (me, 5), (other, 3)):
            service.settle(session, user.id, RuleKey.MANUAL, "a", points, at=START, reason="测试")
        session.execute(update(User).where(User.id == leaver.id).values(active=False))
        session.commit()

        mine = boards.standing(session, WEEK, me.id)
        assert (mine.points, mine.rank, mine.of) == (5, 2, 3)
        assert boards.count(session, WEEK) == 3
        in_first = boards.standing(session, WEEK, me.id, branch_ids={first.id})
        assert (in_first.rank, in_first.of) == (2, 2)
        assert boards.count(session, WEEK, branch_ids={second.id}) == 1
        nothing = boards.standing(session, WEEK, idle.id)
        assert (nothing.points, nothing.rank, nothing.of) == (0, 4, 3)
        assert [row.user_id for row in boards.people(session, WEEK)] == [leader.id, me.id, other.id]


def test_the_board_index_holds_every_column_a_board_orders_and_ranks_by():
    """So a board, its count and the people ahead of someone are read from the index alone."""
    (index,) = [index for index in PointTotal.__table__.indexes if index.name == "ix_point_total_board"]
    columns = [str(expression) for expression in index.expressions]
    assert columns == [
        "point_total.period",
        "point_total.start",
        "point_total.points DESC",
        "point_total.reached_at",
        "point_total.user_id",
    ]


def counts_agree(session: Session) -> None:
    """The kept counts of people per total are the totals, counted."""
    kept = {
        (row.period, row.start, row.points): row.people
        for row in session.scalars(select(PointCount)).all()
        if row.people
    }
    counted = session.execute(
        select(PointTotal.period, PointTotal.start, PointTotal.points, func.count()).group_by(
            PointTotal.period, PointTotal.start, PointTotal.points
        )
    ).all()
    assert kept == {(period, start, points): people for period, start, points, people in counted}


def test_every_place_on_the_whole_board_is_the_one_the_board_shows(app, people):
    """Equal totals placed by who reached them first, a negative total, someone who left and an
    administrator of the 机关党委 itself (on no board): my rank, from the kept counts, is my row's
    place on the board for each person, and the counts stay the totals counted."""
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    group = people.branch("第一党小组", first)
    admin = people.user("admin1", Role.ADMIN, root)
    cadres = [people.user(f"1000{n}", branch=group if n % 2 else first) for n in range(8)]
    awards = [(0, 5), (1, 3), (2, 5), (3, 3), (4, -2), (5, 5), (6, 3), (0, -2), (5, 2)]
    with app.app_context(), db.new_session() as session:
        for minutes, (who, points) in enumerate(awards):
            at = START + timedelta(minutes=minutes)
            service.award(
                session, cadres[who].id, RuleKey.MANUAL, f"m{minutes}", at=at, points=points, reason="测试"
            )
        service.award(session, admin.id, RuleKey.MANUAL, "admin", at=START, points=50, reason="测试")
        session.commit()
        service.award(session, cadres[1].id, RuleKey.MANUAL, "undone", at=START, points=40, reason="测试")
        session.rollback()  # an award rolled back moves nobody
        session.execute(update(User).where(User.id == cadres[2].id).values(active=False))
        session.commit()

        counts_agree(session)
        board = boards.people(session, WEEK, limit=100)
        # 10005: 7; then the 3s in the order they reached 3 (10000 last: it fell from 5 to 3).
        assert [(row.username, row.points) for row in board] == [
            ("10005", 7),
            ("10001", 3),
            ("10003", 3),
            ("10006", 3),
            ("10000", 3),
            ("10004", -2),
        ]
        for row in board:
            assert boards.standing(session, WEEK, row.user_id) == boards.Standing(row.points, row.rank, 6)
        assert boards.count(session, WEEK) == 6
        nobody = boards.standing(session, WEEK, cadres[7].id)
        assert (nobody.points, nobody.rank) == (0, 6)  # after every total of 0 or more
        assert admin.id not in {row.user_id for row in boards.roll(session, WEEK)}


def test_an_award_writes_its_counts_of_people_only_as_it_commits(app, people):
    """The counts are a few rows every award moves someone between: written only as an award
    commits, an award still waiting on anything else holds none of them up for everyone else."""
    first = people.branch("第一党支部")
    slow, quick = people.user("10001", branch=first), people.user("10002", branch=first)
    with app.app_context(), db.new_session() as waiting:
        service.rules(waiting)  # the rules' rows in place, as on any database in use
        waiting.commit()
        service.award(waiting, slow.id, RuleKey.MANUAL, "a", at=START, points=1, reason="测试")
        waiting.flush()
        assert waiting.scalars(select(PointCount)).all() == []  # the ledger and totals are written
        if db.engine().dialect.name == "postgresql":  # SQLite: one writer at a time, nothing to see
            with db.new_session() as other:
                other.execute(text("SET LOCAL lock_timeout = '5s'"))  # fails, not hangs, if it waits
                service.award(other, quick.id, RuleKey.MANUAL, "a", at=START, points=1, reason="测试")
                other.commit()
        waiting.commit()
        counts_agree(waiting)


def test_a_past_periods_averages_and_roll_are_of_the_people_there_then(app, people, frozen_now):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    there = people.user("10001", branch=first)
    later = people.user("10002", branch=first)  # imported after that week
    with app.app_context(), db.new_session() as session:
        service.settle(session, there.id, RuleKey.MANUAL, "a", 6, at=START, reason="测试")
        session.execute(update(User).where(User.id == later.id).values(created_at=START + timedelta(weeks=2)))
        session.commit()
        (branch,) = boards.branches(session, WEEK, Level.BRANCH)
        assert (branch.members, branch.average) == (1, 6.0)
        assert [row.user_id for row in boards.roll(session, WEEK)] == [there.id]
        this_week = periods.Span(Period.WEEK, WEEK.start + timedelta(weeks=2))
        assert [row.user_id for row in boards.roll(session, this_week)] == [there.id, later.id]


def test_those_without_points_are_counted_and_named_apart_from_the_ranking(app, people, frozen_now):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    group = people.branch("第一党小组", first)
    second = people.branch("第二党支部", root)
    people.user("admin1", Role.ADMIN, root, name="管理员")  # on no board: not counted
    busy = people.user("10001", branch=first, name="王建国")
    people.user("10002", branch=group, name="李晓燕")
    people.user("20001", branch=second, name="张三")
    gone = people.user("20002", branch=second, name="赵六")
    with app.app_context(), db.new_session() as session:
        service.settle(session, busy.id, RuleKey.MANUAL, "a", 3, at=START, reason="测试")
        session.execute(update(User).where(User.id == gone.id).values(active=False))
        session.commit()
        assert boards.without_points(session, WEEK) == (
            2,
            [("李晓燕", "10002", "第一党支部 / 第一党小组"), ("张三", "20001", "第二党支部")],
        )
        assert boards.without_points(session, WEEK, branch_ids={second.id}) == (
            1,
            [("张三", "20001", "第二党支部")],
        )
