"""Study plans: a week's (or a month's) plan with its items, who each item is for, and each
person's progress on it."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhall.db import Base, UTCDateTime, string_enum

if TYPE_CHECKING:
    from studyhall.accounts.models import Branch, User
    from studyhall.exams.models import Exam


class PlanPeriod(enum.StrEnum):
    WEEK = "week"  # Monday to Sunday: 每周学习计划
    MONTH = "month"  # a month's theme and items, as a year plan lists them


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"  # being written; nobody but its editors sees it
    SCHEDULED = "scheduled"  # appears at publish_at (the scheduler's sweep, or the first look after it)
    PUBLISHED = "published"


class ItemKind(enum.StrEnum):
    READ = "read"  # a text written here, or an uploaded .docx or PDF
    WATCH = "watch"  # an uploaded video or an intranet link
    MEETING = "meeting"  # 三会一课 or 主题党日
    REFLECTION = "reflection"  # 心得体会
    TEST = "test"  # a closed-book test


class MeetingKind(enum.StrEnum):
    """三会一课 and 主题党日."""

    ASSEMBLY = "assembly"  # 支部党员大会
    COMMITTEE = "committee"  # 支部委员会
    GROUP = "group"  # 党小组会
    LECTURE = "lecture"  # 党课
    THEME_DAY = "theme_day"  # 主题党日


class ProgressState(enum.StrEnum):
    STARTED = "started"  # opened, reading time counting, a reflection drafted
    DONE = "done"
    EXCUSED = "excused"  # 请假 from the meeting of a meeting item (plans.meetings): not done, not overdue
    ABSENT = "absent"  # 缺席 from the meeting of a meeting item: not done, and over (not reminded)


class Plan(Base):
    """A period's plan of the whole organisation (branch_id None: the administrators') or of one
    党支部 (its secretary's). Items appear to their audience once the plan is published."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[PlanPeriod] = mapped_column(string_enum(PlanPeriod, 8), default=PlanPeriod.WEEK)
    start: Mapped[date] = mapped_column(Date)  # a Monday, or the 1st of a month
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    theme: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[PlanStatus] = mapped_column(string_enum(PlanStatus, 16), default=PlanStatus.DRAFT)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when scheduled
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    branch: Mapped[Branch | None] = relationship()
    items: Mapped[list[PlanItem]] = relationship(
        cascade="all, delete-orphan", order_by="PlanItem.position", back_populates="plan"
    )

    __table_args__ = (
        Index("ix_plan_start", "period", "start"),
        # The publishing sweep reads the scheduled plans due by now.
        Index("ix_plan_due", "status", "publish_at"),
    )


class PlanItem(Base):
    """One thing to do, with its due time, points and audience. The columns after `points` belong
    to some kinds only (see plans.kinds): a read item's text or document and minimum time, a
    meeting's kind, time and place, a reflection's prompt and minimum length, a test."""

    __tablename__ = "plan_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[ItemKind] = mapped_column(string_enum(ItemKind, 16))
    title: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    points: Mapped[int] = mapped_column(default=1)  # for doing it, through the points service
    body_html: Mapped[str] = mapped_column(Text, default="")  # read: sanitised HTML
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id")
    )  # read / watch: plans.documents
    link_url: Mapped[str] = mapped_column(String(500), default="")  # watch: an intranet address
    min_seconds: Mapped[int | None]  # read / watch: the time it takes to count as done
    meeting_kind: Mapped[MeetingKind | None] = mapped_column(string_enum(MeetingKind, 16))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # meeting
    place: Mapped[str] = mapped_column(String(200), default="")  # meeting
    prompt: Mapped[str] = mapped_column(Text, default="")  # reflection
    min_chars: Mapped[int | None]  # reflection
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exam.id"))  # test

    plan: Mapped[Plan] = relationship(back_populates="items")
    exam: Mapped[Exam | None] = relationship()
    audience: Mapped[list[ItemAudience]] = relationship(cascade="all, delete-orphan")


class ItemAudience(Base):
    """Who an item is for: a branch (and everything below it) or one person. An item without
    any is for everyone its plan covers (the organisation, or the plan's 党支部)."""

    __tablename__ = "plan_item_audience"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    branch: Mapped[Branch | None] = relationship()
    user: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("(branch_id IS NULL) <> (user_id IS NULL)", name="one_of_branch_or_person"),
    )


class Progress(Base):
    """A person's progress on an item: reading time counted so far, and when it was done. One row
    per person and item, so reporting it done twice does it once."""

    __tablename__ = "plan_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    state: Mapped[ProgressState] = mapped_column(
        string_enum(ProgressState, 16), default=ProgressState.STARTED
    )
    seconds: Mapped[int] = mapped_column(default=0)  # reading / watching time counted
    last_beat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last heartbeat counted
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("item_id", "user_id"),)
