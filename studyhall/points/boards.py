"""Leaderboards read from the kept totals: people, 党支部 and 党小组, for any period.

Of equal totals the one reached first ranks higher, so every place is distinct, as on 学习强国.
People who have left (deactivated) are not on a board; their awards and totals stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NamedTuple, TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from studyhall import clock
from studyhall.accounts import levels
from studyhall.accounts.levels import Level, Tree
from studyhall.accounts.models import User
from studyhall.points import periods, service
from studyhall.points.models import Period, PointCount, PointTotal
from studyhall.points.periods import Span

_Ts = TypeVarTuple("_Ts")


@dataclass(frozen=True)
class PersonRow:
    rank: int
    user_id: int
    name: str
    username: str
    branch: str
    points: int
    branch_id: int | None


@dataclass(frozen=True)
class BranchRow:
    rank: int
    branch_id: int
    name: str
    parent: str  # the 党支部 of a 党小组; "" for a 党支部
    members: int  # active people in it and below it
    total: int

    @property
    def average(self) -> float:
        return round(self.total / self.members, 1) if self.members else 0.0


def _in_span(span: Span) -> ColumnElement[bool]:
    return and_(PointTotal.period == span.period.value, PointTotal.start == span.start)


def _scope(session: Session, query: Select[*_Ts], branch_ids: set[int] | None) -> Select[*_Ts]:
    """Those on a board: active members of a 党支部 (in `branch_ids`, if given; see accounts.levels)."""
    within = levels.ranked_branches(session, branch_ids)
    return query.where(User.active.is_(True), User.branch_id.in_(within))


def _there_by_its_end(span: Span) -> ColumnElement[bool]:
    """People whose account existed by the end of the period: a past week's 党支部 averages and its
    notice are of those who were there, not of people imported since."""
    if span.period is Period.ALL:
        return true()
    return User.created_at < datetime.combine(span.end, time(0), tzinfo=clock.local_zone())


def _off_board(tree: Tree) -> ColumnElement[bool]:
    """People whose totals are kept but who are on no board: those who have left, and those in no
    党支部 (see _scope). Few, found through ix_user_departed and the branch index."""
    return or_(User.active.is_(False), User.branch_id.is_(None), User.branch_id.in_(tree.outside))


def _off_board_tally(session: Session, span: Span, tree: Tree, ahead: ColumnElement[bool]) -> tuple[int, int]:
    """Of those off the board (a few thousand of 100,000), how many have a total ahead and how many
    have one. Each is probed once through the totals' key: as a join, PostgreSQL misjudged the
    board's size and hashed all 100,000 totals (benchmarks/leaderboard.py)."""
    total = (
        select(case((ahead, 2), else_=1))  # NULL: no total in the period
        .where(_in_span(span), PointTotal.user_id == User.id)
        .scalar_subquery()
        .label("total")
    )
    rows = session.execute(select(total, func.count()).where(_off_board(tree)).group_by(total)).all()
    counts: dict[int | None, int] = {value: people for value, people in rows}
    return counts.get(2, 0), counts.get(1, 0) + counts.get(2, 0)


def people(
    session: Session, span: Span, *, branch_ids: set[int] | None = None, limit: int = 50, offset: int = 0
) -> list[PersonRow]:
    """The top of the people board (those with points in the period), from `offset`."""
    tree = Tree.read(session)
    query = _scope(
        session,
        select(PointTotal.user_id, User.display_name, User.username, User.branch_id, PointTotal.points)
        .join(User, User.id == PointTotal.user_id)
        .where(_in_span(span))
        .order_by(PointTotal.points.desc(), PointTotal.reached_at, PointTotal.user_id),
        branch_ids,
    )
    return _person_rows(tree, session.execute(query.limit(limit).offset(offset)).all(), offset)


def roll(session: Session, span: Span, *, branch_ids: set[int] | None = None) -> list[PersonRow]:
    """Everyone on the board in scope, ranked, with those who have no points in the period counted
    at 0 (after those who reached 0): a 积分公示 names those who did nothing too."""
    tree = Tree.read(session)
    points = func.coalesce(PointTotal.points, 0)
    query = _scope(
        session,
        select(
            User.id.label("user_id"), User.display_name, User.username, User.branch_id, points.label("points")
        )
        .outerjoin(PointTotal, and_(PointTotal.user_id == User.id, _in_span(span)))
        .where(_there_by_its_end(span))
        # Without points: after everyone at 0 who reached it, whichever way NULLs sort.
        .order_by(points.desc(), PointTotal.reached_at.is_(None), PointTotal.reached_at, User.id),
        branch_ids,
    )
    return _person_rows(tree, session.execute(query).all())


class Unranked(NamedTuple):
    name: str
    username: str
    where: str  # the branch's path


def without_points(
    session: Session, span: Span, *, branch_ids: set[int] | None = None, limit: int | None = 200
) -> tuple[int, list[Unranked]]:
    """Those on the board in scope without points in the period: how many, and up to `limit` of
    them (None: all; by name; name and where, in branch order) — a board ranks those with points, and an
    office wants to see who did nothing too (a 积分公示 lists them at its end)."""
    tree = Tree.read(session)
    none = ~select(PointTotal.user_id).where(PointTotal.user_id == User.id, _in_span(span)).exists()
    query = _scope(session, select(User.id).where(none, _there_by_its_end(span)), branch_ids)
    counted = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = {branch: place for place, branch in enumerate(tree.names)}
    people = session.execute(
        query.with_only_columns(User.display_name, User.username, User.branch_id)
        .order_by(User.display_name)
        .limit(limit)
    ).all()
    people = sorted(people, key=lambda person: order.get(person.branch_id, len(order)))
    return counted, [
        Unranked(person.display_name, person.username, tree.path(person.branch_id)) for person in people
    ]


