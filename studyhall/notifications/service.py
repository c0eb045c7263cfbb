"""Writing notifications (once per person and key), reading and marking them, and handing them to
the delivery channels once written.

Features above this one (plans' reminders) send through notify(); this package knows nothing of
what a notification is about beyond its words, its link and its key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    SQLColumnExpression,
    delete,
    event,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from studyhall.access import local_target
from studyhall.errors import DomainError, ErrorCode
from studyhall.notifications import channels
from studyhall.notifications.channels import Delivery
from studyhall.notifications.models import Notification
from studyhall.pagination import Page, paginate

PER_PAGE = 30
BADGE_CAP = 99  # the badge says 99+ beyond: counting further costs more and tells nothing
KEEP_READ = timedelta(days=90)  # a read notification is swept this long after it was read
_ROWS_PER_INSERT = 500  # rows × columns stays far below the bind limits of SQLite and PostgreSQL
_PENDING = "studyhall.notifications.pending"


@dataclass(frozen=True)
class Message:
    recipient_id: int
    kind: str
    title: str
    body: str
    link: str  # a path inside the app ("/study/items/3"), or ""
    key: str  # what it is about: one notification per person and key


@contextmanager
def organisation_language() -> Iterator[None]:
    """Notifications are written in the organisation's language, whoever's click sends them."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


def path(endpoint: str, **values: object) -> str:
    """A page's path for a notification's link, also where there is no request to build it from
    (the scheduler)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def notify(
    session: Session,
    recipients: Iterable[int],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    key: str,
    now: datetime,
) -> int:
    """The same notification to each recipient who has not had one under `key`. Returns how
    many were written."""
    return send(
        session,
        [Message(person, kind, title, body, link, key) for person in sorted(set(recipients))],
        now=now,
    )


def send(session: Session, messages: Sequence[Message], *, now: datetime) -> int:
    """Write each message unless its recipient has one under its key already (a rerun, a double
    click, two senders at once: the database's unique key decides), then, once the caller's
    transaction commits, hand the new ones to the configured channels. Returns how many were
    written. The caller commits."""
    for message in messages:
        if message.link and local_target(message.link) != message.link:
            raise ValueError(f"a notification links inside the app only, not to {message.link!r}")
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    written: list[Delivery] = []
    for start in range(0, len(messages), _ROWS_PER_INSERT):
        chunk = messages[start : start + _ROWS_PER_INSERT]
        rows = session.execute(
            insert(Notification)
            .values(
                [
                    {
                        "recipient_id": message.recipient_id,
                        "kind": message.kind,
                        "title": message.title[:200],
                        "body": message.body,
                        "link": message.link,
                        "key": message.key,
                        "created_at": now,
                    }
                    for message in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["recipient_id", "key"])
            .returning(
                Notification.id,
                Notification.recipient_id,
                Notification.kind,
                Notification.title,
                Notification.body,
                Notification.link,
                Notification.created_at,
            )
        )
        written += [Delivery(*row) for row in rows]
    if written and (configured := channels.configured()):
        session.info.setdefault(_PENDING, []).append((configured, written))
    return len(written)


@event.listens_for(Session, "after_commit")
def _deliver_committed(session: Session) -> None:
    for configured, deliveries in session.info.pop(_PENDING, []):
        channels.deliver(configured, deliveries)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def not_notified(recipient: SQLColumnExpression[int], key: str) -> ColumnElement[bool]:
    """A condition for a sender's query: the person has no notification under this key yet (so a
    sweep skips, in the database, those it has notified before)."""
    return ~exists().where(Notification.recipient_id == recipient, Notification.key == key)


# ---- the recipient ---------------------------------------------------------------------------


def badge(session: Session, user_id: int) -> str:
    """The navigation's badge on every page: the person's unread notifications ("" for none,
    "99+" beyond BADGE_CAP), counted from the (recipient, read_at) index up to the cap only."""
    unread = (
        select(Notification.id)
        .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))
        .limit(BADGE_CAP + 1)
        .subquery()
    )
    count = session.scalar(select(func.count()).select_from(unread)) or 0
    return f"{BADGE_CAP}+" if count > BADGE_CAP else str(count or "")


def page_of(session: Session, user_id: int, *, page: int = 1) -> Page[Notification]:
    """The person's notifications, newest first."""
    query = (
        select(Notification)
        .where(Notification.recipient_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return paginate(session, query, page, PER_PAGE)


def mark_read(session: Session, user_id: int, notification_id: int, *, now: datetime) -> Notification:
    """The person's notification, read (from the first time); anyone else's is not found."""
    found = session.scalars(
        select(Notification).where(Notification.id == notification_id, Notification.recipient_id == user_id)
    ).first()
    if found is None:
        raise DomainError(_("No such notification."), ErrorCode.NOT_FOUND)
    if found.read_at is None:
        found.read_at = now
    return found


def mark_all_read(session: Session, user_id: int, *, now: datetime) -> int:
    """Every unread notification of the person's, read now; how many."""
    result = session.execute(
        update(Notification)
        .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount


def sweep_read(session: Session, *, now: datetime) -> int:
    """The scheduler's sweep: notifications read more than KEEP_READ ago are deleted. (Their keys
    go with them; what they were about is long past: a day's reminder, an item due then.)"""
    result = session.execute(delete(Notification).where(Notification.read_at < now - KEEP_READ))
    return cast(CursorResult[Any], result).rowcount
