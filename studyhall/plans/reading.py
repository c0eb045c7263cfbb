"""What a reader gets of a read or watch item: its document (only if the item is meant for them), and
reading (or watching) time, measured on the server from the heartbeats of the open item page.

The page beats every few seconds while it is visible and its reader is active (static/js/reading.js).
Each beat counts the time since the previous one, but at most MAX_BEAT, and nothing when the previous
beat is more than GAP ago (the page was hidden, the person away, the laptop asleep): a tab left open
earns nothing. A person reads one thing at a time: a beat counts only the time since the person's
latest beat of any item, so two items open side by side (or a script beating for all of a week's)
share the minutes rather than each earning them. However many beats arrive, from however many tabs
and for however many items, the time counted to a person's items together never runs ahead of the
clock. When the time reaches the item's minimum, the item is done (plans.service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyhall.accounts.models import Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.plans import kinds
from studyhall.plans import service as plans
from studyhall.plans.documents import Document, DocumentKind
from studyhall.plans.models import Plan, PlanItem, Progress, ProgressState

MAX_BEAT = timedelta(seconds=20)  # the page beats every 15 s; a late beat counts a little more, no more
GAP = timedelta(seconds=45)  # three missed beats: the reader was gone, and a new span begins


@dataclass(frozen=True)
class Reading:
    """What the page shows: the time counted, the minimum, and whether the item is done."""

    seconds: int
    min_seconds: int | None
    done: bool


def counts_time(item: PlanItem) -> bool:
    """Whether the item's kind has a minimum time (read and watch)."""
    return "min_seconds" in kinds.get(item.kind).fields


def credit(last: datetime | None, now: datetime, *, latest: datetime | None = None) -> int:
    """Whole seconds a beat at `now` counts after the item's previous beat at `last`, the person's
    latest beat of any item being at `latest`: only the time after both, so that no second of the
    person's is counted to two items."""
    if last is None:
        return 0
    since = now - last
    if since <= timedelta(0) or since > GAP:
        return 0
    fresh = now - max(last, latest or last)
    return int(max(timedelta(0), min(fresh, MAX_BEAT)).total_seconds())


def beat(session: Session, user: User, item_id: int, *, resume: bool, now: datetime) -> Reading:
    """Count a heartbeat of the person's page of the item. `resume` says the page is starting to count
    again (it was just opened, shown again or used again after a pause): the time since the last beat
    is then not the reader's and counts nothing. Completes the item at its minimum; the caller commits."""
    item = plans.item_for(session, user, item_id, now=now).item
    if not counts_time(item):
        raise DomainError(_("Only reading and watching items count time."), ErrorCode.INVALID)
    # Locked: of two beats at once (two tabs), the second counts from the first.
    progress = plans.progress_for(session, user, item, now)
    if progress.state is ProgressState.DONE:
        return Reading(progress.seconds, item.min_seconds, True)
    # The person locked too, after the item as completing an item locks them (no two beats wait on
    # each other): of two beats for two items at once, the second sees the first's and counts from
    # it. On SQLite progress_for's write has taken the database's one write lock already.
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    latest = session.scalar(select(func.max(Progress.last_beat_at)).where(Progress.user_id == user.id))
    if not resume:
        progress.seconds += credit(progress.last_beat_at, now, latest=latest)
    # Never moved back: a beat stamped earlier (another server's clock) cannot reopen counted time.
    if progress.last_beat_at is None or now > progress.last_beat_at:
        progress.last_beat_at = now
    if item.min_seconds is not None and progress.seconds >= item.min_seconds:
        plans.mark_done(session, user, item, now=now)
    return Reading(progress.seconds, item.min_seconds, progress.state is ProgressState.DONE)


def document_for(session: Session, user: User, document_id: int, *, now: datetime) -> Document:
    """A document the person may open: administrators and secretaries (who plan) any; anyone else
    one that an item meant for them shows. Anyone else's is not found, and so is a meeting's photo
    to everyone here: it is served through its meeting, to those who may see the meeting."""
    document = session.get(Document, document_id)
    if document is None or document.kind is DocumentKind.IMAGE:
        raise DomainError(_("No such document."), ErrorCode.NOT_FOUND)
    if user.role in (Role.ADMIN, Role.SECRETARY):
        return document
    shown = session.scalar(
        select(PlanItem.id)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(PlanItem.document_id == document_id, plans.for_person(session, user, now))
        .limit(1)
    )
    if shown is None:
        raise DomainError(_("No such document."), ErrorCode.NOT_FOUND)
    return document


@dataclass(frozen=True)
class Panel:
    """What the item page shows of a read or watch item besides its own text: the document, and the
    time counted so far against the minimum."""

    item: PlanItem
    document: Document | None
    reading: Reading | None  # None: the item counts no time


def panel(session: Session, item: PlanItem, mine: plans.MyItem | None) -> Panel:
    """The item's panel; without `mine` (an editor's preview), its document and no time."""
    document = session.get(Document, item.document_id) if item.document_id is not None else None
    reading = None
    if mine is not None and counts_time(item) and item.min_seconds is not None:
        seconds = mine.progress.seconds if mine.progress else 0
        reading = Reading(seconds, item.min_seconds, mine.done)
    return Panel(item, document, reading)
