"""The periods an award counts in, in the organisation's zone: a day starts at local midnight, a
week on Monday, a month on the 1st, a year on 1 January."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from studyhall import i18n
from studyhall.points.models import Period

ALL_TIME_START = date(2000, 1, 1)


def start_of(period: Period, day: date) -> date:
    """The first day of the period that holds `day`."""
    match period:
        case Period.DAY:
            return day
        case Period.WEEK:
            return day - timedelta(days=day.weekday())
        case Period.MONTH:
            return day.replace(day=1)
        case Period.YEAR:
            return day.replace(month=1, day=1)
        case Period.ALL:
            return ALL_TIME_START


def end_of(period: Period, start: date) -> date:
    """The first day after the period that starts on `start` (None-free: all time ends far away)."""
    match period:
        case Period.DAY:
            return start + timedelta(days=1)
        case Period.WEEK:
            return start + timedelta(days=7)
        case Period.MONTH:
            return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        case Period.YEAR:
            return start.replace(year=start.year + 1)
        case Period.ALL:
            return date.max


def local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def starts(day: date) -> dict[Period, date]:
    """Every period's start for an award made on `day`."""
    return {period: start_of(period, day) for period in Period}


@dataclass(frozen=True)
class Span:
    """One period instance, e.g. the week starting Monday 2026-11-30."""

    period: Period
    start: date

    @property
    def end(self) -> date:
        return end_of(self.period, self.start)

    def previous(self) -> Span:
        return Span(self.period, start_of(self.period, self.start - timedelta(days=1)))


def text(span: Span) -> str:
    """The period in words, as every page and notice says one (i18n.period_text): 2026年11月30日至
    12月6日, 2026年11月. Not for all time, which has no dates to give."""
    return i18n.period_text(span.start, span.end - timedelta(days=1))


def current(period: Period, now: datetime, zone: ZoneInfo) -> Span:
    return Span(period, start_of(period, local_day(now, zone)))
