"""Practice: rounds of questions with feedback at once, the sets administrators publish, and each
person's wrong-answer book (错题本) scheduled by FSRS."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhall.db import Base, UTCDateTime, string_enum


class RoundKind(enum.StrEnum):
    DAILY = "daily"  # 每日答题: five drawn questions a day
    WEEKLY = "weekly"  # 每周答题: the week's published set
    TOPIC = "topic"  # 专项答题: a topic set
    CHALLENGE = "challenge"  # 挑战答题: questions until the first wrong answer
    REVIEW = "review"  # a session of the wrong-answer book's due questions


class SetKind(enum.StrEnum):
    WEEKLY = "weekly"
    TOPIC = "topic"


class PracticeSet(Base):
    """A fixed list of questions an administrator publishes: the week's set (每周答题) or a topic
    set (专项答题), open from its first to its last day. Everyone answers the same questions."""

    __tablename__ = "practice_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SetKind] = mapped_column(string_enum(SetKind, 16))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    # The questions' lineages in the order they are asked; each round takes their newest versions.
    lineages: Mapped[list[str]] = mapped_column(JSON)
    # How the administrator built it (bank ids and categories), shown when the set is edited.
    built_from: Mapped[dict] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PracticeRound(Base):
    """One person's round: the question versions asked, fixed when it starts, so a reload, a second
    device or an edit of the bank asks the same questions. One round per person and key (the day
    for 每日答题, the set for a set), so two devices starting at once share it."""

    __tablename__ = "practice_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[RoundKind] = mapped_column(string_enum(RoundKind, 16))
    key: Mapped[str] = mapped_column(String(40))
    set_id: Mapped[int | None] = mapped_column(ForeignKey("practice_set.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # the local day it started
    question_ids: Mapped[list[int]] = mapped_column(JSON)  # grows one at a time in a challenge
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a challenge's first wrong answer

    answers: Mapped[list[PracticeAnswer]] = relationship(
        order_by="PracticeAnswer.position", cascade="all, delete-orphan", back_populates="round"
    )

    __table_args__ = (
        UniqueConstraint("user_id", "kind", "key"),
        Index("ix_practice_round_kind_day", "kind", "day"),
    )


class PracticeAnswer(Base):
    """The answer at one position of a round: the first one the server receives counts, so a
    replay or a second device changes nothing."""

    __tablename__ = "practice_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("practice_round.id", ondelete="CASCADE"))
    round: Mapped[PracticeRound] = relationship(back_populates="answers")
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    lineage: Mapped[str] = mapped_column(String(32))
    response: Mapped[object] = mapped_column(JSON)  # stored form (the question's own letters)
    correct: Mapped[bool]
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("round_id", "position"),
        # The draw's history of a person, and the most-wrong lists.
        Index("ix_practice_answer_user_lineage", "user_id", "lineage"),
        Index("ix_practice_answer_lineage_correct", "lineage", "correct"),
    )


class CardOrigin(enum.StrEnum):
    PRACTICE = "practice"  # answered wrong in practice
    EXAM = "exam"  # answered wrong in a closed-book test, filed once its review opened
    ADDED = "added"  # put in the book by its owner


class ReviewCard(Base):
    """A question in a person's wrong-answer book. `card` is the FSRS card (fsrs.Card.to_dict());
    `due` copies its due time so "today's reviews" is an indexed read. A card leaves the book
    (`learnt_at`) once answered right with a stability past the book's threshold; a new mistake
    brings it back."""

    __tablename__ = "review_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lineage: Mapped[str] = mapped_column(String(32))
    bank_id: Mapped[int] = mapped_column(ForeignKey("bank.id"))
    origin: Mapped[CardOrigin] = mapped_column(string_enum(CardOrigin, 16))
    card: Mapped[dict] = mapped_column(JSON)
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The latest wrong answer: the question version, the response (its own letters) and when.
    wrong_question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))
    wrong_response: Mapped[object] = mapped_column(JSON, nullable=True)
    wrong_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wrong_count: Mapped[int] = mapped_column(default=0)
    learnt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("user_id", "lineage"),
        Index("ix_review_card_due", "user_id", "learnt_at", "due"),
    )


class FiledAttempt(Base):
    """A submitted test attempt whose wrong answers are in its owner's book: filed once, when the
    test's review has opened (never earlier: the book shows keys)."""

    __tablename__ = "practice_filed_attempt"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
