"""Each person's calendar feed: a private address that a phone's calendar subscribes to, serving
the person's plan items as iCalendar events (meetings at their time and place, everything else at
its due time), with a reminder before each one not yet done.

A calendar cannot sign in, so the address is the credential, as a corridor screen's is: 256 random
bits, of which only the SHA-256 is stored (the address is shown once, when it is made). A person
has one live address at a time: a new one revokes the one before at once, and either can be
revoked for good. Every address that fails (unknown, revoked, a person who has left) counts
against the asking address's limit before anything is looked up, as wrong passwords do.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhall import clock
from studyhall.accounts import service as accounts
from studyhall.accounts import throttle
from studyhall.accounts.models import User
from studyhall.errors import DomainError, ErrorCode
from studyhall.plans import kinds, meetings
from studyhall.plans import service as plans
from studyhall.plans.calendar_models import CalendarFeed
from studyhall.plans.models import ItemKind, MeetingKind

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
# What the feed holds: the last two months (a phone shows what was done) and the coming year; a
# phone reads the whole feed at every refresh, so it stays small.
PAST = timedelta(days=60)
AHEAD = timedelta(days=365)
# A meeting's length when nothing says when it ends: a 党课, a 党员大会 or a 主题党日 takes a
# morning's or an afternoon's part, a committee or a 党小组 meeting an hour.
MEETING_LENGTH = {
    MeetingKind.ASSEMBLY: timedelta(hours=2),
    MeetingKind.COMMITTEE: timedelta(hours=1),
    MeetingKind.GROUP: timedelta(hours=1),
    MeetingKind.LECTURE: timedelta(hours=2),
    MeetingKind.THEME_DAY: timedelta(hours=2),
}
MEETING_REMINDER = timedelta(minutes=30)  # time to walk to the meeting room
DUE_REMINDER = timedelta(days=1)  # a day to do it: most items are due on Sunday evening
READ_NOTED_EVERY = timedelta(hours=1)  # how often a read is written down (see note_read)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- the person's own page -------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    feed: CalendarFeed
    token: str  # in clear: shown this once


def live(session: Session, user: User) -> CalendarFeed | None:
    """The person's address in use, if any (one made before their password last changed is not)."""
    return session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.user_id == user.id,
            CalendarFeed.revoked_at.is_(None),
            CalendarFeed.auth_version == user.auth_version,
        )
    ).first()


def _revoke_live(session: Session, user: User, now: datetime) -> int | None:
    """Revoke the person's live address, once others' changes to it are in (their row locked
    first: of two clicks at once, the second sees the first's address and revokes it)."""
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    # Not only a live one: one ended by a password change is unrevoked still, and holds the place
    # of the person's one unrevoked address.
    found = session.scalar(
        select(CalendarFeed.id).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
    )
    if found is None:
        return None
    session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.id == found, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return found


def issue(session: Session, user: User, *, now: datetime) -> Issued:
    """A new address for the person's feed; the one before, if any, stops working at once. The
    caller commits."""
    replaced = _revoke_live(session, user, now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        user_id=user.id, token_hash=_hash(token), auth_version=user.auth_version, created_at=now
    )
    try:
        with session.begin_nested():
            session.add(feed)
            session.flush()
    except IntegrityError:  # SQLite's FOR UPDATE locks nothing: two clicks at once meet here
        raise DomainError(
            _(
                "Another click made an address at the same moment, and that one works. Make a new one to see it."
            ),
            ErrorCode.DUPLICATE,
        ) from None
    accounts.record(
        session, user, "plan.calendar_issue", user.username, now=now, feed=feed.id, replaces_feed=replaced
    )
    return Issued(feed, token)


def revoke(session: Session, user: User, *, now: datetime) -> bool:
    """Stop the person's address; False if there was none. The caller commits."""
    revoked = _revoke_live(session, user, now)
    if revoked is None:
        return False
    accounts.record(session, user, "plan.calendar_revoke", user.username, now=now, feed=revoked)
    return True


def opens(feed: CalendarFeed, token: str) -> bool:
    """Whether the token is this feed's (the page shows the address just made only if it is)."""
    return secrets.compare_digest(feed.token_hash, _hash(token))


# ---- a calendar reading the feed ---------------------------------------------------------------


def by_token(session: Session, token: str) -> tuple[CalendarFeed, User] | None:
    """The live feed this token opens and its person, unless the token is malformed, unknown or
    revoked, the person has left, or their password has changed since it was made. The hash is looked up through its unique index: nothing of
    how much of a guess matched can be timed."""
    if not TOKEN.fullmatch(token):
        return None  # no lookup for what no token can be
    found = session.execute(
        select(CalendarFeed, User)
        .join(User, User.id == CalendarFeed.user_id)
        .where(
            CalendarFeed.token_hash == _hash(token),
            CalendarFeed.revoked_at.is_(None),
            CalendarFeed.auth_version == User.auth_version,
            User.active,
        )
    ).first()
    return None if found is None else (found[0], found[1])


