"""What the rest of the app reads of 学习强国: the latest snapshot, a person's figures and the board;
and taking a snapshot back.

A figure is a person's 学习强国 total in a snapshot and their gain since the snapshot before it (None
when that one did not hold them): a gain between two exports, whatever days they were made, never a
week's or a month's. These figures are shown beside the in-house points, never added to the
ledger: they are the 学习强国 app's, not earned here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from studyhall import i18n
from studyhall.accounts import levels
from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.errors import DomainError, ErrorCode
from studyhall.xxqg.models import Snapshot, SnapshotRow


class Figure(NamedTuple):
    total: int
    gain: int | None  # since the previous snapshot; None if it did not hold the person


def latest_snapshot(session: Session, on_or_before: date | None = None) -> Snapshot | None:
    """The snapshot of the latest export (on or before the day, if given); of two exports of one
    day, the one imported last."""
    query = select(Snapshot).order_by(Snapshot.exported_on.desc(), Snapshot.id.desc()).limit(1)
    if on_or_before is not None:
        query = query.where(Snapshot.exported_on <= on_or_before)
    return session.scalars(query).first()


def previous_snapshot(session: Session, snapshot: Snapshot) -> Snapshot | None:
    """The snapshot just before this one: the one a gain is counted from."""
    earlier = or_(
        Snapshot.exported_on < snapshot.exported_on,
        and_(Snapshot.exported_on == snapshot.exported_on, Snapshot.id < snapshot.id),
    )
    return session.scalars(
        select(Snapshot).where(earlier).order_by(Snapshot.exported_on.desc(), Snapshot.id.desc()).limit(1)
    ).first()


def snapshots(session: Session) -> list[Snapshot]:
    """Every snapshot, the latest export first."""
    return list(session.scalars(select(Snapshot).order_by(Snapshot.exported_on.desc(), Snapshot.id.desc())))


def people_counts(session: Session) -> dict[int, int]:
    """How many people each snapshot holds."""
    query = select(SnapshotRow.snapshot_id, func.count()).group_by(SnapshotRow.snapshot_id)
    return {snapshot_id: people for snapshot_id, people in session.execute(query)}


def total_label(exported_on: date) -> str:
    """The heading of a 学习强国 total: the day of the export it is from (a snapshot's, or the one a
    积分公示 froze)."""
    return _("学习强国 total (export of %(day)s)", day=i18n.day_text(exported_on))


def gain_label(previous_on: date | None) -> str:
    """The heading of a gain: between two exports, since the one before (of that day; None: there
    was none), never a board's period."""
    if previous_on is None:
        return _("Gain (no earlier export)")
    return _("Gain since the previous export (%(day)s)", day=i18n.day_text(previous_on))


def people_count(session: Session, snapshot: Snapshot) -> int:
    """How many people one snapshot holds."""
    query = select(func.count()).select_from(SnapshotRow).where(SnapshotRow.snapshot_id == snapshot.id)
    return session.scalar(query) or 0


def delete_snapshot(session: Session, actor: User, snapshot_id: int, *, now: datetime) -> date:
    """Take an imported export back (a wrong or partial file): its rows go, and the snapshot before
    it is the latest again if it was the latest; its file can be imported again. Audited; the
    caller commits. Returns the day of the export deleted."""
    gone = DomainError(_("This 学习强国 snapshot was deleted already."), ErrorCode.NOT_FOUND)
    found = session.get(Snapshot, snapshot_id)
    if found is None:
        raise gone
    exported_on, filename, held = found.exported_on, found.filename, people_count(session, found)
    # By statements, through the connection (a result with a row count): of two deletions at once
    # (a double click), the second deletes nothing and is told so instead of failing.
    connection = session.connection()
    connection.execute(delete(SnapshotRow).where(SnapshotRow.snapshot_id == snapshot_id))
    if connection.execute(delete(Snapshot).where(Snapshot.id == snapshot_id)).rowcount == 0:
        raise gone
    session.expunge(found)
    accounts.record(
        session,
        actor,
        "xxqg.delete",
        f"{exported_on.isoformat()} {filename}",
        now=now,
        exported_on=exported_on.isoformat(),
        people=held,
    )
    return exported_on


