"""CSRF protection is on for every state-changing request, and an expired form is explained."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def test_config(test_config):
    return {**test_config, "WTF_CSRF_ENABLED": True}


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def test_a_form_posted_without_its_token_changes_nothing(people, client):
    people.user("10001")
    response = client.post("/login", data={"username": "10001", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not signed in


def test_an_expired_form_gets_a_friendly_page_with_a_way_to_retry(people, client):
    people.user("10001")
    token = csrf_token(client)
    client.delete_cookie("session")  # the session the token belonged to has ended
    response = client.post(
        "/login",
        data={"username": "10001", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "http://localhost/login"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "页面已过期，本次操作未生效" in page and 'href="/login"' in page
    retry = client.get("/login")
    assert retry.status_code == 200
    signed_in = client.post(
        "/login", data={"username": "10001", "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert signed_in.status_code == 302


def test_json_requests_pass_the_token_in_a_header(people, client):
    people.user("10001")
    token = csrf_token(client)
    refused = client.post("/language", json={"lang": "en"})
    assert refused.status_code == 400 and refused.get_json()["code"] == "csrf_expired"
    accepted = client.post("/language", data={"lang": "en"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 302


def test_sign_in_with_the_token_works(people, client):
    people.user("10001")
    response = client.post(
        "/login", data={"username": "10001", "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
