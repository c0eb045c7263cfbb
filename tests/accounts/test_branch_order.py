"""Branches are listed by the order administrators set, else by the number in their name."""

from __future__ import annotations

import pytest

from studyhall.accounts.branch_order import number_in
from tests.accounts.test_user_import import HEADER, upload
from tests.banks.helpers import xlsx

NAMES = ["第四党支部", "机关办公室", "第十一党支部", "第二党支部", "第一党支部", "第十党支部", "第三党支部"]
IN_ORDER = [
    "第一党支部",
    "第二党支部",
    "第三党支部",
    "第四党支部",
    "第十党支部",
    "第十一党支部",
    "机关办公室",
]


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("第一党支部", 1),
        ("第十党支部", 10),
        ("第十一党支部", 11),
        ("第二十党支部", 20),
        ("第二十三党小组", 23),
        ("第一百零五党小组", 105),
        ("一〇一室党小组", 101),
        ("3号党小组", 3),
        ("第12党支部", 12),
        ("机关党委", None),
    ],
)
def test_the_number_in_a_branch_name_is_read(name, number):
    assert number_in(name) == number


def _rows(page: str, names: list[str]) -> list[str]:
    """The names in the order the page shows them."""
    return sorted(names, key=page.index)


def test_branches_page_and_people_filter_list_branches_by_their_number(people, admin, client):
    for name in NAMES:
        people.branch(name)
    page = client.get("/admin/branches").get_data(as_text=True)
    table = page.split('class="table tree"')[1]
    assert _rows(table, NAMES) == IN_ORDER
    people_filter = (
        client.get("/admin/users").get_data(as_text=True).split('id="branch"')[1].split("</select>")[0]
    )
    assert _rows(people_filter, NAMES) == IN_ORDER


def test_an_administrator_sets_a_branchs_place_and_can_return_it_to_the_name_order(people, admin, client):
    branches = {name: people.branch(name) for name in NAMES}
    office = branches["机关办公室"].id

    def table() -> str:
        return client.get("/admin/branches").get_data(as_text=True).split('class="table tree"')[1]

    client.post(f"/admin/branches/{office}/order", data={"sort_order": "0"})
    assert _rows(table(), NAMES) == ["机关办公室", *IN_ORDER[:-1]]
    client.post(f"/admin/branches/{office}/order", data={"sort_order": ""})
    assert _rows(table(), NAMES) == IN_ORDER


def test_an_order_that_is_not_a_whole_number_is_refused_with_a_reason(people, admin, client):
    branch = people.branch("第一党支部")
    page = client.post(f"/admin/branches/{branch.id}/order", data={"sort_order": "二"}, follow_redirects=True)
    assert "整数" in page.get_data(as_text=True)


def test_import_preview_lists_branches_to_create_by_their_number(people, admin, client):
    rows = [[f"1000{n}", "某某", name, "", "干警", ""] for n, name in enumerate(NAMES)]
    page = upload(client, xlsx([HEADER, *rows])).get_data(as_text=True)
    missing = page.split('<section class="card notice">')[1].split("</ul>")[0]
    assert _rows(missing, NAMES) == IN_ORDER
