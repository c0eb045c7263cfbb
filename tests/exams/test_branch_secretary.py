"""Branch secretaries read their branch subtree's part of a test: participation, scores and the
names not yet done, and their exports. Never another branch's people, never a key, never an edit."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from studyhall.accounts.models import Role
from tests.conftest import START
from tests.exams.test_attempts import answer_all_correctly, sign_in, start


@pytest.fixture
def branches(app, people, world, make_exam):  # type: ignore[no-untyped-def]
    """A test for the whole 机关党委: 第一党支部 (10001 submitted, 10002 not started, 10003 in its
    group, in progress) and 第二党支部 (20001 submitted, 20002 not started), each with a secretary."""
    group = people.branch("第一党小组", world["first"])
    second = people.branch("第二党支部", world["root"])
    people.user("10003", branch=group, name="组员甲")
    people.user("20001", branch=second, name="二支部甲")
    people.user("20002", branch=second, name="二支部乙")
    people.user("sec1", Role.SECRETARY, world["first"], name="一支部书记")
    people.user("sec2", Role.SECRETARY, second, name="二支部书记")
    exam_id = make_exam(branch_ids=[world["root"].id], mode="contest")
    attempts = {}
    for name in ("10001", "20001"):
        client = sign_in(app, name)
        state = start(client, exam_id).get_json()
        answer_all_correctly(client, state)
        client.post(f"/api/attempts/{state['attempt']}/submit")
        attempts[name] = state["attempt"]
    start(sign_in(app, "10003"), exam_id)
    only_second = make_exam(branch_ids=[second.id])
    return {"exam": exam_id, "only_second": only_second, "second": second, "attempts": attempts}


def people_on(page: str) -> set[str]:
    return set(re.findall(r'data-username="(\w+)"', page))


def test_a_secretary_sees_the_roster_and_results_of_their_branch_subtree_only(app, branches, frozen_now):
    secretary = sign_in(app, "sec1")
    exam_id = branches["exam"]
    listing = secretary.get("/branch/exams/").get_data(as_text=True)
    assert f'data-exam="{exam_id}"' in listing
    assert f'data-exam="{branches["only_second"]}"' not in listing
    assert "/branch/exams/" in secretary.get("/").get_data(as_text=True)

    roster = secretary.get(f"/branch/exams/{exam_id}/roster").get_data(as_text=True)
    assert re.findall(r'data-username="(\w+)" data-progress="(\w+)"', roster) == [
        ("10002", "not_started"),
        ("sec1", "not_started"),  # a secretary is a member of the branch too
        ("10003", "in_progress"),
        ("10001", "submitted"),
    ]
    assert "二支部" not in roster and "admin1" not in roster

    # While anyone may still answer, scores wait: the secretary (who may sit it too) or a colleague
    # could read a key from a hidden score.
    waiting = secretary.get(f"/branch/exams/{exam_id}/results").get_data(as_text=True)
    assert 'id="scores-wait"' in waiting and "data-score" not in waiting
    assert secretary.get(f"/branch/exams/{exam_id}/results.xlsx").status_code == 302
    frozen_now(START + timedelta(hours=3))  # the test closed at START + 2 h
    results = secretary.get(f"/branch/exams/{exam_id}/results").get_data(as_text=True)
    assert people_on(results) == {"10001", "10003"}
    # A contest's rank is among everyone who took it; only this branch's rows are shown.
    assert re.findall(r'data-rank="(\d+)" data-username="(\w+)"', results) == [("1", "10001")]
    assert "/attempts/" not in results  # no attempt detail: it shows the key

    workbook = load_workbook(io.BytesIO(secretary.get(f"/branch/exams/{exam_id}/results.xlsx").data))
    assert {row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)} == {
        "10001",
        "10003",
    }
    assert [row[2] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)] == ["10001"]
    workbook = load_workbook(io.BytesIO(secretary.get(f"/branch/exams/{exam_id}/roster.xlsx").data))
    assert [row[2] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)] == [
        "10002",
        "sec1",
        "10003",
        "10001",
    ]


def test_the_other_branchs_secretary_sees_the_other_branch_only(app, branches):
    secretary = sign_in(app, "sec2")
    roster = secretary.get(f"/branch/exams/{branches['exam']}/roster").get_data(as_text=True)
    assert people_on(roster) == {"20001", "20002", "sec2"}
    only_second = secretary.get(f"/branch/exams/{branches['only_second']}/roster").get_data(as_text=True)
    assert people_on(only_second) == {"20001", "20002", "sec2"}


def test_a_secretary_cannot_reach_a_test_of_another_branch_by_changing_the_url(app, branches):
    secretary = sign_in(app, "sec1")
    for page in ("roster", "roster.xlsx", "results", "results.xlsx"):
        assert secretary.get(f"/branch/exams/{branches['only_second']}/{page}").status_code == 404, page
        assert secretary.get(f"/branch/exams/99999/{page}").status_code == 404, page


def test_a_secretary_gets_no_administrator_page_no_attempt_detail_and_no_edit(app, branches):
    secretary = sign_in(app, "sec1")
    exam_id = branches["exam"]
    own_attempt = branches["attempts"]["10001"]
    for path in (
        f"/admin/exams/{exam_id}",
        f"/admin/exams/{exam_id}/roster",
        f"/admin/exams/{exam_id}/results",
        f"/admin/exams/{exam_id}/attempts/{own_attempt}",
        f"/attempts/{own_attempt}/review",
    ):
        assert secretary.get(path).status_code in (403, 404), path
    assert secretary.post(f"/admin/exams/{exam_id}/edit", data={}).status_code == 403


def test_cadres_and_administrators_do_not_use_the_secretary_pages(app, branches):
    for name in ("10001", "admin1"):
        assert sign_in(app, name).get(f"/branch/exams/{branches['exam']}/roster").status_code == 403


def test_the_secretarys_pages_head_their_columns_plainly(app, branches):
    secretary = sign_in(app, "sec1")
    listing = secretary.get("/branch/exams/").get_data(as_text=True)
    heads = listing.split("<thead>")[1].split("</thead>")[0]
    assert "分页" not in heads and "参考名单与成绩" in heads
    roster = secretary.get(f"/branch/exams/{branches['exam']}/roster").get_data(as_text=True)
    assert '<th scope="col">姓名</th>' in roster and "名称" not in roster


def test_a_secretary_reaches_the_tests_of_their_branch_from_the_site_menu(app, branches):
    page = sign_in(app, "sec1").get("/points/").get_data(as_text=True)
    menu = page.split('<nav aria-label="')[1].split("</nav>")[0]
    assert 'href="/branch/exams/"' in menu and "本支部的测试" in menu
    cadre_menu = sign_in(app, "10001").get("/").get_data(as_text=True).split("<nav")[1].split("</nav>")[0]
    assert "/branch/exams/" not in cadre_menu
