"""Whatever a client sends — any JSON, any bytes, any path number — the answer is never a 5xx: the
API answers 4xx with a JSON `code`, a page route a page."""

from __future__ import annotations

import json
import re

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from studyhall.accounts.models import Role
from studyhall.banks.models import Bank
from tests.conftest import PASSWORD
from tests.exams.test_attempts import by_type, sign_in, start

# Surrogates included: "\ud800" is valid JSON and reaches the view as a lone surrogate.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=20)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
# Bodies shaped like the real ones, so that the values reach the service, not only the parser.
SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "response": JSON_VALUES | st.lists(ANY_TEXT, max_size=3),
        "seq": st.integers() | JSON_VALUES,
        "access_code": JSON_VALUES,
        "reason": JSON_VALUES,
        "kind": JSON_VALUES,
    },
)
BODIES = (
    (JSON_VALUES | SHAPED).map(lambda value: json.dumps(value).encode())
    | st.binary(max_size=64)
    | st.integers(1, 100_000).map(lambda depth: b"[" * depth + b"]" * depth)
    | st.integers(1, 100_000).map(lambda n: b'{"seq": 1, "response":' + b"[" * n + b"]" * n + b"}")
)
PATH_NUMBERS = st.integers(min_value=0, max_value=2**80) | st.sampled_from([2**31, 2**63 - 1, 2**63, 2**64])

API_CALLS = [
    ("POST", "/api/exams/{exam}/attempts"),
    ("GET", "/api/attempts/{attempt}"),
    ("PUT", "/api/attempts/{attempt}/answers/{position}"),
    ("POST", "/api/attempts/{attempt}/submit"),
    ("POST", "/api/attempts/{attempt}/events"),
]


def assert_refused_plainly(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert response.is_json and response.get_json()["code"], response.get_data(as_text=True)[:300]


@pytest.fixture
def attempt(app, make_exam):  # type: ignore[no-untyped-def]
    """A signed-in cadre's client and their attempt in progress."""
    client = sign_in(app, "10001")
    exam_id = make_exam()
    state = start(client, exam_id).get_json()
    blank = by_type(state)["blank"]["position"]
    return client, {"exam": exam_id, "attempt": state["attempt"], "position": blank}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=st.sampled_from(API_CALLS), body=BODIES, real_path=st.booleans(), number=PATH_NUMBERS)
def test_no_body_or_path_number_makes_the_attempt_api_fail(attempt, call, body, real_path, number):
    client, ids = attempt
    method, template = call
    path = template.format(**(ids if real_path else dict.fromkeys(ids, number)))
    assert_refused_plainly(client.open(path, method=method, data=body, content_type="application/json"))


def test_each_malformed_input_the_review_found_is_a_400_with_a_code(attempt):
    client, ids = attempt
    blank = f"/api/attempts/{ids['attempt']}/answers/{ids['position']}"
    submit = f"/api/attempts/{ids['attempt']}/submit"
    for path, body in [
        (submit, b"[1]"),
        (submit, b'"timer"'),
        (submit, b"[" * 100_000 + b"]" * 100_000),
        (blank, b'{"response": ["\\ud800", "x"], "seq": 5}'),
    ]:
        method = "PUT" if path == blank else "POST"
        response = client.open(path, method=method, data=body, content_type="application/json")
        assert response.status_code == 400 and response.get_json()["code"] == "invalid", body[:40]
    huge = client.put(f"/api/attempts/{2**63}/answers/1", json={"response": None, "seq": 1})
    assert huge.status_code == 404 and huge.get_json()["code"] == "not_found"


def test_a_control_character_in_next_does_not_break_sign_in_or_the_language_switch(app, people, client):
    people.user("10001")
    for next_url in ["/\nSet-Cookie: x=1", "/exams\r\n", "/%0a"]:
        form = {"username": "10001", "password": PASSWORD, "next": next_url}
        login = client.post("/login", query_string={"next": next_url}, data=form)
        assert login.status_code == 302 and "\n" not in login.headers["Location"]
        switch = client.post("/language", data={"lang": "en", "next": next_url})
        assert switch.status_code == 302 and "\n" not in switch.headers["Location"]
        client.post("/logout")


def test_no_page_fails_on_a_path_number_past_the_database_range(app, people, auth, client):
    """Every route of the URL map with a number in its path, as an administrator, by each method
    (ids are 32-bit on PostgreSQL, 64-bit on SQLite)."""
    people.user("admin1", Role.ADMIN)
    auth.login("admin1")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for number in (2**31, 2**63, 2**64 + 1):
            path = re.sub(r"<int:\w+>", str(number), rule.rule)
            path = re.sub(r"<(?:\w+:)?\w+>", "x", path)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method)
                assert response.status_code == 404, (method, path, response.status_code)
                checked += 1
    assert checked > 20  # the pages and the API both have numbered routes


def test_no_page_fails_on_odd_numbers_or_days_in_its_query(app, world, auth, client, session):
    """Every page without path arguments, and a bank's, with each number and day its views read
    from the query made huge or odd."""
    auth.login("admin1")
    pages = [rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments]
    with app.test_request_context():
        bank = url_for("banks.browse", bank_id=session.scalars(select(Bank.id)).one())
    for path in [*pages, bank]:
        for odd in (str(2**63), "²", "9999-12-31", "0001-01-01"):
            query = dict.fromkeys(["page", "difficulty", "branch", "since", "until"], odd)
            with client.get(path, query_string=query) as response:  # closes a file it streams
                assert response.status_code < 500, (path, odd)
                assert response.status_code != 404, path  # the page itself was reached
