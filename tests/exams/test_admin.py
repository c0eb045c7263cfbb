"""Administrators' test pages: the form, the frozen paper, preview, arrangements, monitor, results, access."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from studyhall import db
from studyhall.accounts.models import Role
from studyhall.banks.models import Bank
from studyhall.exams.models import Exam
from tests.conftest import START
from tests.exams.test_attempts import answer_all_correctly, by_type, save, sign_in, start


@contextmanager
def database(app) -> Iterator:  # type: ignore[no-untyped-def]
    """A session of its own, closed before the next request: the `session` fixture's app context would
    be shared by every request, and with it Flask-Login's cached user of another client."""
    with app.app_context(), db.new_session() as session:
        yield session


def form_data(world, **overrides) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The new-test form as a browser posts it: 08:55–11:00 Shanghai time on START's day."""
    data: dict[str, object] = {
        "title": "国家安全知识测试",
        "instructions": "闭卷，独立完成。",
        "mode": "exam",
        "opens_at": "2026-04-15T08:55",
        "closes_at": "2026-04-15T11:00",
        "time_limit_minutes": "15",
        "attempts_allowed": "1",
        "grading": "highest",
        "pass_mark": "6",
        "shuffle_questions": "y",
        "shuffle_options": "y",
        "show_score": "y",
        "review": "after_close",
        "tab_switch_limit": "3",
        "access_code": "",
        "allowed_networks": "",
        "branch_ids": [str(world["first"].id)],
        "usernames": "",
        "items": "T-001 2\nT-002 4\nT-003，2\nT-004 2",
    }
    data.update(overrides)
    return data


def problem_of(page: str) -> str:
    match = re.search(r'id="form-problem"[^>]*>(.*?)</section>', page, re.S)
    assert match, "no problem shown on the form"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def test_an_administrator_creates_a_test_through_the_form(app, admin_client, world):
    response = admin_client.post("/admin/exams/new", data=form_data(world))
    assert response.status_code == 302
    with database(app) as session:
        exam = session.scalars(select(Exam)).one()
        assert response.headers["Location"].endswith(f"/admin/exams/{exam.id}")
        # Entered in Shanghai time, stored in UTC.
        assert exam.opens_at == START - timedelta(minutes=5)
        assert exam.closes_at == START + timedelta(hours=2)
        assert (exam.time_limit_minutes, exam.pass_mark, exam.tab_switch_limit) == (15, 6.0, 3)
        assert (exam.shuffle_questions, exam.partial_credit, exam.one_per_page) == (True, False, False)
        assert [item.score for item in exam.items] == [2, 4, 2, 2]
        assert [member.branch_id for member in exam.audience] == [world["first"].id]
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<dd id="total-score">10</dd>' in page and "2026-04-15 08:55" in page
    listing = admin_client.get("/admin/exams/").get_data(as_text=True)
    assert f'data-exam="{exam.id}"' in listing and "国家安全知识测试" in listing
    # The edit page shows it back in local time and with the 编号 lines.
    edit = admin_client.get(f"/admin/exams/{exam.id}/edit").get_data(as_text=True)
    assert 'value="2026-04-15T08:55"' in edit and "T-002 4" in edit and "frozen-notice" not in edit


def test_a_test_can_be_built_from_drawing_rules_and_people(app, admin_client, world):
    with database(app) as session:
        bank_id = session.scalars(select(Bank.id)).one()
    data = form_data(
        world,
        items="",
        branch_ids=[],
        usernames="10001, 90001",
        **{
            "rules-0-bank_id": str(bank_id),
            "rules-0-type": "",
            "rules-0-count": "3",
            "rules-0-score": "2",
            "rules-1-bank_id": "",
            "rules-1-count": "5",
        },
    )  # a row without a bank is ignored
    assert admin_client.post("/admin/exams/new", data=data).status_code == 302
    with database(app) as session:
        exam = session.scalars(select(Exam)).one()
        assert [(rule.bank_id, rule.count, rule.score) for rule in exam.rules] == [(bank_id, 3, 2.0)]
        assert len(exam.audience) == 2
        exam_id = exam.id
    page = admin_client.get(f"/admin/exams/{exam_id}").get_data(as_text=True)
    assert '<dd id="total-score">6</dd>' in page and "90001" in page


