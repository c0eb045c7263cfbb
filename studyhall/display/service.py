"""Registering screens and reading the board a screen polls.

A screen polls its board every half minute all day, twenty screens at once in a large building, so
the read is cheap: one indexed lookup of the token (an unknown one costs nothing more), a handful of
indexed reads for the panels, and a hash of the result for the ETag.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from typing import cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyhall import data_path
from studyhall.accounts import service as accounts
from studyhall.accounts.models import AuditEvent, User
from studyhall.display.models import Display, Privacy
from studyhall.display.panels import PANELS, Context, offered
from studyhall.errors import DomainError, ErrorCode
from studyhall.points.models import PointAward

ROTATE_MIN_SECONDS = 3
ROTATE_MAX_SECONDS = 600
TOKEN_LENGTH = 32  # secrets.token_urlsafe(24): 192 random bits


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class ScreenSpec:
    name: str
    panels: list[str]  # kinds, in showing order
    rotate_seconds: int
    privacy: Privacy
    notice: str


def _checked(spec: ScreenSpec) -> ScreenSpec:
    name = spec.name.strip()
    if not name or len(name) > 100:
        raise DomainError(_("Give the screen a name of at most 100 characters."), ErrorCode.INVALID)
    kinds = [panel.kind.value for panel in offered()]
    if not spec.panels or any(kind not in kinds for kind in spec.panels):
        raise DomainError(_("Choose at least one panel to show."), ErrorCode.INVALID)
    if not ROTATE_MIN_SECONDS <= spec.rotate_seconds <= ROTATE_MAX_SECONDS:
        raise DomainError(
            _(
                "Show each panel for %(low)d to %(high)d seconds.",
                low=ROTATE_MIN_SECONDS,
                high=ROTATE_MAX_SECONDS,
            ),
            ErrorCode.INVALID,
        )
    return ScreenSpec(
        name, list(dict.fromkeys(spec.panels)), spec.rotate_seconds, spec.privacy, spec.notice.strip()
    )


def register(session: Session, actor: User | None, spec: ScreenSpec, *, now: datetime) -> Display:
    spec = _checked(spec)
    display = Display(
        name=spec.name,
        token=new_token(),
        panels=spec.panels,
        rotate_seconds=spec.rotate_seconds,
        privacy=spec.privacy,
        notice=spec.notice,
        created_at=now,
        updated_at=now,
    )
    session.add(display)
    session.flush()
    accounts.record(session, actor, "display.register", display.name, now=now, display_id=display.id)
    return display


def update(session: Session, actor: User, display_id: int, spec: ScreenSpec, *, now: datetime) -> Display:
    display = get_or_error(session, display_id)
    spec = _checked(spec)
    display.name, display.panels, display.rotate_seconds = spec.name, spec.panels, spec.rotate_seconds
    display.privacy, display.notice, display.updated_at = spec.privacy, spec.notice, now
    accounts.record(session, actor, "display.update", display.name, now=now, display_id=display.id)
    return display


def revoke(session: Session, actor: User, display_id: int, *, now: datetime) -> Display:
    """Shut the screen's address: it shows 此屏幕未登记 from its next poll on."""
    display = get_or_error(session, display_id)
    if display.revoked_at is None:
        display.revoked_at = display.updated_at = now
        accounts.record(session, actor, "display.revoke", display.name, now=now, display_id=display.id)
    return display


def new_address(session: Session, actor: User, display_id: int, *, now: datetime) -> Display:
    """A new token (the old address stops working at once); it also brings a revoked screen back."""
    display = get_or_error(session, display_id)
    display.token, display.revoked_at, display.updated_at = new_token(), None, now
    accounts.record(session, actor, "display.new_address", display.name, now=now, display_id=display.id)
    return display


def get_or_error(session: Session, display_id: int) -> Display:
    display = session.get(Display, display_id)
    if display is None:
        raise DomainError(_("No such screen."), ErrorCode.NOT_FOUND)
    return display


def screens(session: Session) -> list[Display]:
    """Every screen, those in use first."""
    return list(session.scalars(select(Display).order_by(Display.revoked_at.is_not(None), Display.name)))


def by_token(session: Session, token: str) -> Display | None:
    """The screen this address names, unless it is revoked or unknown.

    The token is looked up through the unique index, not compared in constant time: an attacker
    timing the lookup learns nothing, since a B-tree search does not reveal how much of a guess
    matched a stored token, and 192 random bits cannot be guessed a character at a time anyway."""
    if len(token) > TOKEN_LENGTH:
        return None  # no lookup for what no token can be
    return session.scalars(
        select(Display).where(Display.token == token, Display.revoked_at.is_(None))
    ).first()


