"""Question banks and their versioned questions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhall.db import Base, UTCDateTime
from studyhall.questions.answers import Answer


class Bank(Base):
    __tablename__ = "bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Shipped banks are public-law knowledge: every question must name its source (出处).
    require_source: Mapped[bool] = mapped_column(default=False)
    # Since when cadres practise on it (每日答题, the challenge); None: not open for practice.
    # Practice shows keys at once, so opening it is an administrator's decision.
    practice_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Question(Base):
    """One version of a question. Editing writes a new row with the same lineage and the next
    version, so a paper that showed version 3 keeps showing version 3."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("bank.id"), index=True)
    bank: Mapped[Bank] = relationship()
    lineage: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int]
    current: Mapped[bool] = mapped_column(default=True)  # the newest version of its lineage
    retired: Mapped[bool] = mapped_column(default=False)
    type: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[Answer] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty: Mapped[int | None]
    score: Mapped[float] = mapped_column(default=1.0)
    source: Mapped[str] = mapped_column(Text, default="")
    external_id: Mapped[str] = mapped_column(String(100), default="")
    case_sensitive: Mapped[bool] = mapped_column(default=False)
    # sha1 of the normalised stem: how a re-imported question without 编号 finds itself.
    stem_key: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (
        UniqueConstraint("lineage", "version"),
        Index("ix_question_bank_current", "bank_id", "current"),
        Index("ix_question_bank_stem_key", "bank_id", "stem_key"),
    )


class QuestionTwin(Base):
    """Two questions, usually in different banks, that ask the same thing (banks/twins.py), one
    row each way. Whatever holds one back holds the other: its key answers both. Rewritten whole
    after every import and edit, so a duplicate row from two at once is harmless."""

    __tablename__ = "question_twin"

    id: Mapped[int] = mapped_column(primary_key=True)
    lineage: Mapped[str] = mapped_column(String(32), index=True)
    twin: Mapped[str] = mapped_column(String(32))