def figures(
    session: Session, user_ids: Iterable[int], *, on_or_before: date | None = None
) -> dict[int, Figure]:
    """The people's figures in the latest snapshot (on or before the day); people it does not
    hold are left out."""
    snapshot = latest_snapshot(session, on_or_before)
    wanted = set(user_ids)
    if snapshot is None or not wanted:
        return {}
    return figures_in(session, snapshot, wanted)


def totals(session: Session, snapshot: Snapshot, user_ids: set[int] | None = None) -> dict[int, int]:
    """The people's totals in a snapshot (None: everyone's); people it does not hold are left out."""
    query = select(SnapshotRow.user_id, SnapshotRow.total).where(SnapshotRow.snapshot_id == snapshot.id)
    if user_ids is not None:
        query = query.where(SnapshotRow.user_id.in_(user_ids))
    return dict(session.execute(query).all())


def figures_in(session: Session, snapshot: Snapshot, user_ids: set[int] | None = None) -> dict[int, Figure]:
    """The people's figures in this snapshot (None: of everyone it holds, read without a list of
    ids, however many); people it does not hold are left out."""
    previous = previous_snapshot(session, snapshot)
    before = totals(session, previous, user_ids) if previous is not None else {}
    return {
        user_id: Figure(total, total - before[user_id] if user_id in before else None)
        for user_id, total in totals(session, snapshot, user_ids).items()
    }


@dataclass(frozen=True)
class BoardRow:
    rank: int
    user_id: int
    name: str
    username: str
    branch: str  # where they are, from their 党支部 down (accounts.levels.Tree.path)
    branch_id: int | None
    total: int
    gain: int | None
    periods: dict[str, int] = field(default_factory=dict)


def _board_query(
    session: Session, snapshot: Snapshot, branch_ids: set[int] | None
) -> Select[SnapshotRow, str, str, int | None]:
    query = (
        select(SnapshotRow, User.display_name, User.username, User.branch_id)
        .join(User, User.id == SnapshotRow.user_id)
        .where(SnapshotRow.snapshot_id == snapshot.id, User.active.is_(True))
    )
    # Ranked as on the points boards: the active members of the 党支部 in scope.
    return query.where(User.branch_id.in_(levels.ranked_branches(session, branch_ids)))


def board(
    session: Session,
    snapshot: Snapshot,
    *,
    branch_ids: set[int] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[BoardRow]:
    """The people of a snapshot ranked by their 学习强国 total (of equal totals, in the export's
    order), from `offset`; `branch_ids` limits it to those branches. Like the points boards, it
    ranks the active members of the 党支部 (accounts.levels)."""
    query = _board_query(session, snapshot, branch_ids).order_by(SnapshotRow.total.desc(), SnapshotRow.line)
    rows = session.execute(query.limit(limit).offset(offset)).all()
    gains = figures_in(session, snapshot, {row.user_id for row, *_rest in rows})
    tree = levels.Tree.read(session)
    return [
        BoardRow(
            offset + place,
            row.user_id,
            name,
            username,
            tree.path(branch_id),  # from the 党支部 down: every 党支部 has a 第一党小组
            branch_id,
            row.total,
            gains[row.user_id].gain,
            dict(row.periods),
        )
        for place, (row, name, username, branch_id) in enumerate(rows, start=1)
    ]


def board_count(session: Session, snapshot: Snapshot, *, branch_ids: set[int] | None = None) -> int:
    """How many people are on a snapshot's board."""
    query = _board_query(session, snapshot, branch_ids).with_only_columns(func.count())
    return session.scalar(query) or 0
