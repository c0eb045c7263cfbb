"""Language choice and the message catalogs, compiled when the app starts (no manual step)."""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, session
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from studyhall import clock

CATALOGS = Path(__file__).parent / "translations"


def compile_catalogs(target: Path) -> None:
    """Compile each translations/<lang>/LC_MESSAGES/messages.po that is newer than its .mo.

    Workers may start together: each writes a temporary file and renames it into place, so a
    reader sees either the old catalog or the new one, never half of one.
    """
    for po_path in CATALOGS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = target / po_path.relative_to(CATALOGS).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        fd, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalog)
        os.replace(temporary, mo_path)


def select_locale() -> str:
    chosen = session.get("lang") if has_request_context() else None
    if isinstance(chosen, str) and chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    target = Path(app.instance_path) / "translations"
    compile_catalogs(target)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])


def html_lang() -> str:
    return select_locale().replace("_", "-")


def labelled(label: str) -> str:
    """A label before its value: "Source:" in English, "出处：" (a full-width colon) in Chinese."""
    return _("%(label)s: ", label=label)


def day_text(day: date) -> str:
    """A day as a notice says it: 12月1日 (Dec 1), with its year when that is not this one
    (2025年12月1日)."""
    this_year = clock.now().astimezone(clock.local_zone()).year
    return format_skeleton("MMMd" if day.year == this_year else "yMMMd", day, locale=get_locale())


def due_text(moment: datetime, pattern: str = "MM-dd EEE HH:mm", *, year: int | None = None) -> str:
    """A due time in short, as lists show it (03-01 周一 22:00), led by its year when that is not
    `year` (this year, unless a page of another year's plans says which): 2027-03-01 周一 22:00.
    `pattern` starts with the month and day (MM-dd)."""
    shown = year or clock.now().astimezone(clock.local_zone()).year
    in_year = moment.astimezone(clock.local_zone()).year == shown
    return format_datetime(moment, pattern if in_year else f"yyyy-{pattern}")


def size_text(size: int) -> str:
    """A file's size as a list shows it: in KB under a megabyte (37 KB, not 0.0 MB), else in MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def month_day_text(day: date) -> str:
    """A day without its year, where space is short and the year is plain (a chart's axis): 11月30日."""
    return format_skeleton("MMMd", day, locale=get_locale())


def long_day_text(day: date) -> str:
    """A day with its year, as a dated signature says it: 2026年12月8日 (Dec 8, 2026)."""
    return format_skeleton("yMMMd", day, locale=get_locale())


def month_text(day: date) -> str:
    """The month holding a day, with its year: 2026年4月 (Apr 2026)."""
    return format_skeleton("yMMM", day, locale=get_locale())


def period_text(first: date, last: date) -> str:
    """A period from `first` to `last` (both included), the one way pages and notices say it:
    2026年11月30日至12月6日 (a year given once), a whole month 2026年11月, a whole year 2026年, a day
    2026年11月30日."""
    locale = get_locale()
    if first == last:
        return format_skeleton("yMMMd", first, locale=locale)
    whole_months = first.day == 1 and (last + timedelta(days=1)).day == 1
    if whole_months and first.year == last.year and first.month == 1 and last.month == 12:
        return format_skeleton("y", first, locale=locale)
    if whole_months and (first.year, first.month) == (last.year, last.month):
        return format_skeleton("yMMMM", first, locale=locale)
    return _(
        "%(first)s – %(last)s",
        first=format_skeleton("yMMMd", first, locale=locale),
        last=format_skeleton("MMMd" if last.year == first.year else "yMMMd", last, locale=locale),
    )
