"""A NUL character, which PostgreSQL's text columns cannot hold, is refused as a bad request on
every route and in every part of a request, instead of failing deep in a query."""

from __future__ import annotations

import pytest

from studyhall.accounts.models import Role


def test_sign_in_with_a_nul_in_the_username_is_a_bad_request(client, people):
    people.user("10001")
    response = client.post("/login", data={"username": "100\x0001", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["q", "actor", "action", "branch", "page"])
def test_every_page_refuses_a_nul_in_its_query(app, client, admin, query):
    pages = [r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not r.arguments]
    for path in pages:
        with client.get(path, query_string={query: "a\x00b"}) as response:
            assert response.status_code == 400, path


def test_the_api_refuses_a_nul_in_a_json_body_with_a_code(client, people, auth):
    people.user("10001", Role.CADRE)
    auth.login("10001")
    response = client.put("/api/attempts/1/answers/1", json={"response": ["a\x00"], "seq": 1})
    assert response.status_code == 400 and response.get_json()["code"] == "bad_request"


def test_text_without_a_nul_passes(client, admin):
    assert client.get("/admin/users", query_string={"q": "张三 %_"}).status_code == 200