def test_a_pool_too_small_and_bad_lines_are_shown_on_the_form_and_nothing_is_saved(app, admin_client, world):
    with database(app) as session:
        bank_id = session.scalars(select(Bank.id)).one()
    data = form_data(
        world,
        items="",
        **{
            "rules-0-bank_id": str(bank_id),
            "rules-0-type": "single",
            "rules-0-count": "3",
            "rules-0-score": "2",
        },
    )
    response = admin_client.post("/admin/exams/new", data=data)
    assert response.status_code == 422
    assert "Rule 1 needs 3 questions but its pool has only 1." in problem_of(response.get_data(as_text=True))
    bad_line = admin_client.post("/admin/exams/new", data=form_data(world, items="T-001"))
    assert "line 1" in problem_of(bad_line.get_data(as_text=True))
    unknown = admin_client.post("/admin/exams/new", data=form_data(world, items="T-999 2"))
    assert "T-999" in problem_of(unknown.get_data(as_text=True))
    missing = admin_client.post("/admin/exams/new", data=form_data(world, closes_at=""))
    assert missing.status_code == 422 and 'id="form-problem"' in missing.get_data(as_text=True)
    with database(app) as session:
        assert session.scalar(select(func.count()).select_from(Exam)) == 0


def test_a_pass_mark_above_the_tests_total_is_refused_on_the_form(app, admin_client, world):
    above = admin_client.post("/admin/exams/new", data=form_data(world, pass_mark="10.5"))  # of 10
    assert above.status_code == 422
    refusal = problem_of(above.get_data(as_text=True))
    assert "The pass mark (10.5) is above the test’s total of 10 points" in refusal
    with database(app) as session:
        bank_id = session.scalars(select(Bank.id)).one()
    drawn = {"rules-0-bank_id": str(bank_id), "rules-0-count": "1", "rules-0-score": "5"}
    mixed = admin_client.post(
        "/admin/exams/new", data=form_data(world, items="T-001 2", pass_mark="8", **drawn)
    )
    assert "total of 7 points" in problem_of(mixed.get_data(as_text=True))  # 2 picked + 1 drawn × 5
    with database(app) as session:
        assert session.scalar(select(func.count()).select_from(Exam)) == 0
    assert admin_client.post("/admin/exams/new", data=form_data(world, pass_mark="10")).status_code == 302


