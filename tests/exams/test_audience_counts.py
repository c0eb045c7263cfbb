"""The audience tree counts everyone a branch would bring; a saved test says how many it expects;
results list branches in their order."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.exams.test_attempts import sign_in, start


def test_audience_tree_counts_the_people_of_groups_below_a_branch(admin_client, people, world):
    group = people.branch("第一党小组", world["first"])
    people.user("10101", branch=group)
    people.user("10102", branch=group)
    people.user("10103", branch=group)
    page = admin_client.get("/admin/exams/new").get_data(as_text=True)
    counts = dict(re.findall(r'value="(\d+)" >\s*(?:\S+) <span class="muted">(\d+) members', page))
    # 第一党支部: its own two cadres and the group's three; 机关党委 also has admin1.
    assert counts[str(world["first"].id)] == "5"
    assert counts[str(group.id)] == "3"
    assert counts[str(world["root"].id)] == "6"


def test_inactive_people_are_not_counted_in_the_audience_tree(admin_client, people, world, app):
    people.user("10009", branch=world["first"])
    admin_client.post(f"/admin/users/{_id(app, '10009')}/active", data={"active": "0"})
    page = admin_client.get("/admin/exams/new").get_data(as_text=True)
    counts = dict(re.findall(r'value="(\d+)" >\s*(?:\S+) <span class="muted">(\d+) members', page))
    assert counts[str(world["first"].id)] == "2"


def test_a_saved_test_says_how_many_people_it_expects(admin_client, people, world, make_exam):
    group = people.branch("第一党小组", world["first"])
    people.user("10101", branch=group)
    exam_id = make_exam(usernames=["90001"])
    page = admin_client.get(f"/admin/exams/{exam_id}").get_data(as_text=True)
    assert "Expected: 4 people" in page  # 10001, 10002, the group's 10101, and 90001 named


def test_results_and_their_export_list_branches_by_number_not_by_character(app, people, world, make_exam):
    # By character code 第三 (三 U+4E09) comes before 第二 (二 U+4E8C).
    third = people.branch("第三党支部", world["root"])
    second = people.branch("第二党支部", world["root"])
    people.user("30001", branch=third)
    people.user("20001", branch=second)
    exam_id = make_exam(branch_ids=[world["root"].id])
    for username in ("30001", "20001", "10001"):
        start(sign_in(app, username), exam_id)
    admin = sign_in(app, "admin1")
    page = admin.get(f"/admin/exams/{exam_id}/results").get_data(as_text=True)
    assert re.findall(r'data-username="(\d+)"', page) == ["10001", "20001", "30001"]
    sheet = load_workbook(io.BytesIO(admin.get(f"/admin/exams/{exam_id}/results.xlsx").data)).worksheets[0]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["10001", "20001", "30001"]


def _id(app, username: str) -> int:
    from sqlalchemy import select

    from studyhall import db
    from studyhall.accounts.models import User

    with app.app_context(), db.new_session() as session:
        return session.scalars(select(User.id).where(User.username == username)).one()
