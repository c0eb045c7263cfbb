"""A person's private calendar feed: the address a phone's calendar subscribes to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.db import Base, UTCDateTime


class CalendarFeed(Base):
    """One address of one person's feed. Only the SHA-256 of its token is kept: the address is
    shown once, when it is made, and a copy of the database (a backup, a dump for a bug report)
    opens nobody's calendar. A new address revokes the one before; revoked rows are kept as the
    record of when each address lived."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The person's auth_version when it was made: a password changed or reset, or the person
    # deactivated, ends it as it ends their sign-in sessions (reactivated, it stays ended).
    auth_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a calendar last read it (kept to the hour): the person sees that the subscription works.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # One live address per person, whatever two clicks at once do.
        Index(
            "uq_calendar_feed_live",
            "user_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )
