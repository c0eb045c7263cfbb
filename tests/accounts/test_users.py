from __future__ import annotations

from sqlalchemy import select

from studyhall.accounts.models import AuditEvent, Role, User


def test_admin_creates_a_person_whose_generated_password_is_shown_once(admin, people, client, app):
    branch = people.branch("第一党支部")
    page = client.post(
        "/admin/users/new",
        data={
            "username": "30001",
            "display_name": "赵敏",
            "branch_id": str(branch.id),
            "role": "cadre",
            "password": "",
        },
    ).get_data(as_text=True)
    password = page.split('id="initial-password">')[1].split("<")[0]
    newcomer = app.test_client()
    newcomer.post("/login", data={"username": "30001", "password": password})
    assert newcomer.get("/").headers["Location"] == "/password"  # must change it first


def test_duplicate_username_is_refused_with_a_message(admin, people, client, session):
    people.user("30001")
    response = client.post(
        "/admin/users/new",
        data={"username": "30001", "display_name": "重复", "branch_id": "", "role": "cadre", "password": ""},
    )
    assert "工号 30001 已存在" in response.get_data(as_text=True)
    assert session.scalars(select(User).where(User.display_name == "重复")).first() is None


def test_admin_edits_name_branch_and_role(admin, people, client, session):
    first = people.branch("第一党支部")
    second = people.branch("第二党支部")
    person = people.user("30001", branch=first, name="旧名")
    client.post(
        f"/admin/users/{person.id}",
        data={"display_name": "新名", "branch_id": str(second.id), "role": "secretary"},
    )
    edited = session.get(User, person.id)
    assert (edited.display_name, edited.branch_id, edited.role) == ("新名", second.id, Role.SECRETARY)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.update")).one()
    assert event.detail["display_name"] == ["旧名", "新名"]


def test_admin_cannot_demote_or_deactivate_themselves(admin, client, session):
    client.post(f"/admin/users/{admin.id}", data={"display_name": "x", "branch_id": "", "role": "cadre"})
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    me = session.get(User, admin.id)
    assert me.role == Role.ADMIN and me.active


def test_deactivated_people_stay_listed_with_their_history(admin, people, client):
    person = people.user("30001", name="停用的人")
    client.post(f"/admin/users/{person.id}/active", data={"active": "0"})
    page = client.get("/admin/users?q=停用").get_data(as_text=True)
    assert "停用的人" in page and "已停用" in page
    client.post(f"/admin/users/{person.id}/active", data={"active": "1"})
    assert "已停用" not in client.get("/admin/users?q=停用").get_data(as_text=True)


def test_people_list_searches_and_filters_by_branch_and_role(admin, people, client):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    group = people.branch("第一党小组", first)
    second = people.branch("第二党支部", root)
    people.user("40001", branch=group, name="组内干警")
    people.user("40002", Role.SECRETARY, first, name="一支书记")
    people.user("50001", branch=second, name="二支干警")
    by_branch = client.get(f"/admin/users?branch={first.id}").get_data(as_text=True)
    assert "组内干警" in by_branch and "一支书记" in by_branch and "二支干警" not in by_branch
    by_role = client.get("/admin/users?role=secretary").get_data(as_text=True)
    assert "一支书记" in by_role and "组内干警" not in by_role
    by_text = client.get("/admin/users?q=5000").get_data(as_text=True)
    assert "二支干警" in by_text and "组内干警" not in by_text


def test_audit_log_filters_by_action_and_person(admin, people, client):
    people.user("30001")
    client.post("/admin/branches", data={"name": "新支部", "parent_id": ""})
    page = client.get("/admin/audit?action=branch.create&actor=admin1").get_data(as_text=True)
    assert "新支部" in page
    assert "新支部" not in client.get("/admin/audit?action=user.create").get_data(as_text=True)
    assert "新支部" not in client.get("/admin/audit?since=2999-01-01").get_data(as_text=True)


def test_people_list_heads_the_name_column_as_a_persons_name(admin, people, client):
    people.user("30001", name="赵敏")
    page = client.get("/admin/users").get_data(as_text=True)
    assert '<th scope="col">姓名</th>' in page and '<th scope="col">名称</th>' not in page


def test_audit_log_shows_actions_and_details_in_words(admin, people, client):
    first = people.branch("第一党支部")
    second = people.branch("第二党支部")
    person = people.user("30001", branch=first, name="赵敏")
    client.post(
        f"/admin/users/{person.id}",
        data={"display_name": "赵敏", "branch_id": str(second.id), "role": "secretary"},
    )
    rows = client.get("/admin/audit").get_data(as_text=True).split('id="audit"')[1]
    assert '<td data-action="user.update">修改人员信息</td>' in rows
    assert "角色：干警 → 支部书记" in rows and "所在支部：第一党支部 → 第二党支部" in rows
    assert "branch_id" not in rows and ">user.update<" not in rows


def test_audit_log_who_filter_matches_part_of_a_gonghao_or_a_name(admin, people, client):
    client.post("/admin/branches", data={"name": "新支部", "parent_id": ""})
    for part in ("dmin", "管理员", "ADMIN1"):
        assert "新支部" in client.get("/admin/audit", query_string={"actor": part}).get_data(as_text=True)
    for nothing in ("%", "_dmin1", "某某"):
        assert "新支部" not in client.get("/admin/audit", query_string={"actor": nothing}).get_data(
            as_text=True
        )


def test_audit_log_names_a_branch_by_its_path_as_every_branch_may_have_a_group_of_that_name(
    admin, people, client
):
    first, third = people.branch("第一党支部"), people.branch("第三党支部")
    here, there = people.branch("第二党小组", parent=first), people.branch("第二党小组", parent=third)
    person = people.user("30001", branch=here, name="赵敏")
    client.post(
        f"/admin/users/{person.id}",
        data={"display_name": "赵敏", "branch_id": str(there.id), "role": "cadre"},
    )
    rows = client.get("/admin/audit").get_data(as_text=True).split('id="audit"')[1]
    assert "所在支部：第一党支部 / 第二党小组 → 第三党支部 / 第二党小组" in rows


def test_the_audit_log_finds_what_the_system_did_by_the_word_it_shows_for_it(admin, people, client):
    people.user("30001", name="赵敏")  # recorded without an actor, shown as 系统
    client.post(
        "/admin/branches", data={"name": "新支部", "parent_id": ""}, follow_redirects=True
    )  # by admin1
    for word in ("系统", "System", "system", "系"):
        page = client.get("/admin/audit", query_string={"actor": word}).get_data(as_text=True)
        assert "30001" in page and "新支部" not in page, word
    by_person = client.get("/admin/audit", query_string={"actor": "admin1"}).get_data(as_text=True)
    assert "新支部" in by_person and "30001" not in by_person
