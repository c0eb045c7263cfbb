"""The interface is Chinese by default, English on request, and no string is left untranslated."""

from __future__ import annotations

from datetime import date

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import session
from flask_babel import refresh

from studyhall import PROJECT_ROOT
from studyhall.i18n import CATALOGS, period_text

KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
METHODS = [("studyhall/**.py", "python"), ("templates/**.html", "jinja2")]


def test_every_interface_string_has_a_chinese_translation():
    with (CATALOGS / "zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(PROJECT_ROOT), METHODS, keywords=KEYWORDS
        )
    }
    untranslated = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
    assert untranslated == []


def test_pages_are_chinese_by_default_and_english_on_request(people, auth, client):
    people.user("10001")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-Hans-CN">' in page and "登录" in page
    client.post("/language", data={"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page and "登录" not in page


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert '<html lang="zh-Hans-CN">' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(
    ("first", "last", "chinese", "english"),
    [
        (date(2026, 11, 30), date(2026, 12, 6), "2026年11月30日至12月6日", "Nov 30, 2026 – Dec 6"),
        (date(2026, 12, 28), date(2027, 1, 3), "2026年12月28日至2027年1月3日", "Dec 28, 2026 – Jan 3, 2027"),
        (date(2026, 11, 1), date(2026, 11, 30), "2026年11月", "November 2026"),
        (date(2026, 2, 1), date(2026, 2, 28), "2026年2月", "February 2026"),
        (date(2026, 1, 1), date(2026, 12, 31), "2026年", "2026"),
        (date(2026, 11, 30), date(2026, 11, 30), "2026年11月30日", "Nov 30, 2026"),
    ],
)
def test_a_period_is_said_one_way_in_either_language(app, first, last, chinese, english):
    with app.test_request_context():
        assert period_text(first, last) == chinese
        session["lang"] = "en"
        refresh()
        assert period_text(first, last) == english
