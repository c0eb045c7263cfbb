"""The dates the plans feature takes: the ISO weeks and the months of the years the year plan shows
(2000–2100), for a plan, its items' times, a meeting, and a week, date or year a page is asked for.
A date far outside them (9999-12-31, 0001-01-01) has no week after or before it, and a page
working out its neighbours would fail."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import overload

from flask_babel import gettext as _

from studyhall import clock

FIRST_YEAR = 2000
LAST_YEAR = 2100
FIRST_DAY = date(FIRST_YEAR, 1, 1)
# The Sunday of the last ISO week of the last year (28 December is always in that week).
LAST_DAY = date.fromisocalendar(LAST_YEAR, date(LAST_YEAR, 12, 28).isocalendar().week, 7)


def year_ok(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def day_ok(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def moment_ok(moment: datetime) -> bool:
    """Whether an aware time falls on one of the days, in the organisation's zone (compared
    without converting it: converting year 1 or 9999 to another zone can overflow)."""
    zone = clock.local_zone()
    return (
        datetime.combine(FIRST_DAY, time(), zone)
        <= moment
        < datetime.combine(LAST_DAY + timedelta(days=1), time(), zone)
    )


def out_of_range() -> str:
    """Why a date or time is refused, to follow the name of its field."""
    return _(
        "choose a date from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()
    )


@overload
def utc(moment: datetime) -> datetime: ...
@overload
def utc(moment: None) -> None: ...
def utc(moment: datetime | None) -> datetime | None:
    """A form's local time in UTC, as the services take it; one outside the days is passed on as
    it is, for the service to refuse naming its field."""
    if moment is None or not moment_ok(moment):
        return moment
    return moment.astimezone(UTC)


def day_arg(text: str | None) -> date | None:
    """A date a query string gives (2026-04-13): None when it gives none, or one outside the days."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is not None and day_ok(day) else None


def year_arg(text: str | None) -> int | None:
    """A year a query string gives (2026): None when it gives none, or another."""
    if text and len(text) == 4 and text.isascii() and text.isdigit() and year_ok(int(text)):
        return int(text)
    return None
