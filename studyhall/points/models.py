"""Point rules (versioned), the append-only ledger and the totals it keeps."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, event, false, inspect
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.accounts.models import User
from studyhall.db import Base, UTCDateTime


class Period(enum.StrEnum):
    """The spans a total is kept for, each starting at a local midnight (see points.periods)."""

    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"
    YEAR = "year"
    ALL = "all"  # all time: its start is ALL_TIME_START


class PointRule(Base):
    """What an action earns. `key` names the action in code; the numbers are the administrators'.
    Editing writes a PointRuleVersion and bumps `version`; an award keeps the version that gave it."""

    __tablename__ = "point_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int]  # per action; for a test, its own settings decide (see exams.Exam)
    daily_cap: Mapped[int | None]
    weekly_cap: Mapped[int | None]
    # A rule for a feature still to come is shipped disabled: it shows nowhere and awards nothing.
    enabled: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointRuleVersion(Base):
    """A rule as it stood from `valid_from`: the record of what an award's version meant."""

    __tablename__ = "point_rule_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("point_rule.id"))
    version: Mapped[int]
    points: Mapped[int]
    daily_cap: Mapped[int | None]
    weekly_cap: Mapped[int | None]
    enabled: Mapped[bool]
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (UniqueConstraint("rule_id", "version"),)


class PointAward(Base):
    """One row of the ledger; rows are only ever added. (user, rule, source, seq) is unique: the
    first award for a source has seq 0, and a correction of it (a regrade, a reversal) is the next
    seq, holding the difference. So retrying an award, or running a backfill again, adds nothing."""

    __tablename__ = "point_award"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("point_rule.id"))
    rule_version: Mapped[int]
    source: Mapped[str] = mapped_column(String(80))  # "day:2026-12-07", "exam:12", "manual:<token>"
    seq: Mapped[int] = mapped_column(default=0)
    points: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    day: Mapped[date] = mapped_column(Date)  # the local day of `at`: caps count by it
    reason: Mapped[str] = mapped_column(Text, default="")
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (
        UniqueConstraint("user_id", "rule_id", "source", "seq"),
        Index("ix_point_award_user_rule_day", "user_id", "rule_id", "day"),
        Index("ix_point_award_user_at", "user_id", "at"),
    )


class PointTotal(Base):
    """A person's points in one period, kept in the transaction of each award, so a board is one
    indexed read. `reached_at` is when the total last changed: of two equal totals, the one
    reached first ranks higher."""

    __tablename__ = "point_total"

    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)
    points: Mapped[int]
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointCount(Base):
    """How many people have a total of exactly `points` in one period: "my rank" on a board of
    100,000 adds up a few hundred of these instead of counting everyone ahead (service._count_moves
    keeps them; benchmarks/leaderboard.py). People who have left are counted too: a board takes
    away the few who are off it (points.boards)."""

    __tablename__ = "point_count"

    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[int] = mapped_column(primary_key=True)
    people: Mapped[int]


# A board reads this index in order: the most points first, and of equal totals the earliest reached
# (then the person, so every place is distinct). Holding every column a board orders and ranks by,
# it also counts a board and the people ahead of someone without reading the table.
Index(
    "ix_point_total_board",
    PointTotal.period,
    PointTotal.start,
    PointTotal.points.desc(),
    PointTotal.reached_at,
    PointTotal.user_id,
)

# The whole organisation's board counts every total in the period and takes away those of people who
# have left (points.boards._tally): this finds the few who have left without reading everyone.
Index(
    "ix_user_departed", User.id, postgresql_where=User.active.is_(False), sqlite_where=User.active.is_(False)
)


class Publication(Base):
    """A 积分公示: a board frozen as it stood when published. Its people and sections are stored with
    it, so later awards, regrades and people leaving change nothing; once written it is never edited
    (see _refuse_edits), only withdrawn with a reason and kept.

    `people` holds one dict per person in rank order, with named fields (rank, user_id, name,
    username, branch and group: the 党支部 and 党小组 names, section: the 党支部's id, section_rank,
    points; with 学习强国 figures, xxqg_total and xxqg_gain, None where the export did not hold the
    person or the one before it did not), so a later column is one more key; `sections` one dict per
    党支部 (branch_id, name, rank by average, members, total, average), in branch order.
    """

    __tablename__ = "publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(8))
    start: Mapped[date] = mapped_column(Date)
    # The 党支部 it covers as it was then; no foreign key: the branch may be renamed or deleted later.
    branch_id: Mapped[int | None]
    branch_name: Mapped[str] = mapped_column(String(100), default="")  # "": the whole organisation
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the schedule
    # "week:2026-04-13" for a scheduled one: unique, so the sweep publishes each period once.
    schedule_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    top_n: Mapped[int | None]  # highlight the first N (表彰先进); None: off
    threshold: Mapped[int | None]  # highlight those under this many points (鞭策后进); None: off
    people: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")
    # "week:2026-04-13:0" (0: the whole organisation, else the 党支部's id) while in force, None once
    # withdrawn: unique, so a period and scope have one notice in force — publishing it again (a
    # double click, two administrators, the schedule after a hand-made one) is refused.
    live_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    # Who issues it (signed at its foot) and its 公示期, the days from publication during which
    # objections may be raised: as they were when it was published.
    issuer: Mapped[str] = mapped_column(String(200), server_default="")
    objection_days: Mapped[int] = mapped_column(server_default="7")
    # 学习强国 figures beside the points, if asked for: the export's day and the day of the one before
    # (the gain's start), as they were when it was published. Asked for with no export imported
    # then, both are None and the notice says so.
    with_xxqg: Mapped[bool] = mapped_column(default=False, server_default=false())
    xxqg_exported_on: Mapped[date | None] = mapped_column(Date)
    xxqg_previous_on: Mapped[date | None] = mapped_column(Date)

    @property
    def scheduled(self) -> bool:
        return self.schedule_key is not None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


WITHDRAWAL = frozenset({"withdrawn_at", "withdrawn_by_id", "withdrawal_reason", "live_key"})


@event.listens_for(Publication, "before_update")
def _refuse_edits(_mapper: object, _connection: object, target: Publication) -> None:
    """A publication is a public record: only its withdrawal may be written after it."""
    state = inspect(target)
    edited = {attr.key for attr in state.attrs if attr.history.has_changes()} - WITHDRAWAL
    if edited:
        raise ValueError(f"a publication never changes: {sorted(edited)}")


class PublicationSchedule(Base):
    """The administrators' switch for publishing on a schedule (off until set): the weekly board on
    Monday 08:00 for the week before, the monthly one on the 1st at 08:00 for the month before. A
    `*_since` is when that schedule was switched on: periods due before it are not published by it."""

    __tablename__ = "publication_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)  # one row, id 1
    weekly_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    monthly_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    top_n: Mapped[int | None]
    threshold: Mapped[int | None]
    with_xxqg: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
