"""The corridor screen's address and its board: ETag/304, revoked and unknown tokens, privacy."""

from __future__ import annotations

from datetime import timedelta

from studyhall import clock, db
from studyhall.display import service
from studyhall.display.models import Privacy
from studyhall.display.panels import COMPOUND_SURNAMES, shown_name
from tests.conftest import START
from tests.display.conftest import give


def test_board_is_200_with_an_etag_then_304_until_an_award_changes_it(app, client, register):
    token = register()
    give(app, "10001", 5, "manual:a")
    first = client.get(f"/display/{token}/data.json")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    assert first.json["panels"][0]["rows"][0] == {
        "rank": 1,
        "name": "王建国",
        "branch": "第一党支部",
        "points": 5,
    }

    unchanged = client.get(f"/display/{token}/data.json", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.data == b""

    give(app, "10002", 8, "manual:b")
    changed = client.get(f"/display/{token}/data.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert [row["name"] for row in changed.json["panels"][0]["rows"]] == ["李晓燕", "王建国"]


def test_an_unchanged_board_is_answered_without_building_it(app, client, register, monkeypatch):
    token = register()
    give(app, "10001", 5, "manual:a")
    etag = client.get(f"/display/{token}/data.json").headers["ETag"]

    def not_again(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the board was built again though nothing changed")

    monkeypatch.setattr(service, "board", not_again)
    assert client.get(f"/display/{token}/data.json", headers={"If-None-Match": etag}).status_code == 304


def test_the_board_carries_the_app_version_so_screens_reload_after_an_upgrade(app, client, register):
    token = register()
    board = client.get(f"/display/{token}/data.json").json
    assert board["version"] == service.app_version()
    assert board["version"].startswith("0.")  # the package's version, then the screen's code digest
    page = client.get(f"/display/{token}")
    assert f'data-version="{board["version"]}"' in page.get_data(as_text=True)


def test_revoked_and_unknown_tokens_get_the_not_registered_page_and_json(app, client, register, world):
    token = register()
    assert client.get(f"/display/{token}").status_code == 200
    with app.app_context(), db.new_session() as session:
        display = service.by_token(session, token)
        assert display is not None
        service.revoke(session, world["admin"], display.id, now=clock.now())
        session.commit()

    for address in (token, "not-a-token", "x" * 200):
        page = client.get(f"/display/{address}")
        assert page.status_code == 404
        assert "此屏幕未登记" in page.get_data(as_text=True)
        data = client.get(f"/display/{address}/data.json")
        assert data.status_code == 404
        assert data.json == {"code": "not_found", "message": "此屏幕未登记"}


def test_made_up_tokens_leave_nothing_behind_in_the_server(client, register):
    """Anyone may ask for addresses: each unknown one kept would stay in memory for good."""
    client.get(f"/display/{register()}/data.json")
    kept = len(service._recent)
    for number in range(200):
        assert client.get(f"/display/made-up-{number:04d}/data.json").status_code == 404
    assert len(service._recent) == kept


def test_a_new_address_shuts_the_old_one_and_brings_a_revoked_screen_back(app, client, register, world):
    token = register()
    with app.app_context(), db.new_session() as session:
        display = service.by_token(session, token)
        assert display is not None
        service.revoke(session, world["admin"], display.id, now=clock.now())
        new_token = service.new_address(session, world["admin"], display.id, now=clock.now()).token
        session.commit()
    assert len(new_token) == service.TOKEN_LENGTH
    assert client.get(f"/display/{token}/data.json").status_code == 404
    assert client.get(f"/display/{new_token}/data.json").status_code == 200


def test_surname_mode_shows_no_full_name(app, client, register, people, world):
    group = people.branch("第一党小组", world["first"])
    people.user("10003", branch=group, name="欧阳明华")
    give(app, "10001", 5, "manual:a")
    give(app, "10003", 3, "manual:b")
    token = register(privacy=Privacy.SURNAME)
    body = client.get(f"/display/{token}/data.json").get_data(as_text=True)
    assert "王建国" not in body and "欧阳明华" not in body and "10001" not in body
    board = client.get(f"/display/{token}/data.json").json
    assert [row["name"] for row in board["panels"][0]["rows"]] == ["王同志", "欧阳同志"]
    assert "第一党小组" not in body  # a small group would tell who it is
    assert [row["branch"] for row in board["panels"][0]["rows"]] == ["第一党支部", "第一党支部"]


def test_a_compound_surname_is_kept_whole():
    assert shown_name("司马光", Privacy.SURNAME) == "司马同志"
    assert shown_name("诸葛亮", Privacy.SURNAME) == "诸葛同志"
    assert shown_name("马光", Privacy.SURNAME) == "马同志"
    assert shown_name(" 李晓燕 ", Privacy.FULL_NAME) == "李晓燕"
    assert all(len(surname) == 2 for surname in COMPOUND_SURNAMES)


def test_the_screen_needs_no_sign_in_and_sets_no_cookie(client, register):
    token = register()
    for path in (f"/display/{token}", f"/display/{token}/data.json"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    page = client.get(f"/display/{token}").get_data(as_text=True)
    assert "/static/js/display.js" in page and "<style" not in page and "style=" not in page


def test_branch_ranking_is_by_average_per_member(app, client, register):
    # 第一党支部 is under the 机关党委; 外单位, a top branch with none below it, is a 党支部 on its own.
    give(app, "10001", 6, "manual:a")  # 第一党支部: 6 points over its 2 people (10001, 10002)
    give(app, "90001", 4, "manual:b")  # 外单位: 4 points, 1 person
    token = register(panels=["branches"])
    rows = client.get(f"/display/{token}/data.json").json["panels"][0]["rows"]
    assert [(row["name"], row["members"], row["average"]) for row in rows] == [
        ("外单位", 1, 4.0),
        ("第一党支部", 2, 3.0),
    ]


def test_next_test_panel_shows_the_next_test_set_for_a_branch(app, client, register, make_exam, frozen_now):
    token = register(panels=["next_exam"])
    assert client.get(f"/display/{token}/data.json").json["panels"] == []  # no test: the panel is skipped

    make_exam(title="草稿测试", publish=False)
    make_exam(title="已结束测试", opens_at=START - timedelta(days=2), closes_at=START - timedelta(days=1))
    make_exam(title="下周测试", opens_at=START + timedelta(days=7), closes_at=START + timedelta(days=8))
    make_exam(title="明天测试", opens_at=START + timedelta(days=1), closes_at=START + timedelta(days=2))
    panel = client.get(f"/display/{token}/data.json").json["panels"][0]
    assert panel["kind"] == "next_exam" and panel["exam"] == "明天测试"
    assert panel["opens_at"] == (START + timedelta(days=1)).isoformat()

    frozen_now(START + timedelta(days=1, hours=1))  # 明天测试 is open now: it stays the one shown
    assert client.get(f"/display/{token}/data.json").json["panels"][0]["exam"] == "明天测试"


def test_a_notice_panel_without_text_is_skipped(client, register):
    token = register(panels=["notice", "people"], notice="  ")
    assert [panel["kind"] for panel in client.get(f"/display/{token}/data.json").json["panels"]] == ["people"]
