"""练习设置: banks opened (confirmed when a test to come draws on them) and closed, and the sets' pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import AuditEvent
from studyhall.banks.models import Bank
from studyhall.practice.models import PracticeSet
from tests.conftest import START
from tests.practice.conftest import load_bank, question_row
from tests.practice.exams import publish_test

COMING_OPENS = START + timedelta(days=2)


def practice_since(app, bank_id: int):  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        return session.get_one(Bank, bank_id).practice_since


def audited(app, prefix: str) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        return list(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like(f"{prefix}%")).order_by(AuditEvent.id)
            )
        )


def set_form(bank_id: int, **changes) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "kind": "weekly",
        "title": "第16周每周答题",
        "description": "本周学习宪法",
        "first_day": "2026-04-13",
        "last_day": "2026-04-19",
        "bank_ids": [str(bank_id)],
        "categories": "宪法",
        "count": "3",
    }
    data.update(changes)
    return data


@pytest.fixture
def closed_bank(app, org) -> int:  # type: ignore[no-untyped-def]
    """A bank not open for practice: P-01 … P-04."""
    return load_bank(app, "宪法题库", [question_row(n, "宪法") for n in range(1, 5)], open_it=False)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/practice/"),
        ("get", "/admin/practice/sets"),
        ("get", "/admin/practice/sets/new"),
        ("post", "/admin/practice/banks/{bank}/open"),
        ("post", "/admin/practice/banks/{bank}/close"),
    ],
)
@pytest.mark.parametrize("username", ["sec1", "10001"])
def test_only_administrators_reach_practice_settings(
    app, org, closed_bank, auth, client, method, path, username
):
    auth.login(username)
    response = getattr(client, method)(path.format(bank=closed_bank))
    assert response.status_code == 403
    assert practice_since(app, closed_bank) is None


def test_opening_a_bank_a_test_to_come_draws_on_asks_to_confirm_and_lists_the_tests(
    app, org, closed_bank, in_app, auth, client
):
    publish_test(
        in_app,
        "宪法知识测试",
        ["P-01", "P-02"],
        COMING_OPENS,
        COMING_OPENS + timedelta(hours=2),
        org["root"].id,
    )
    auth.login("admin1")
    page = client.get("/admin/practice/").get_data(as_text=True)
    assert f'data-bank="{closed_bank}" data-open="no"' in page
    assert 'data-questions="4"' in page.split(f'data-bank="{closed_bank}"')[1].split("</tr>")[0]
    asked = client.post(f"/admin/practice/banks/{closed_bank}/open")
    assert asked.status_code == 302  # to the question, which a reload asks again
    asked = client.get(asked.location)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "宪法知识测试" in body
    row = body.split('id="tests-to-come"')[1].split("</table>")[0]
    assert re.search(r"<th scope=\"row\">宪法知识测试</th><td>2026-04-17 \d\d:\d\d</td><td>2</td>", row)
    assert 'name="confirmed" value="1"' in body and 'id="held-back"' in body
    assert practice_since(app, closed_bank) is None  # nothing changed yet
    confirmed = client.post(f"/admin/practice/banks/{closed_bank}/open", data={"confirmed": "1"})
    assert confirmed.status_code == 302
    assert practice_since(app, closed_bank) == START
    assert f'data-bank="{closed_bank}" data-open="yes"' in client.get("/admin/practice/").get_data(
        as_text=True
    )
    client.post(f"/admin/practice/banks/{closed_bank}/close")
    assert practice_since(app, closed_bank) is None
    assert audited(app, "practice.bank") == ["practice.bank_open", "practice.bank_close"]


def test_a_bank_no_test_to_come_draws_on_opens_at_once(app, org, closed_bank, auth, client):
    auth.login("admin1")
    assert client.post(f"/admin/practice/banks/{closed_bank}/open").status_code == 302
    assert practice_since(app, closed_bank) == START


def test_an_unknown_bank_or_set_is_not_found(app, org, auth, client):
    auth.login("admin1")
    assert client.post("/admin/practice/banks/999/open").status_code == 404
    assert client.get("/admin/practice/sets/999").status_code == 404
    assert client.get("/admin/practice/sets/999/edit").status_code == 404
    assert client.post("/admin/practice/sets/999/publish").status_code == 404


def test_a_new_weekly_set_defaults_to_this_week(app, org, bank, auth, client):
    auth.login("admin1")
    page = client.get("/admin/practice/sets/new").get_data(as_text=True)
    assert re.search(r'<input id="first_day"[^>]*value="2026-04-13"', page)
    assert re.search(r'<input id="last_day"[^>]*value="2026-04-19"', page)
    assert re.search(r'<option selected value="weekly">', page)


def test_a_set_is_saved_previewed_with_its_keys_published_and_unpublished(app, org, bank, auth, client):
    auth.login("admin1")
    saved = client.post("/admin/practice/sets/new", data=set_form(bank))
    assert saved.status_code == 302
    with app.app_context(), db.new_session() as session:
        found = session.scalars(select(PracticeSet)).one()
    assert saved.headers["Location"].endswith(f"/admin/practice/sets/{found.id}")
    page = client.get(f"/admin/practice/sets/{found.id}").get_data(as_text=True)
    preview = page.split('id="preview"')[1]
    assert preview.count("data-lineage=") == 3 and "练习题第" in preview and "A" in preview
    assert 'id="redraw-set"' in page and 'id="publish-set"' in page
    assert client.post(f"/admin/practice/sets/{found.id}/redraw").status_code == 302
    client.post(f"/admin/practice/sets/{found.id}/publish")
    page = client.get(f"/admin/practice/sets/{found.id}").get_data(as_text=True)
    assert 'data-status="open"' in page and 'id="unpublish-set"' in page
    listing = client.get("/admin/practice/sets").get_data(as_text=True)
    assert "第16周每周答题" in listing
    client.post(f"/admin/practice/sets/{found.id}/unpublish")
    assert audited(app, "practice.set") == [
        "practice.set_save",
        "practice.set_save",
        "practice.set_publish",
        "practice.set_unpublish",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"last_day": "2026-04-12"}, "last_day"),
        ({"last_day": "2026-04-20"}, "last_day"),  # a weekly set: a week at most
        ({"first_day": "1999-12-31"}, "first_day"),
        ({"first_day": "not a day"}, "first_day"),
        ({"bank_ids": []}, "bank_ids"),
        ({"count": "60"}, "count"),
        ({"count": ""}, "count"),
    ],
)
def test_a_set_form_with_a_problem_saves_nothing_and_marks_the_field(
    app, org, bank, auth, client, changes, field
):
    auth.login("admin1")
    response = client.post("/admin/practice/sets/new", data=set_form(bank, **changes))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'id="{field}-error"' in body
    with app.app_context(), db.new_session() as session:
        assert session.scalars(select(PracticeSet)).all() == []


def begun_set(app, bank, in_app, client) -> int:  # type: ignore[no-untyped-def]
    """A published set, saved by the signed-in administrator, that 10001 has begun; its id."""
    from studyhall.practice import service

    client.post("/admin/practice/sets/new", data=set_form(bank))
    with app.app_context(), db.new_session() as session:
        set_id = session.scalars(select(PracticeSet.id)).one()
    client.post(f"/admin/practice/sets/{set_id}/publish")
    in_app("10001", lambda s, u: service.of_set(s, u, s.get_one(PracticeSet, set_id), now=START))
    return set_id


def test_taking_back_a_set_people_have_begun_asks_first(app, org, bank, in_app, auth, client):
    auth.login("admin1")
    set_id = begun_set(app, bank, in_app, client)
    asked = client.post(f"/admin/practice/sets/{set_id}/unpublish")
    assert asked.status_code == 200 and "已有 1 人开始作答这套题" in asked.get_data(as_text=True)
    assert in_app("admin1", lambda s, u: s.get_one(PracticeSet, set_id).published_at) is not None
    client.post(f"/admin/practice/sets/{set_id}/unpublish", data={"confirmed": "1"})
    assert in_app("admin1", lambda s, u: s.get_one(PracticeSet, set_id).published_at) is None


def test_a_set_form_marks_every_field_wrong_at_once(app, org, bank, auth, client):
    auth.login("admin1")
    body = client.post("/admin/practice/sets/new", data=set_form(bank, title="", count="0")).get_data(
        as_text=True
    )
    assert 'id="title-error"' in body and 'id="count-error"' in body


def test_a_begun_set_says_why_its_questions_cannot_change(app, org, bank, in_app, auth, client):
    auth.login("admin1")
    set_id = begun_set(app, bank, in_app, client)
    page = client.get(f"/admin/practice/sets/{set_id}").get_data(as_text=True)
    assert 'id="begun-notice"' in page and 'id="redraw-set"' not in page
    refused = client.post(f"/admin/practice/sets/{set_id}/edit", data=set_form(bank, count="4"))
    assert refused.status_code == 422 and 'id="bank_ids-error"' in refused.get_data(as_text=True)
    renamed = client.post(f"/admin/practice/sets/{set_id}/edit", data=set_form(bank, title="改名"))
    assert renamed.status_code == 302


def test_a_set_warns_of_tests_to_come_that_may_ask_its_questions(app, org, bank, in_app, auth, client):
    auth.login("admin1")
    client.post("/admin/practice/sets/new", data=set_form(bank, categories="", count="12"))
    with app.app_context(), db.new_session() as session:
        set_id = session.scalars(select(PracticeSet.id)).one()
    assert 'id="set-tests-asking"' not in client.get(f"/admin/practice/sets/{set_id}").get_data(as_text=True)
    publish_test(
        in_app, "国家安全测试", ["P-02"], COMING_OPENS, COMING_OPENS + timedelta(hours=2), org["root"].id
    )
    for path in (f"/admin/practice/sets/{set_id}", f"/admin/practice/sets/{set_id}/edit"):
        warning = client.get(path).get_data(as_text=True).split('id="set-tests-asking"')[1].split("</ul>")[0]
        assert "国家安全测试" in warning


class TestWithCsrf:
    @pytest.fixture
    def test_config(self, test_config):  # type: ignore[no-untyped-def]
        return {**test_config, "WTF_CSRF_ENABLED": True}

    def test_a_post_without_its_token_changes_nothing(self, app, org, closed_bank, client):
        from tests.conftest import PASSWORD
        from tests.test_csrf import csrf_token

        client.post(
            "/login", data={"username": "admin1", "password": PASSWORD, "csrf_token": csrf_token(client)}
        )
        assert client.post(f"/admin/practice/banks/{closed_bank}/open").status_code == 400
        assert practice_since(app, closed_bank) is None
        token = csrf_token(client, "/admin/practice/")
        assert (
            client.post(f"/admin/practice/banks/{closed_bank}/open", data={"csrf_token": token}).status_code
            == 302
        )
        assert practice_since(app, closed_bank) == START


def test_practice_settings_say_how_many_of_a_banks_questions_a_test_under_way_holds(
    app, org, bank, in_app, auth, client, frozen_now
):
    publish_test(
        in_app,
        "测试",
        ["P-01", "P-02"],
        START + timedelta(hours=1),
        START + timedelta(hours=2),
        org["root"].id,
    )
    auth.login("admin1")
    assert "暂停" not in client.get("/admin/practice/").get_data(as_text=True)  # not open yet
    frozen_now(START + timedelta(hours=1))
    page = client.get("/admin/practice/").get_data(as_text=True)
    assert "暂停 2 题：测试进行中" in page
