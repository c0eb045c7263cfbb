"""New passwords that a guesser tries first are refused, and the refusal says why."""

from __future__ import annotations

import pytest

from studyhall.accounts.models import Role
from tests.conftest import PASSWORD


def _change(client, new: str) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 200, "a refused password keeps the form"
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("12345678", "常见密码"),
        ("password1", "常见密码"),
        ("aaaaaaaa", "重复"),
        ("asdfghjkl;", "键盘"),
        ("19900101", "日期"),
        ("abcdefghij", "连续"),
    ],
)
def test_common_and_patterned_passwords_are_refused_with_the_reason(people, auth, client, password, why):
    people.user("10001", name="张三")
    auth.login("10001")
    page = _change(client, password)
    assert "这个密码太容易被猜到" in page and why in page


def test_a_password_holding_ones_own_gonghao_is_refused(people, auth, client):
    people.user("10001", name="张三")
    auth.login("10001")
    assert "包含本人的工号或姓名" in _change(client, "Plum!10001#river")


def test_a_password_with_no_pattern_is_accepted(people, auth, client):
    people.user("10001")
    auth.login("10001")
    response = client.post(
        "/password",
        data={"current": PASSWORD, "new": "plum river 7 lantern", "confirm": "plum river 7 lantern"},
    )
    assert response.headers["Location"] == "/"


def test_an_administrator_cannot_give_a_new_person_a_common_password(admin, client):
    page = client.post(
        "/admin/users/new",
        data={"username": "10009", "display_name": "王五", "role": Role.CADRE.value, "password": "qwerty123"},
    ).get_data(as_text=True)
    assert "这个密码太容易被猜到" in page
