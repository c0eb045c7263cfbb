"""Signing out ends that browser's session on the server; a failed sign-in costs the same hash work
whether the 工号 exists or not, and whatever kind of password the account has."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from werkzeug import security

from studyhall import db
from studyhall.accounts import service
from studyhall.accounts.models import User
from tests.conftest import PASSWORD

FULL, LIGHT = "pbkdf2:sha256:1200", "pbkdf2:sha256:1000"


def signed_in(app, username: str = "10001"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_a_copy_of_the_cookie_is_refused_after_signing_out(app, people):
    people.user("10001")
    client = signed_in(app)
    stolen = client.get_cookie("session").value
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_signing_out_leaves_the_persons_other_browsers_signed_in(app, people):
    people.user("10001")
    phone, desktop = signed_in(app), signed_in(app)
    phone.post("/logout")
    assert phone.get("/").status_code == 302
    assert desktop.get("/").status_code == 200


def test_a_password_change_keeps_this_browser_signed_in(app, people):
    people.user("10001", must_change_password=True)
    client = signed_in(app)
    new = "new-secret-99"
    client.post("/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert client.get("/").status_code == 200


@pytest.fixture
def hashed(app, people, monkeypatch):  # type: ignore[no-untyped-def]
    """The hash methods each sign-in checks a password with, in order."""
    app.config.update(PASSWORD_HASH_METHOD=FULL, INITIAL_PASSWORD_HASH_METHOD=LIGHT)
    people.user("10001")  # has chosen a password: full cost
    people.user("10002", must_change_password=True)  # initial password: light cost
    people.user("10003")
    with app.app_context(), db.new_session() as session:
        session.execute(update(User).where(User.username == "10003").values(active=False))
        session.commit()
    methods: list[str] = []

    def check(pwhash: str, password: str) -> bool:
        methods.append(pwhash.split("$", 1)[0])
        return security.check_password_hash(pwhash, password)

    monkeypatch.setattr(service, "check_password_hash", check)
    return methods


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("99999", PASSWORD),  # no such 工号
        ("10001", "wrong-password"),  # wrong password, chosen password
        ("10002", "wrong-password"),  # wrong password, initial password
        ("10003", PASSWORD),  # right password, deactivated account
    ],
)
def test_every_failed_sign_in_does_the_same_hash_work(client, hashed, username, password):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 200
    assert sorted(hashed) == [LIGHT, FULL]


@pytest.mark.parametrize("username", ["10001", "10002"])
def test_a_successful_sign_in_does_the_same_hash_work_as_a_failed_one(client, hashed, username):
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    assert sorted(hashed) == [LIGHT, FULL]
