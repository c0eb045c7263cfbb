"""Closed-book tests: the exam, its paper rules and audience, and each person's attempts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhall.db import Base, UTCDateTime, string_enum


class ExamMode(enum.StrEnum):
    EXAM = "exam"  # 闭卷测试
    CONTEST = "contest"  # 知识竞赛: a ranking by score, then time used


class Grading(enum.StrEnum):
    """Which of a person's submitted attempts counts."""

    HIGHEST = "highest"
    LAST = "last"


class ReviewPolicy(enum.StrEnum):
    """When a cadre may see their answers, the key and the explanations."""

    AFTER_CLOSE = "after_close"
    NEVER = "never"


class PointsMode(enum.StrEnum):
    """What taking a test earns (see exams.points)."""

    TIERS = "tiers"  # full marks / passed / took part
    PERCENT = "percent"  # score % × a factor
    NONE = "none"


class ExamStatus(enum.StrEnum):
    """Where a test stands by its window (not stored: worked out from the times)."""

    DRAFT = "draft"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


class AttemptState(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


class EndedBy(enum.StrEnum):
    """How an attempt was submitted."""

    NOT_YET = ""  # still open
    CADRE = "cadre"
    TIMER = "timer"  # the page, at 0
    SWEEP = "sweep"  # the server, after the deadline and its grace
    TAB_SWITCHES = "tab_switches"  # the tab-switch limit


class EventKind(enum.StrEnum):
    """What an AttemptEvent records."""

    START = "start"
    RESUME = "resume"  # with the device it resumed on
    TAB_SWITCH = "tab_switch"  # 切屏


class Exam(Base):
    __tablename__ = "exam"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[ExamMode] = mapped_column(string_enum(ExamMode, 16), default=ExamMode.EXAM)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_limit_minutes: Mapped[int]
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    grading: Mapped[Grading] = mapped_column(string_enum(Grading, 16), default=Grading.HIGHEST)
    pass_mark: Mapped[float | None]
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    partial_credit: Mapped[bool] = mapped_column(default=False)  # 漏选得分 on multiple choice
    show_score: Mapped[bool] = mapped_column(default=True)  # score shown right after submitting
    review: Mapped[ReviewPolicy] = mapped_column(
        string_enum(ReviewPolicy, 16), default=ReviewPolicy.AFTER_CLOSE
    )
    one_per_page: Mapped[bool] = mapped_column(default=False)
    tab_switch_limit: Mapped[int | None]  # auto-submit after this many tab switches
    access_code: Mapped[str] = mapped_column(String(64), default="")
    allowed_networks: Mapped[str] = mapped_column(Text, default="")  # CIDR ranges, one per line
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: a draft (草稿), which only administrators see; set by setup.publish (发布).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Points for taking it (see exams.points): "tiers" (full marks / passed / took part), "percent"
    # (score % × factor, rounded) or "none".
    points_mode: Mapped[PointsMode] = mapped_column(
        string_enum(PointsMode, 16), default=PointsMode.TIERS, server_default=PointsMode.TIERS.value
    )
    points_full: Mapped[int] = mapped_column(default=10, server_default="10")
    points_pass: Mapped[int] = mapped_column(default=8, server_default="8")
    points_taken: Mapped[int] = mapped_column(default=5, server_default="5")
    points_factor: Mapped[int] = mapped_column(default=10, server_default="10")

    audience: Mapped[list[ExamAudience]] = relationship(cascade="all, delete-orphan")
    items: Mapped[list[ExamItem]] = relationship(cascade="all, delete-orphan", order_by="ExamItem.position")
    rules: Mapped[list[ExamRule]] = relationship(cascade="all, delete-orphan", order_by="ExamRule.position")


class ExamAudience(Base):
    """Who may sit the exam: a branch (and everything below it) or one person."""

    __tablename__ = "exam_audience"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class ExamItem(Base):
    """A hand-picked question; the paper takes its newest version when an attempt starts."""

    __tablename__ = "exam_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    lineage: Mapped[str] = mapped_column(String(32))
    score: Mapped[float]


class ExamRule(Base):
    """Draw `count` questions per person from a bank (optionally one type, knowledge point and
    difficulty range), least-used first."""

    __tablename__ = "exam_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    bank_id: Mapped[int] = mapped_column(ForeignKey("bank.id"))
    type: Mapped[str] = mapped_column(String(16), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    min_difficulty: Mapped[int | None]
    max_difficulty: Mapped[int | None]
    count: Mapped[int]
    score: Mapped[float]


class ExamExtension(Base):
    """Individual arrangements: extra minutes, or a later close for someone who was away."""

    __tablename__ = "exam_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    extra_minutes: Mapped[int] = mapped_column(default=0)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("exam_id", "user_id"),)


class Attempt(Base):
    __tablename__ = "attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id"), index=True)
    exam: Mapped[Exam] = relationship()
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[AttemptState] = mapped_column(string_enum(AttemptState, 16), default=AttemptState.OPEN)
    ended_by: Mapped[EndedBy] = mapped_column(string_enum(EndedBy, 16), default=EndedBy.NOT_YET)
    score: Mapped[float | None]
    max_score: Mapped[float]
    tab_switches: Mapped[int] = mapped_column(default=0)
    # Whether the points this attempt earns are in the ledger: they wait until its score may be
    # seen (exams.points), and a regrade sets this back.
    points_settled: Mapped[bool] = mapped_column(default=False, server_default=false())

    items: Mapped[list[AttemptItem]] = relationship(
        order_by="AttemptItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("exam_id", "user_id", "number"),
        # One attempt in progress per person and exam, whatever races the requests run.
        Index(
            "uq_attempt_open",
            "exam_id",
            "user_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
    )


class AttemptItem(Base):
    """One position of a frozen paper: the question version shown, its score and option order."""

    __tablename__ = "attempt_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id"), index=True)
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    lineage: Mapped[str] = mapped_column(String(32))
    score: Mapped[float]
    # option_order[i] = index in the question's options of the option shown in place i
    option_order: Mapped[list] = mapped_column(JSON, default=list)
    awarded: Mapped[float | None]

    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        Index("ix_attempt_item_exam_lineage", "exam_id", "lineage"),
    )


class Answer(Base):
    """The newest saved response at one position. `seq` is the client's counter: a save with a
    lower or equal seq than the stored one changes nothing, so replays and reordering are harmless."""

    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    position: Mapped[int]
    response: Mapped[object] = mapped_column(JSON)
    seq: Mapped[int]
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("attempt_id", "position"),)


class AttemptEvent(Base):
    """Tab switches (切屏), resumes and device changes, shown to administrators."""

    __tablename__ = "attempt_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(string_enum(EventKind, 32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class ExamPaper(Base):
    """A paper drawn ahead of the start, waiting for an attempt to claim it: the scheduler draws one
    for each person expected before a test opens, so the synchronised start only takes one."""

    __tablename__ = "exam_paper"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    # [[question_id, lineage, score, option_order], ...] in paper order, as AttemptItem will hold them
    lines: Mapped[list] = mapped_column(JSON)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