def open_feed(session: Session, token: str, address: str, *, now: datetime) -> tuple[CalendarFeed, User]:
    """The feed a calendar asks for; an address that opens nothing is not found, and counts
    against the asking address (raises throttle.Throttled once those failures have used its limit
    up). A working address is served whatever that count: an office behind one NAT, with phones
    still polling replaced addresses or someone probing, must not lose its calendars. Checking a
    token while its asker is limited gives a guesser nothing: 256 random bits are not guessed."""
    found = by_token(session, token)
    if found is not None:
        return found
    limit = throttle.Limit("calendar", address, current_app.config["CALENDAR_TRIES_PER_ADDRESS"])
    throttle.take(session, [limit], now=now)
    raise DomainError(_("No such calendar."), ErrorCode.NOT_FOUND)


def note_read(feed: CalendarFeed, *, now: datetime) -> bool:
    """Write down that a calendar read the feed, at most once an hour (a phone may refresh every
    few minutes); whether it changed. The caller commits."""
    if feed.read_at is not None and now - feed.read_at < READ_NOTED_EVERY:
        return False
    feed.read_at = now
    return True


@dataclass(frozen=True)
class Feed:
    body: bytes  # the same bytes for the same items and progress: its hash is the ETag
    events: int


def build(
    session: Session, user: User, *, domain: str, item_url: Callable[[int], str], now: datetime
) -> Feed:
    """The person's feed: their items (those of published plans meant for them) from PAST before
    `now` to AHEAD after it. In the organisation's language, whoever's phone asks: a calendar sends
    no language. Times are UTC, which every calendar converts to the phone's own zone."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        calendar = Calendar()
        calendar.add("prodid", "-//studyhall//study plans//ZH")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("Study plan · %(name)s", name=user.display_name))
        calendar.add("x-wr-caldesc", _("Study items and meetings from the intranet's study plans."))
        calendar.add("x-wr-timezone", clock.local_zone().key)  # the zone a client shows it in
        # How often to read it again, as Apple's and most Android subscriptions take it.
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        mine = plans.dated_between(session, user, now - PAST, now + AHEAD, now=now)
        records = meetings.held(
            session, [found.item.id for found in mine if found.item.kind is ItemKind.MEETING]
        )
        for found in mine:
            calendar.add_component(_event(found, records.get(found.item.id), domain, item_url(found.item.id)))
        return Feed(calendar.to_ical(), len(mine))


def _event(mine: plans.MyItem, record: meetings.Held | None, domain: str, url: str) -> Event:
    """The item's event; a meeting's at the time it was held and for as long, once recorded."""
    item, plan = mine.item, mine.plan
    meeting_kind = item.meeting_kind if item.kind is ItemKind.MEETING else None
    label = str(kinds.MEETING_LABELS[meeting_kind] if meeting_kind else kinds.get(item.kind).label)
    # A title that names its kind already (主题党日：重温宪法宣誓誓词) is not led by it twice.
    named = item.title.startswith(label)
    summary = item.title if named else _("%(kind)s: %(title)s", kind=label, title=item.title)
    if mine.done:
        summary = _("%(summary)s (done)", summary=summary)
    # Changed when the plan is edited, when it appears (a scheduled plan) and when the item is done:
    # a client told it changed reads the event again.
    changes = [plan.updated_at, plan.published_at or plan.publish_at]
    if mine.done and mine.progress is not None:
        changes.append(mine.progress.done_at)
    if record is not None:
        changes.append(record.updated_at)
    modified = max(moment for moment in changes if moment is not None)

    event = Event()
    # Stable for the item: a later read updates the event in place rather than adding another.
    event.add("uid", f"plan-item-{item.id}@{domain}")
    # Without a METHOD, DTSTAMP is when the event last changed (RFC 5545 3.8.7.2); the same bytes
    # for the same data keep the ETag, and so a phone's refresh, cheap.
    event.add("dtstamp", modified)
    event.add("last-modified", modified)
    event.add("summary", summary)
    lines = [_("Plan: %(theme)s", theme=plan.theme)]
    if meeting_kind is not None and item.starts_at is not None:
        starts_at = record.starts_at if record is not None else item.starts_at
        event.add("dtstart", starts_at)
        ends_at = record.ends_at if record is not None else None
        event.add("dtend", ends_at or starts_at + MEETING_LENGTH[meeting_kind])
        if item.place:
            event.add("location", item.place)
        reminder = MEETING_REMINDER
    else:
        # A task is an event at its due time, not an all-day one: phones list it at that hour on
        # its day, with the time the deadline is, and a reminder counted back from a time works
        # the same in every client (an all-day event's is counted from a local midnight, which
        # each client places differently, and some ignore). It has no end (RFC 5545 3.6.1: it
        # ends as it starts) and is free time, so it does not book the evening as busy.
        event.add("dtstart", item.due_at)
        event.add("transp", "TRANSPARENT")
        lines.append(_("Due: %(time)s", time=format_datetime(item.due_at, "yyyy-MM-dd HH:mm")))
        reminder = DUE_REMINDER
    if item.points:
        lines.append(_("Points: %(n)d", n=item.points))
    if mine.done and mine.progress is not None and mine.progress.done_at is not None:
        lines.append(_("Done at %(time)s", time=format_datetime(mine.progress.done_at, "yyyy-MM-dd HH:mm")))
    lines.append(url)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("categories", [str(label)])
    if not mine.done:  # nothing to remind of once it is done
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", -reminder)
        event.add_component(alarm)
    return event
