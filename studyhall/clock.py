"""The one place the app reads the time, so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    """The organisation's zone, where days and weeks begin (STUDYHALL_TIMEZONE)."""
    return ZoneInfo(current_app.config["TIMEZONE"])
