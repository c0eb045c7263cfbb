from __future__ import annotations

import re

from sqlalchemy import select

from studyhall.accounts.models import AuditEvent, Branch, User


def names(session):
    return {b.name: b.parent_id for b in session.scalars(select(Branch))}


def test_admin_builds_the_branch_tree(admin, client, session):
    client.post("/admin/branches", data={"name": "机关党委", "parent_id": ""})
    root = session.scalars(select(Branch).where(Branch.name == "机关党委")).one()
    client.post("/admin/branches", data={"name": "第一党支部", "parent_id": str(root.id)})
    page = client.get("/admin/branches").get_data(as_text=True)
    assert page.index("机关党委") < page.index("第一党支部")
    assert names(session)["第一党支部"] == root.id


def test_sibling_names_must_differ_but_cousins_may_share_one(admin, people, client, session):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    second = people.branch("第二党支部", root)
    people.branch("第一党小组", first)
    response = client.post(
        "/admin/branches", data={"name": "第一党小组", "parent_id": str(first.id)}, follow_redirects=True
    )
    assert "同一上级下已有名为“第一党小组”的组织" in response.get_data(as_text=True)
    client.post("/admin/branches", data={"name": "第一党小组", "parent_id": str(second.id)})
    assert len(session.scalars(select(Branch).where(Branch.name == "第一党小组")).all()) == 2


def test_rename_and_move_are_recorded_in_the_audit_log(admin, people, client, session):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    group = people.branch("党小组", root)
    client.post(f"/admin/branches/{group.id}/rename", data={"name": "第一党小组"})
    client.post(f"/admin/branches/{group.id}/move", data={"parent_id": str(first.id)})
    session.expire_all()
    moved = session.get(Branch, group.id)
    assert (moved.name, moved.parent_id) == ("第一党小组", first.id)
    actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.actor_id == admin.id))]
    assert "branch.rename" in actions and "branch.move" in actions


def test_a_branch_cannot_move_under_its_own_group(admin, people, client, session):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    group = people.branch("第一党小组", first)
    response = client.post(
        f"/admin/branches/{first.id}/move", data={"parent_id": str(group.id)}, follow_redirects=True
    )
    assert "不能把组织移到它自身或其下级组织之下" in response.get_data(as_text=True)
    assert session.get(Branch, first.id).parent_id == root.id


def test_delete_only_when_the_branch_is_empty(admin, people, client, session):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    group = people.branch("第一党小组", first)
    person = people.user("20001", branch=group)
    response = client.post(f"/admin/branches/{first.id}/delete", follow_redirects=True)
    assert "下还有下级组织" in response.get_data(as_text=True)
    client.post(f"/admin/users/{person.id}/active", data={"active": "0"})
    response = client.post(f"/admin/branches/{group.id}/delete", follow_redirects=True)
    assert "下还有人员（含已停用）" in response.get_data(as_text=True)
    assert session.get(Branch, group.id) is not None
    empty = people.branch("空支部", root)
    client.post(f"/admin/branches/{empty.id}/delete")
    session.expire_all()
    assert session.get(Branch, empty.id) is None


def test_the_branch_list_counts_its_own_members_and_the_active_people_with_the_groups_below(
    admin, people, client, session
):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    group = people.branch("第一党小组", first)
    people.user("20001", branch=first)
    for username in ("20002", "20003", "20004"):
        people.user(username, branch=group)
    session.scalars(select(User).where(User.username == "20004")).one().active = False
    session.commit()
    page = client.get("/admin/branches").get_data(as_text=True)
    counts = re.findall(
        r'data-depth="\d">([^<]+)</th>.*?data-members="(\d+)".*?data-audience="(\d+)"', page, re.S
    )
    assert counts == [("机关党委", "0", "3"), ("第一党支部", "1", "3"), ("第一党小组", "3", "2")]
    assert "本组织人数" in page and "含下级人数" in page
