from __future__ import annotations

import pytest
from werkzeug.exceptions import Unauthorized

from studyhall.access import SIGNED_IN_CHECKED_BY_VIEW, allow, declared_audience
from studyhall.accounts import signed_in_user
from studyhall.accounts.models import Role, User

ADMIN_PAGES = [
    "/admin/branches",
    "/admin/users/new",
    "/admin/users/import",
    "/admin/audit",
    "/admin/users/import/template.xlsx",
]


def test_every_route_declares_who_may_use_it(app):
    undeclared = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and declared_audience(app.view_functions[rule.endpoint]) is None
    ]
    assert undeclared == []


def test_a_route_without_a_declaration_is_refused(app, people, auth, client):
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    people.user("admin9", Role.ADMIN)
    auth.login("admin9")
    assert client.get("/undeclared").status_code == 403


def test_cadre_is_refused_every_admin_page(people, auth, client):
    people.user("10001", Role.CADRE)
    auth.login("10001")
    for path in ADMIN_PAGES + ["/admin/users"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "您没有权限打开此页面" in response.get_data(as_text=True)


def test_secretary_sees_only_people_of_their_own_branch_subtree(people, auth, client):
    committee = people.branch("机关党委")
    first = people.branch("第一党支部", committee)
    group = people.branch("第一党小组", first)
    second = people.branch("第二党支部", committee)
    people.user("sec1", Role.SECRETARY, first)
    people.user("20001", branch=group, name="同组人员")
    people.user("20002", branch=first, name="同支部人员")
    people.user("30001", branch=second, name="别的支部人员")
    auth.login("sec1")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "同组人员" in page and "同支部人员" in page
    assert "别的支部人员" not in page
    # Asking for another branch explicitly does not widen the view.
    assert "别的支部人员" not in client.get(f"/admin/users?branch={second.id}").get_data(as_text=True)


def test_secretary_cannot_use_admin_actions(people, auth, client):
    branch = people.branch("第一党支部")
    people.user("sec1", Role.SECRETARY, branch)
    cadre = people.user("20001", branch=branch)
    auth.login("sec1")
    assert client.get(f"/admin/users/{cadre.id}").status_code == 403
    assert client.post(f"/admin/users/{cadre.id}/reset-password").status_code == 403
    assert client.get("/admin/branches").status_code == 403


def test_health_check_is_public_but_pages_are_not(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 302


def test_only_the_attempt_start_and_save_check_the_session_in_their_own_query(app):
    """Routes with SIGNED_IN_CHECKED_BY_VIEW skip loading the user in the access hook: each must
    hand the session to a service call that checks the account (exams.service). A new one has to
    be added here on purpose."""
    unchecked = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and SIGNED_IN_CHECKED_BY_VIEW in (declared_audience(app.view_functions[rule.endpoint]) or ())
    }
    assert unchecked == {"exams_api.start", "exams_api.save"}
    with pytest.raises(TypeError):
        allow(SIGNED_IN_CHECKED_BY_VIEW, Role.ADMIN)  # it would admit anyone signed in


def test_signed_in_user_is_the_account_of_the_session_and_refuses_an_anonymous_visitor(
    app, people, auth, client
):
    with app.test_request_context(), pytest.raises(Unauthorized):
        signed_in_user()
    people.user("10001", Role.CADRE)
    auth.login("10001")
    with client:
        client.get("/")
        user = signed_in_user()
        assert type(user) is User and user.username == "10001"
