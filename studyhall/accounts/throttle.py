"""Slowing down guesses at a secret: sign-in passwords, the current password, 考试口令.

Each try is counted against one or more limits (a device, an account, an address, a person at one
test) BEFORE the secret is checked, in one atomic statement per limit committed at once, so forty
parallel guesses against a limit of five let exactly five through to the check. A success gives its
try back: only failures use a limit up. Windows are fixed (a counter starts afresh once its window
is over), so at most twice the limit can pass around a window's end.

The counters live in the database, not in a worker's memory: every gunicorn worker and host sees the
same counts (SQLite serialises the upserts under its write lock, PostgreSQL under the row lock of
INSERT … ON CONFLICT DO UPDATE), with no Redis to run, and a restart does not forget them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from studyhall.accounts.models import TryCounter
from studyhall.errors import DomainError, ErrorCode

WARN_WHEN_LEFT = 2  # say how many tries are left once it is this few


@dataclass(frozen=True)
class Limit:
    scope: str  # "device", "account", "address", "access_code"
    key: str
    allowed: int


@dataclass(frozen=True)
class Count:
    limit: Limit
    tries: int
    window_start: datetime


@dataclass(frozen=True)
class Ticket:
    """The counts one try was given; hand it back with give_back() if the secret was right."""

    counts: tuple[Count, ...]

    @property
    def tries_left(self) -> int:
        return min(count.limit.allowed - count.tries for count in self.counts)


class Throttled(DomainError):
    def __init__(self, minutes: int) -> None:
        super().__init__(
            _("Too many wrong tries. Try again in %(n)d minutes.", n=minutes), ErrorCode.THROTTLED
        )
        self.minutes = minutes


def window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_TRY_WINDOW_MINUTES"])


def tries_left_warning(ticket: Ticket, *, now: datetime) -> str | None:
    """What to tell someone who just got it wrong: how many tries are left once they are few, and
    after the last one, how long to wait (rather than let the next try find out)."""
    if 0 < ticket.tries_left <= WARN_WHEN_LEFT:
        return _("You can try %(n)d more times.", n=ticket.tries_left)
    if ticket.tries_left <= 0:
        used_up = [count for count in ticket.counts if count.tries >= count.limit.allowed]
        return _(
            "That was the last try. Try again in %(n)d minutes.", n=_minutes_until_reopened(used_up, now)
        )
    return None


def _minutes_until_reopened(counts: Sequence[Count], now: datetime) -> int:
    reopens = max(count.window_start for count in counts) + window()
    return max(1, math.ceil((reopens - now).total_seconds() / 60))


@contextmanager
def own_transaction(session: Session) -> Iterator[Session]:
    """A session of its own on the caller's database, committed on leaving: what it writes stands
    whatever the caller's transaction does afterwards (a refused start rolls back; its audit row
    and its count must not)."""
    with Session(session.get_bind()) as own, own.begin():
        yield own


def take(session: Session, limits: Sequence[Limit], *, now: datetime) -> Ticket:
    """Count a try against every limit, committed before returning; raise Throttled if any limit
    was already used up (the secret must then not be checked at all)."""
    with own_transaction(session) as own:
        counts = tuple(_count(own, limit, now) for limit in limits)
    spent = [count for count in counts if count.tries > count.limit.allowed]
    if spent:
        # A refused try checks no secret, so it uses up no other limit: else one client's refused
        # flood at unknown 工号 would fill its address's limit for everyone behind the same NAT.
        give_back(session, Ticket(counts))
        raise Throttled(_minutes_until_reopened(spent, now))
    return Ticket(counts)


def give_back(session: Session, ticket: Ticket) -> None:
    """This try does not count: the secret was right, or the try was refused unchecked. Counters
    whose window is over go too."""
    with own_transaction(session) as own:
        for count in ticket.counts:
            own.execute(
                update(TryCounter)
                .where(
                    TryCounter.scope == count.limit.scope,
                    TryCounter.key == count.limit.key,
                    TryCounter.window_start == count.window_start,
                    TryCounter.tries > 0,
                )
                .values(tries=TryCounter.tries - 1)
            )
        oldest = min(count.window_start for count in ticket.counts)
        own.execute(delete(TryCounter).where(TryCounter.window_start < oldest - window()))


def _count(session: Session, limit: Limit, now: datetime) -> Count:
    """One statement: start the limit's counter at 1, or add 1 to it, or start it afresh at 1 if
    its window is over; returns the count and the window's start."""
    dialect = session.get_bind().dialect.name
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(TryCounter).values(
        scope=limit.scope, key=limit.key, window_start=now, tries=1
    )
    over = TryCounter.window_start <= now - window()
    statement = insert.on_conflict_do_update(
        index_elements=["scope", "key"],
        set_={
            "tries": case((over, 1), else_=TryCounter.tries + 1),
            "window_start": case((over, insert.excluded.window_start), else_=TryCounter.window_start),
        },
    ).returning(TryCounter.tries, TryCounter.window_start)
    tries, window_start = session.execute(statement).one()
    return Count(limit, tries, window_start)
