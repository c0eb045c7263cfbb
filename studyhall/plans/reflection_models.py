"""心得体会: what a person writes for a reflection item of a plan, and every review of it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhall.db import Base, UTCDateTime, string_enum


class ReflectionState(enum.StrEnum):
    DRAFT = "draft"  # being written, saved as it is typed
    SUBMITTED = "submitted"  # waiting for the secretary
    RETURNED = "returned"  # sent back with a comment: revised and submitted again
    APPROVED = "approved"


class Decision(enum.StrEnum):
    APPROVE = "approve"
    RETURN = "return"


class Reflection(Base):
    """One person's reflection on one item. `seq` is the draft's sequence number from the page
    (milliseconds on the server's clock): a save numbered lower than the stored one changes
    nothing, so a late or replayed save never overwrites newer text. The review columns hold the
    latest review; ReflectionReview keeps every one."""

    __tablename__ = "reflection"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[ReflectionState] = mapped_column(
        string_enum(ReflectionState, 16), default=ReflectionState.DRAFT
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many times it has been submitted: a review names the submission it read, so a second
    # click arriving after a resubmission cannot decide on text its reviewer never saw.
    submissions: Mapped[int] = mapped_column(default=0)
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    excellent: Mapped[bool] = mapped_column(default=False)  # 优秀: shown to the author's 党支部

    reviews: Mapped[list[ReflectionReview]] = relationship(
        cascade="all, delete-orphan", order_by="ReflectionReview.id", back_populates="reflection"
    )

    __table_args__ = (
        UniqueConstraint("item_id", "user_id"),
        # The reviewers' list: one state, newest submission first.
        Index("ix_reflection_queue", "state", "submitted_at"),
    )


class ReflectionReview(Base):
    """One approval or return, with its comment and the text it was about: a reflection returned
    and submitted again keeps what was said of each version."""

    __tablename__ = "reflection_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(ForeignKey("reflection.id", ondelete="CASCADE"), index=True)
    decision: Mapped[Decision] = mapped_column(string_enum(Decision, 16))
    comment: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    reflection: Mapped[Reflection] = relationship(back_populates="reviews")
