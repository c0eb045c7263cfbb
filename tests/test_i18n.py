"""The interface is Chinese by default, English on request, and no string is left untranslated."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from studyhall import PROJECT_ROOT
from studyhall.i18n import CATALOGS

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
