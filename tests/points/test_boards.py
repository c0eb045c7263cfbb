"""The board's counts: "my rank" and the number on the board, for the whole organisation (counted
from the board index less the departed) and within a branch (counted through the people)."""

from __future__ import annotations

from sqlalchemy import update

from studyhall import db
from studyhall.accounts.models import User
from studyhall.points import boards, periods, service
from studyhall.points.models import Period, PointTotal
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
