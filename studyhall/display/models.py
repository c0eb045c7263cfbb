"""A registered corridor screen: its secret address, its panels and how it shows names."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.db import Base, UTCDateTime, string_enum


class Privacy(enum.StrEnum):
    """How the screen names people: a corridor is seen by visitors too."""

    FULL_NAME = "full_name"
    SURNAME = "surname"  # 王同志


class Display(Base):
    """One screen (one per floor). The token is the whole of its credential: the TV has no
    keyboard to sign in with. It is kept in clear, not hashed, so that an administrator can read the
    address off the admin page again when a TV is replaced; revoking (revoked_at) or issuing a new
    token is how an address that leaked is shut."""

    __tablename__ = "display"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    panels: Mapped[list[str]] = mapped_column(JSON)  # panel kinds (display.panels), in showing order
    rotate_seconds: Mapped[int]
    privacy: Mapped[Privacy] = mapped_column(string_enum(Privacy, 16), default=Privacy.SURNAME)
    notice: Mapped[str] = mapped_column(Text, default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