def _person_rows(
    tree: Tree, rows: Sequence[Row[int, str, str, int | None, int]], offset: int = 0
) -> list[PersonRow]:
    return [
        PersonRow(
            offset + place,
            row.user_id,
            row.display_name,
            row.username,
            tree.path(row.branch_id),
            row.points,
            row.branch_id,
        )
        for place, row in enumerate(rows, start=1)
    ]


def count(session: Session, span: Span, *, branch_ids: set[int] | None = None) -> int:
    """How many people have points on the board."""
    return standing(session, span, None, branch_ids=branch_ids).of


@dataclass(frozen=True)
class Standing:
    points: int
    rank: int  # 1 + everyone ahead; someone without points comes after all who have some
    of: int  # people on the board (with points in the period)


def standing(
    session: Session, span: Span, user_id: int | None, *, branch_ids: set[int] | None = None
) -> Standing:
    """A person's points and place on a board (of nobody: the place after everyone)."""
    tree = Tree.read(session)
    mine = (
        session.execute(
            select(PointTotal.points, PointTotal.reached_at).where(
                _in_span(span), PointTotal.user_id == user_id
            )
        ).first()
        if user_id is not None
        else None
    )
    if mine is None:
        points, ahead = 0, PointTotal.points >= 0  # every total on the board, a negative one aside
    else:
        points = mine.points
        ahead = or_(
            PointTotal.points > mine.points,
            and_(PointTotal.points == mine.points, PointTotal.reached_at < mine.reached_at),
            and_(
                PointTotal.points == mine.points,
                PointTotal.reached_at == mine.reached_at,
                PointTotal.user_id < user_id,
            ),
        )
    tally = select(func.count().filter(ahead), func.count()).select_from(PointTotal).where(_in_span(span))
    tally = tally.join(User, User.id == PointTotal.user_id)
    if branch_ids is not None:  # a branch's board: a few thousand totals at most, counted
        before, everyone = session.execute(_scope(session, tally, branch_ids)).one()
        return Standing(points, before + 1, everyone)
    # The whole organisation's board, of up to 100,000: the counts of people per total above mine,
    # those of my total who reached it first, less those off the board (benchmarks/leaderboard.py).
    service.write_counts(session)  # moves this transaction made (an award just now) counted too
    above = PointCount.points > points if mine is not None else PointCount.points >= 0
    counted_above, counted = session.execute(
        select(
            func.coalesce(func.sum(PointCount.people).filter(above), 0),
            func.coalesce(func.sum(PointCount.people), 0),
        ).where(PointCount.period == span.period.value, PointCount.start == span.start)
    ).one()
    tied_ahead = 0
    if mine is not None:
        tied_ahead = (
            session.scalar(
                select(func.count())
                .select_from(PointTotal)
                .where(_in_span(span), PointTotal.points == mine.points, ahead)
            )
            or 0
        )
    gone_ahead, gone = _off_board_tally(session, span, tree, ahead)
    before = int(counted_above) + tied_ahead - gone_ahead
    return Standing(points, before + 1, int(counted) - gone)


def branches(
    session: Session, span: Span, level: Level, *, within: set[int] | None = None
) -> list[BranchRow]:
    """Each 党支部 (or 党小组) with its active members, their total and the average per member, ranked
    by the average so that a small branch competes fairly; `within` limits the rows to those
    branches, each with its place among all."""
    tree = Tree.read(session)
    units = tree.branches if level is Level.BRANCH else tree.groups
    members: dict[int, int] = dict.fromkeys(units, 0)
    totals: dict[int, int] = dict.fromkeys(units, 0)
    query = (
        select(User.branch_id, func.count(User.id), func.coalesce(func.sum(PointTotal.points), 0))
        .outerjoin(PointTotal, and_(PointTotal.user_id == User.id, _in_span(span)))
        .where(User.active.is_(True), User.branch_id.is_not(None), _there_by_its_end(span))
        .group_by(User.branch_id)
    )
    for branch_id, people_count, points in session.execute(query):
        unit = tree.unit_of(branch_id, level) if branch_id is not None else None
        if unit is not None:
            members[unit] += people_count
            totals[unit] += int(points)
    # Every unit is ranked, then those asked for are kept: a 党支部 shown alone keeps its place.
    ranked = sorted(
        units, key=lambda unit: (-(totals[unit] / members[unit] if members[unit] else 0), -totals[unit])
    )
    return [
        BranchRow(
            place,
            unit,
            tree.names[unit],
            tree.names[parent] if level is Level.GROUP and (parent := tree.parent.get(unit)) else "",
            members[unit],
            totals[unit],
        )
        for place, unit in enumerate(ranked, start=1)
        if within is None or unit in within
    ]


def span_from(period: str | None, start: str | None, now: datetime, zone: ZoneInfo) -> Span:
    """The period a page asks for: `period` (day/week/month/year/all, default week) holding the
    day `start` (YYYY-MM-DD; default today). Anything unreadable falls back to the default."""
    try:
        kind = Period(period or Period.WEEK)
    except ValueError:
        kind = Period.WEEK
    today = periods.local_day(now, zone)
    try:
        day = date.fromisoformat(start) if start else today
    except ValueError:
        day = today
    return Span(kind, periods.start_of(kind, min(day, today)))
