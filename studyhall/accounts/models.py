"""Branches (机关党委 → 党支部 → 党小组), users and the audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhall.db import Base, UTCDateTime


class Role(enum.StrEnum):
    CADRE = "cadre"
    SECRETARY = "secretary"
    ADMIN = "admin"


class Branch(Base):
    __tablename__ = "branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    # Set by an administrator; None: the number in the name decides (see accounts.branch_order).
    sort_order: Mapped[int | None]
    parent: Mapped[Branch | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Branch]] = relationship(back_populates="parent")

    __table_args__ = (UniqueConstraint("parent_id", "name"),)


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    branch: Mapped[Branch | None] = relationship()
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change, reset and deactivation: sessions carrying an older value end.
    auth_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The LoginSession this object was loaded for (or is signing in): part of the session id. Not a
    # column, so declarative mapping must not see an annotation for it; mypy must.
    if TYPE_CHECKING:
        session_key: str | None
    else:
        session_key = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.auth_version}:{self.session_key}"


class LoginSession(Base):
    """One signed-in browser. Its key is in the signed session cookie; signing out deletes the row,
    so a copy of the cookie taken before is worth nothing afterwards."""

    __tablename__ = "login_session"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    actor: Mapped[User | None] = relationship()
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class TryCounter(Base):
    """Tries at a secret within the current window, for one limit (see accounts.throttle)."""

    __tablename__ = "try_counter"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    tries: Mapped[int]