@functools.cache
def app_version() -> str:
    """What a screen compares to know the app was upgraded (and reload): the package version, and
    the screen's own page and script, which change without a version bump when a checkout is
    updated."""
    digest = hashlib.sha256()
    for name in ("static/js/display.js", "static/css/display.css", "templates/display/screen.html"):
        folder, _sep, rest = name.partition("/")
        digest.update((data_path(folder) / rest).read_bytes())
    return f"{metadata.version('studyhall')}+{digest.hexdigest()[:12]}"


def board(session: Session, display: Display, *, now: datetime) -> dict[str, object]:
    """What the screen shows: its settings and each of its panels that has something to show.
    Nothing in it changes from one poll to the next unless the data did (no timestamps of the
    request), so its hash is a good ETag."""
    context = Context(session, display, now)
    shown = []
    for kind in display.panels:
        panel = PANELS.get(kind)
        if panel is None or panel.build is None:
            continue
        data = panel.build(context)
        if data is not None:
            shown.append({"kind": panel.kind.value, "title": str(panel.label), **data})
    return {
        "version": app_version(),
        "name": display.name,
        "rotate_seconds": display.rotate_seconds,
        "panels": shown,
    }


# What a board is made of changes only through the ledger, an administrator's action (every one is
# audited: publishing a test, a rule, an import, a person leaving, a 积分公示 published or withdrawn
# (by the schedule too: audited without an actor), a 学习强国 export imported or deleted, this
# screen's settings) or the clock (a new day or week, a test opening): a screen's poll compares
# these first and builds the board, a hundred milliseconds for a large organisation, only when one
# of them moved. The ledger's and the audit log's last ids are read at most once a second per
# process, so that twenty screens polling an unchanged board cost no query at all (revoking a
# screen is seen within that second too).
BoardKey = tuple[str, int, datetime, int | None, int | None, datetime, str]
FRESH_SECONDS = 1.0
_etags: dict[BoardKey, str] = {}  # per process; a few screens a minute
_ETAGS_KEPT = 4096


@dataclass
class _Recent:
    """A reading of the database, and when (time.monotonic) it was taken."""

    at: float
    value: object


_recent: dict[str, _Recent] = {}


def _fresh(name: str, read: Callable[[], object]) -> object:
    """A reading at most FRESH_SECONDS old. A reading that found nothing is not kept: anyone may ask
    for made-up tokens, and each kept would stay in memory for good."""
    reading = _recent.get(name)
    fresh_for = current_app.config.get("DISPLAY_FRESH_SECONDS", FRESH_SECONDS)
    if reading is None or time.monotonic() - reading.at >= fresh_for:
        value = read()
        if value is None:
            _recent.pop(name, None)
            return None
        reading = _recent[name] = _Recent(time.monotonic(), value)
    return reading.value


def board_key(session: Session, token: str, *, now: datetime) -> BoardKey | None:
    """What this screen's board is made of, or None for an unknown or revoked token."""
    screen = _fresh(
        f"screen:{token}",
        lambda: (
            session.execute(
                select(Display.id, Display.updated_at).where(
                    Display.token == token, Display.revoked_at.is_(None)
                )
            ).first()
            if len(token) <= TOKEN_LENGTH
            else None
        ),
    )
    if screen is None:
        return None
    last_award, last_change = cast(
        tuple[int | None, int | None],
        _fresh(
            "last ids",
            lambda: tuple(
                session.execute(
                    select(
                        select(func.max(PointAward.id)).scalar_subquery(),
                        select(func.max(AuditEvent.id)).scalar_subquery(),
                    )
                ).one()
            ),
        ),
    )
    display_id, updated_at = cast(tuple[int, datetime], tuple(screen))  # type: ignore[arg-type]
    minute = now.replace(second=0, microsecond=0)
    return (token, display_id, updated_at, last_award, last_change, minute, app_version())


def known_etag(key: BoardKey) -> str | None:
    """The ETag of the board built for this key, if this process built it."""
    return _etags.get(key)


def remember_etag(key: BoardKey, tag: str) -> None:
    if len(_etags) >= _ETAGS_KEPT:
        _etags.clear()  # older minutes' keys: never asked for again
    _etags[key] = tag


def etag(payload: dict[str, object]) -> str:
    encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()[:32]
