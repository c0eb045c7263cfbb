"""学习强国 snapshots: one per imported export file, holding a row per person it was matched to."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from studyhall.db import Base, UTCDateTime


class Snapshot(Base):
    """The figures of one 学习强国 export, dated to the day it was exported. The file's hash is
    unique, so importing the same file again adds nothing."""

    __tablename__ = "xxqg_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    exported_on: Mapped[date] = mapped_column(Date, index=True)
    # Of the export's content (its date and rows), not its bytes: see imports._identify_content.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    # The period columns of the export (今日积分, 本周积分 …) in the file's order, named as it names them.
    periods: Mapped[list[str]] = mapped_column(JSON, default=list)
    unmatched: Mapped[int] = mapped_column(default=0)  # rows left out: nobody here was theirs
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class SnapshotRow(Base):
    """One person's 学习强国 figures in a snapshot."""

    __tablename__ = "xxqg_snapshot_row"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("xxqg_snapshot.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)
    line: Mapped[int]  # the row of the file it came from: of equal totals, the export's order decides
    total: Mapped[int]
    periods: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


# The 学习强国 board reads a snapshot's rows in this order.
Index("ix_xxqg_snapshot_row_board", SnapshotRow.snapshot_id, SnapshotRow.total.desc(), SnapshotRow.line)
