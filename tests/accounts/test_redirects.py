"""Where a sign-in or a language switch sends the browser: only ever a page of this site, judged as
the browser will read the URL (WHATWG parsing drops tabs and newlines, reads "\\" as "/")."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

NASTY = [
    "/\t/evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "//evil.example",
    "\\\\evil.example",
    " //evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "https:evil.example",
    "https://evil.example/",
    "java\tscript:alert(1)",
    "javascript:alert(1)",
    "%2f%2fevil.example",
    "／／evil.example",  # fullwidth solidus: not a path at all
    "evil.example",
]


def _sign_in(client, target: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": "10001", "password": PASSWORD, "next": target})


@pytest.mark.parametrize("target", NASTY)
def test_sign_in_with_a_foreign_or_disguised_next_lands_on_home(people, client, target):
    people.user("10001")
    assert _sign_in(client, target).headers["Location"] == "/"


@pytest.mark.parametrize("target", ["\x00//evil.example", "/x\x00y"])
def test_a_next_holding_a_nul_is_a_bad_request_that_redirects_nowhere(people, client, target):
    people.user("10001")
    for response in (_sign_in(client, target), client.post("/language", data={"lang": "en", "next": target})):
        assert response.status_code == 400 and "Location" not in response.headers


@pytest.mark.parametrize("target", NASTY)
def test_language_switch_with_a_foreign_or_disguised_next_lands_on_home(client, target):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "query", ["/%09/evil.example", "%2f%2fevil.example", "/%0d%0a/evil.example", "/%5Cevil.example"]
)
def test_a_percent_encoded_next_in_the_link_is_judged_after_decoding(people, client, query):
    people.user("10001")
    page = client.get(f"/login?next={query}").get_data(as_text=True)
    target = page.split('name="next" type="hidden" value="', 1)[1].split('"', 1)[0]
    assert _sign_in(client, target).headers["Location"] == "/"


@pytest.mark.parametrize(
    ("target", "lands_on"),
    [
        ("/admin/users?q=x", "/admin/users?q=x"),
        ("/exams/3", "/exams/3"),
        ("/%2f%2fevil.example", "/%2f%2fevil.example"),  # a path on this site: the browser keeps %2f
        ("/exams/\n3", "/exams/3"),
        ("/admin/users?q=a\\b", "/admin/users?q=a%5Cb"),  # a backslash after the start stays
        ("/题库/宪法", "/%E9%A2%98%E5%BA%93/%E5%AE%AA%E6%B3%95"),
    ],
)
def test_a_path_on_this_site_is_kept_as_the_browser_reads_it(people, client, target, lands_on):
    people.user("10001")
    assert _sign_in(client, target).headers["Location"] == lands_on
    client.post("/logout")
    assert client.post("/language", data={"lang": "en", "next": target}).headers["Location"] == lands_on
