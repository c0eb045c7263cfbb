from __future__ import annotations

from datetime import timedelta

from studyhall.accounts.models import Role
from tests.conftest import PASSWORD, START

WRONG = "工号或密码错误"


def test_sign_in_with_username_and_password_reaches_home(people, auth, client):
    people.user("10001", name="王建国")
    response = auth.login("10001")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "王建国" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_message(people, auth):
    people.user("10001")
    wrong_password = auth.login("10001", "not-the-password").get_data(as_text=True)
    unknown_user = auth.login("99999", PASSWORD).get_data(as_text=True)
    assert WRONG in wrong_password and WRONG in unknown_user
    main = lambda page: page.split("<main", 1)[1]  # noqa: E731 - the header holds a per-request token
    assert main(wrong_password).replace("10001", "99999") == main(unknown_user)


def test_signed_out_visitor_is_sent_to_login_and_back_afterwards(people, auth, client):
    people.user("10001")
    response = client.get("/admin/users?q=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/admin/users?q=x"' in login_page


def test_next_parameter_cannot_send_people_to_another_site(people, client):
    people.user("10001")
    response = client.post(
        "/login", data={"username": "10001", "password": PASSWORD, "next": "//evil.example.com/"}
    )
    assert response.headers["Location"] == "/"


def test_first_sign_in_forces_a_password_change_before_anything_else(people, auth, client):
    people.user("10001", must_change_password=True)
    auth.login("10001")
    assert client.get("/").headers["Location"] == "/password"
    response = client.post(
        "/password", data={"current": PASSWORD, "new": "new-secret-99", "confirm": "new-secret-99"}
    )
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    auth.logout()
    assert auth.login("10001", PASSWORD).status_code == 200  # old password refused
    assert auth.login("10001", "new-secret-99").status_code == 302


def test_password_change_checks_current_password_length_and_confirmation(people, auth, client):
    people.user("10001")
    auth.login("10001")
    wrong_current = client.post(
        "/password", data={"current": "nope", "new": "new-secret-99", "confirm": "new-secret-99"}
    )
    assert "当前密码不正确" in wrong_current.get_data(as_text=True)
    too_short = client.post("/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert too_short.status_code == 200 and "/password" not in too_short.headers.get("Location", "")
    mismatch = client.post(
        "/password", data={"current": PASSWORD, "new": "new-secret-99", "confirm": "new-secret-98"}
    )
    assert "两次输入不一致" in mismatch.get_data(as_text=True)


def test_sign_out_ends_the_session(people, auth, client):
    people.user("10001")
    auth.login("10001")
    auth.logout()
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_sign_in_and_is_signed_out(app, people, auth, client, admin):
    cadre = people.user("10001")
    other = app.test_client()
    other.post("/login", data={"username": "10001", "password": PASSWORD})
    assert other.get("/").status_code == 200
    client.post(f"/admin/users/{cadre.id}/active", data={"active": "0"})
    assert other.get("/").status_code == 302
    response = other.post("/login", data={"username": "10001", "password": PASSWORD})
    assert WRONG in response.get_data(as_text=True)


def test_password_reset_ends_the_persons_other_sessions(app, people, client, admin):
    cadre = people.user("10001")
    other = app.test_client()
    other.post("/login", data={"username": "10001", "password": PASSWORD})
    page = client.post(f"/admin/users/{cadre.id}/reset-password").get_data(as_text=True)
    assert 'id="initial-password"' in page
    assert other.get("/").status_code == 302


def test_roles_other_than_admin_see_no_admin_links(people, auth, client):
    people.user("10001", Role.CADRE)
    auth.login("10001")
    page = client.get("/").get_data(as_text=True)
    assert "/admin/users" not in page and "/admin/audit" not in page


def test_start_constant_is_in_the_organisation_morning():
    assert (START + timedelta(hours=8)).hour == 9


def test_a_demo_servers_sign_in_page_lists_the_demo_logins(app, client):
    from studyhall import db
    from studyhall.system import service as system

    assert 'id="demo-logins"' not in client.get("/login").get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        system.set_setting(session, system.DEMO_SETTING, "1")
        session.commit()
    page = client.get("/login").get_data(as_text=True)
    logins = page.split('id="demo-logins"')[1].split("</section>")[0]
    assert "studyhall-demo" in logins
    assert "管理员: <code>demo-admin</code>" in logins
    assert "<code>demo-sec1</code> … <code>demo-sec4</code>" in logins
    assert "<code>demo001</code> … <code>demo040</code>" in logins
