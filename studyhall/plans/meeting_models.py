"""三会一课 records: a meeting of a 党支部 or a 党小组, who attended it, and its photos."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhall.db import Base, UTCDateTime, string_enum
from studyhall.plans.models import MeetingKind

if TYPE_CHECKING:
    from studyhall.accounts.models import Branch, User
    from studyhall.plans.documents import Document
    from studyhall.plans.models import PlanItem


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"  # 出席
    LEAVE = "leave"  # 请假, with its reason
    ABSENT = "absent"  # 缺席


class Meeting(Base):
    """A meeting as its 会议记录 holds it. The host and the recorder are people of the app, or named
    in words when they are not (a 党课 given by a leader from outside). A meeting linked to a plan
    item of kind meeting completes that item for those recorded present. `recorded_at` is when its
    attendance was first saved: a meeting counts as held, in the quarter's checklist, from then."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    kind: Mapped[MeetingKind] = mapped_column(string_enum(MeetingKind, 16))
    topic: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    host_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    host_name: Mapped[str] = mapped_column(String(100), default="")
    recorder_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorder_name: Mapped[str] = mapped_column(String(100), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")  # 会议记录
    item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id", ondelete="SET NULL"), index=True)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    branch: Mapped[Branch] = relationship()
    host: Mapped[User | None] = relationship(foreign_keys=[host_id])
    recorder: Mapped[User | None] = relationship(foreign_keys=[recorder_id])
    item: Mapped[PlanItem | None] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(
        cascade="all, delete-orphan", back_populates="meeting", order_by="Attendance.id"
    )
    attachments: Mapped[list[MeetingAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="MeetingAttachment.id"
    )

    __table_args__ = (
        # A branch holds one meeting of a kind at a time: a form sent twice records it once.
        UniqueConstraint("branch_id", "kind", "starts_at"),
        # The list and the quarter's checklist: a branch's meetings by time.
        Index("ix_meeting_branch_starts", "branch_id", "starts_at"),
        Index("ix_meeting_starts", "starts_at"),
    )

    @property
    def host_text(self) -> str:
        return self.host.display_name if self.host else self.host_name

    @property
    def recorder_text(self) -> str:
        return self.recorder.display_name if self.recorder else self.recorder_name


class Attendance(Base):
    """One person's attendance at a meeting, as the secretary recorded it. `points_at` is the time
    the 三会一课 points of a presence were dated (the meeting's start then): taking them back (a
    correction) is dated the same, so the correction counts in the periods the award did."""

    __tablename__ = "meeting_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(string_enum(AttendanceStatus, 8))
    reason: Mapped[str] = mapped_column(String(200), default="")  # 请假 (or 缺席) reason
    points_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)


class MeetingAttachment(Base):
    """A photo of a meeting (plans.documents, kind image). Served only through its meeting, to those
    who may see the meeting."""

    __tablename__ = "meeting_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    document: Mapped[Document] = relationship()

    __table_args__ = (UniqueConstraint("meeting_id", "document_id"),)
