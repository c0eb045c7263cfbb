"""A person's own points page (我的积分), modelled on 学习强国's: today per rule against its cap,
totals, places on the boards, the last eight weeks and the ledger with reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from studyhall import clock
from studyhall.accounts import levels
from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.pagination import Page, paginate
from studyhall.points import boards, periods, service
from studyhall.points.models import Period, PointAward, PointRule, PointTotal
from studyhall.points.periods import Span
from studyhall.points.service import RuleKey

CHART_WEEKS = 8


# What a card says in place of a maximum for a rule whose points each award decides.
SET_PER_AWARD = {RuleKey.EXAM: _l("by result"), RuleKey.PLAN_ITEM: _l("set by each item")}


@dataclass(frozen=True)
class Card:
    rule: PointRule
    today: int
    cap: int | None  # None: no daily cap
    week: int  # what the rule gave this week, against its weekly cap

    @property
    def done_today(self) -> bool:
        return self.cap is not None and self.today >= self.cap

    @property
    def week_full(self) -> bool:
        """The weekly cap is reached: the rule gives nothing more until Monday, whatever the day's."""
        return self.rule.weekly_cap is not None and self.week >= self.rule.weekly_cap


@dataclass(frozen=True)
class Week:
    start: date
    points: int

    @property
    def text(self) -> str:
        return periods.text(Span(Period.WEEK, self.start))


@dataclass(frozen=True)
class Mine:
    cards: list[Card]
    totals: dict[Period, int]
    # Both None for someone in no 党支部 (an administrator of the 机关党委 itself): on no board.
    in_organisation: dict[Period, boards.Standing] | None
    in_branch: dict[Period, boards.Standing] | None
    weeks: list[Week]


RANKED = (Period.WEEK, Period.MONTH, Period.YEAR, Period.ALL)


def summary(session: Session, user: User, *, now: datetime) -> Mine:
    zone = clock.local_zone()
    today = periods.local_day(now, zone)
    spans = {period: Span(period, periods.start_of(period, today)) for period in Period}
    week = spans[Period.WEEK]
    earned = {
        rule_id: (int(on_the_day), int(in_the_week))
        for rule_id, on_the_day, in_the_week in session.execute(
            select(
                PointAward.rule_id,
                func.sum(case((PointAward.day == today, PointAward.points), else_=0)),
                func.sum(PointAward.points),
            )
            .where(PointAward.user_id == user.id, PointAward.day >= week.start, PointAward.day < week.end)
            .group_by(PointAward.rule_id)
        )
    }
    cards = [
        Card(rule, on_the_day, rule.daily_cap, in_the_week)
        for rule in service.rules(session)
        if rule.enabled and rule.key != RuleKey.MANUAL
        for on_the_day, in_the_week in [earned.get(rule.id, (0, 0))]
    ]
    kept = {
        (row.period, row.start): row.points
        for row in session.scalars(select(PointTotal).where(PointTotal.user_id == user.id))
    }
    totals = {period: kept.get((period.value, span.start), 0) for period, span in spans.items()}
    unit = levels.Tree.read(session).unit_of(user.branch_id, levels.Level.BRANCH) if user.branch_id else None
    branch_ids = accounts.subtree_ids(session, unit) if unit is not None else None
    weeks = [
        Week(start, kept.get((Period.WEEK.value, start), 0))
        for start in (
            spans[Period.WEEK].start - timedelta(weeks=back) for back in range(CHART_WEEKS - 1, -1, -1)
        )
    ]
    return Mine(
        cards,
        totals,
        {period: boards.standing(session, spans[period], user.id) for period in RANKED}
        if levels.on_board(session, user)
        else None,
        {period: boards.standing(session, spans[period], user.id, branch_ids=branch_ids) for period in RANKED}
        if branch_ids is not None
        else None,
        weeks,
    )


def ledger(session: Session, user: User, page: int) -> Page[tuple[PointAward, PointRule]]:
    """The person's awards, newest first."""
    query = (
        select(PointAward, PointRule)
        .join(PointRule, PointRule.id == PointAward.rule_id)
        .where(PointAward.user_id == user.id)
        .order_by(PointAward.at.desc(), PointAward.id.desc())
    )
    return paginate(session, query, page, rows=True)


@dataclass(frozen=True)
class Glance:
    """The home page's line on points: today's and this week's."""

    today: int
    week: int


def glance(session: Session, user: User, *, now: datetime) -> Glance:
    today = periods.local_day(now, clock.local_zone())
    kept = {
        period: points
        for period, points in session.execute(
            select(PointTotal.period, PointTotal.points).where(
                PointTotal.user_id == user.id,
                or_(
                    and_(PointTotal.period == Period.DAY.value, PointTotal.start == today),
                    and_(
                        PointTotal.period == Period.WEEK.value,
                        PointTotal.start == periods.start_of(Period.WEEK, today),
                    ),
                ),
            )
        )
    }
    return Glance(kept.get(Period.DAY.value, 0), kept.get(Period.WEEK.value, 0))
