"""A person's in-app notifications: reminders and the like, listed newest first, each read once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.db import Base, UTCDateTime


class Notification(Base):
    """One message to one person. `key` names what it is about (a plan's reminder of a day, an
    item's due time): one row per person and key, so a sweep run twice, or two secretaries
    clicking at once, notify once."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # the sender's name for what it is: "plan.remind"
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")  # a path inside the app, or ""
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("recipient_id", "key"),
        # The navigation's badge on every page: a person's unread ones.
        Index("ix_notification_unread", "recipient_id", "read_at"),
        # The sweep of old read ones.
        Index("ix_notification_read_at", "read_at"),
    )
