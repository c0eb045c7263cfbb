"""Security headers: a CSP without inline script or style, nosniff, a referrer policy on every
response; no-store on every response that shows a password."""

from __future__ import annotations

import re

import pytest

from studyhall import PROJECT_ROOT
from studyhall.accounts.models import Role

TEMPLATES = sorted((PROJECT_ROOT / "templates").rglob("*.html"))


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    policy = response.headers.get("Content-Security-Policy", "")
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "worker-src 'self'",
    ):
        assert directive in policy, (response.request.path, directive)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer"}


def test_every_get_route_answers_with_the_security_headers(app, client, admin):
    walked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        path = rule.build({name: 1 for name in rule.arguments}, append_unknown=False)[1]
        with client.get(path) as response:  # closes a file it streams (the service worker's script)
            assert_security_headers(response)
        walked.append(rule.endpoint)
    assert {"accounts.login", "accounts.users", "exams.attempt", "home.index"} <= set(walked)


def test_error_pages_and_static_files_carry_the_headers_too(client):
    assert_security_headers(client.get("/no-such-page"))
    with client.get("/static/css/app.css") as response:  # closes the file it streams
        assert_security_headers(response)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(PROJECT_ROOT)))
def test_no_template_has_inline_script_style_or_event_handlers(template):
    text = template.read_text()
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", text), "an on…= event handler attribute"
    assert not re.search(r"<[^>]*\sstyle\s*=", text), "a style= attribute"
    assert "<style" not in text and "javascript:" not in text


def test_pages_that_show_a_new_password_are_not_stored(app, client, admin, people):
    cadre = people.user("10001", Role.CADRE)
    created = client.post(
        "/admin/users/new", data={"username": "10002", "display_name": "新人", "role": "cadre"}
    )
    reset = client.post(f"/admin/users/{cadre.id}/reset-password")
    download = client.post(
        "/admin/users/import/passwords.xlsx",
        data={"username": "10002", "name": "新人", "password": "abcdefghjk"},
    )
    for response in (created, reset, download):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert_security_headers(response)
    assert "no-store" not in client.get("/admin/users").headers.get("Cache-Control", "")