def test_after_a_start_window_limit_and_audience_change_but_the_paper_is_frozen(
    app, admin_client, world, make_exam
):
    exam_id = make_exam()
    start(sign_in(app, "10001"), exam_id)
    edit = admin_client.get(f"/admin/exams/{exam_id}/edit").get_data(as_text=True)
    assert 'id="frozen-notice"' in edit
    changed = form_data(
        world,
        closes_at="2026-04-15T12:00",
        time_limit_minutes="20",
        usernames="90001",
        pass_mark="",
        tab_switch_limit="",
        show_score="y",
    )
    assert admin_client.post(f"/admin/exams/{exam_id}/edit", data=changed).status_code == 302
    with database(app) as session:
        exam = session.get(Exam, exam_id)
        assert exam.closes_at == START + timedelta(hours=3) and exam.time_limit_minutes == 20
        assert len(exam.audience) == 2
    refused = admin_client.post(f"/admin/exams/{exam_id}/edit", data={**changed, "items": "T-001 2\nT-002 4"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'data-code="frozen"' in page and "paper and rules are frozen" in problem_of(page)
    with database(app) as session:
        assert len(session.get(Exam, exam_id).items) == 4


def test_preview_shows_a_paper_as_a_cadre_sees_it_with_the_key_marked(admin_client, make_exam):
    exam_id = make_exam()
    page = admin_client.get(f"/admin/exams/{exam_id}/preview").get_data(as_text=True)
    assert page.count('class="question-row question"') == 4
    assert "每年（ ）为全民国家安全教育日。" in page and "维护国家安全是中华人民共和国公民的义务。" in page
    assert page.count("Key (administrators only)") == 4


def test_extra_minutes_and_a_later_close_for_one_person(app, admin_client, make_exam, frozen_now):
    exam_id = make_exam()
    response = admin_client.post(
        f"/admin/exams/{exam_id}/extensions",
        data={"username": "10001", "extra_minutes": "10", "closes_at": ""},
    )
    assert response.status_code == 302
    assert start(sign_in(app, "10001"), exam_id).get_json()["remaining_seconds"] == 25 * 60
    assert start(sign_in(app, "10002"), exam_id).get_json()["remaining_seconds"] == 15 * 60
    # Someone who was away: the test closed at 11:00 for everyone, but not for them.
    later = admin_client.post(
        f"/admin/exams/{exam_id}/extensions",
        data={"username": "90001", "extra_minutes": "0", "closes_at": "2026-04-16T10:00"},
    )
    assert later.status_code == 302
    page = admin_client.get(f"/admin/exams/{exam_id}").get_data(as_text=True)
    assert "2026-04-16 10:00" in page and page.count('<tr><th scope="row" class="nowrap">') == 2
    unknown = admin_client.post(
        f"/admin/exams/{exam_id}/extensions", data={"username": "nobody", "extra_minutes": "5"}
    )
    assert unknown.status_code == 422 and "nobody" in unknown.get_data(as_text=True)


def monitor_counts(page: str) -> dict[str, tuple[int, ...]]:
    rows = re.findall(
        r'data-branch="(\d*)" data-audience="(\d+)" data-not-started="(\d+)" '
        r'data-in-progress="(\d+)" data-submitted="(\d+)"',
        page,
    )
    return {branch: tuple(int(n) for n in counts) for branch, *counts in rows}


def test_the_monitor_counts_per_branch_and_refreshes_itself(app, admin_client, world, people, make_exam):
    group = people.branch("第一党小组", world["first"])
    people.user("10003", branch=group)  # counts under its 党支部
    exam_id = make_exam(branch_ids=[world["root"].id])  # 机关党委 and everything below it
    done = sign_in(app, "10001")
    state = start(done, exam_id).get_json()
    answer_all_correctly(done, state)
    done.post(f"/api/attempts/{state['attempt']}/submit")
    start(sign_in(app, "10002"), exam_id)
    response = admin_client.get(f"/admin/exams/{exam_id}/monitor")
    page = response.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="15">' in page.split("</head>")[0]
    assert monitor_counts(page) == {
        str(world["root"].id): (1, 1, 0, 0),  # the administrator sits in 机关党委 itself
        str(world["first"].id): (3, 1, 1, 1),
    }
    total = re.search(
        r'id="monitor-total" data-audience="(\d+)" data-not-started="(\d+)" '
        r'data-in-progress="(\d+)" data-submitted="(\d+)"',
        page,
    )
    assert total and total.groups() == ("4", "2", "1", "1")


def test_results_page_and_xlsx_list_every_attempt_with_the_counted_one(
    app, admin_client, make_exam, frozen_now
):
    exam_id = make_exam(attempts_allowed=2, grading="highest")
    first = sign_in(app, "10001")
    state = start(first, exam_id).get_json()
    answer_all_correctly(first, state)
    frozen_now(START + timedelta(minutes=4, seconds=5))
    first.post(f"/api/attempts/{state['attempt']}/submit")
    second_try = start(first, exam_id).get_json()
    save(first, second_try["attempt"], by_type(second_try)["judge"]["position"], True, 1)
    first.post(f"/api/attempts/{second_try['attempt']}/events", json={"kind": "tab_switch"})
    first.post(f"/api/attempts/{second_try['attempt']}/submit")
    start(sign_in(app, "10002"), exam_id)  # in progress

    page = admin_client.get(f"/admin/exams/{exam_id}/results").get_data(as_text=True)
    rows = re.findall(
        r'data-attempt="(\d+)" data-username="(\w+)" data-score="([\d.]*)" data-counted="(\w+)"', page
    )
    assert [(name, score, counted) for _id, name, score, counted in rows] == [
        ("10001", "10.0", "yes"),
        ("10001", "2.0", "no"),
        ("10002", "", "no"),
    ]
    assert "4 min 5 s" in page and "Ranking" not in page

    download = admin_client.get(f"/admin/exams/{exam_id}/results.xlsx")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.data)).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0][:5] == ["Full name", "工号", "Branch", "Attempt", "Score"]
    assert [(row[1], row[3], row[4], row[8], row[9], row[11]) for row in table[1:]] == [
        ("10001", 1, 10.0, 245, 0, "yes"),
        ("10001", 2, 2.0, 0, 1, None),
        ("10002", 1, None, None, 0, None),
    ]
    assert table[1][0] == "王建国" and table[1][2] == "机关党委 / 第一党支部"

    detail = admin_client.get(f"/admin/exams/{exam_id}/attempts/{second_try['attempt']}").get_data(
        as_text=True
    )
    assert 'data-kind="tab_switch"' in detail and 'data-kind="start"' in detail
    assert "Key" in detail and "总体国家安全观" in detail  # the key is shown to the administrator
    assert admin_client.get(f"/admin/exams/{exam_id}/attempts/99999").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/new",
        "/{id}",
        "/{id}/edit",
        "/{id}/preview",
        "/{id}/monitor",
        "/{id}/roster",
        "/{id}/roster.xlsx",
        "/{id}/results",
        "/{id}/results.xlsx",
        "/{id}/analysis",
    ],
)
def test_only_administrators_reach_the_test_pages(app, client, auth, people, world, make_exam, path):
    url = "/admin/exams" + path.format(id=make_exam())
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    auth.login("10001")
    assert client.get(url).status_code == 403
    people.user("sec1", Role.SECRETARY, world["first"])
    auth.logout()
    auth.login("sec1")
    assert client.get(url).status_code == 403
    assert client.post(f"/admin/exams/{make_exam()}/extensions", data={"username": "sec1"}).status_code == 403
    auth.logout()
    auth.login("admin1")
    assert client.get(url).status_code == 200  # and each page works before anyone has started
