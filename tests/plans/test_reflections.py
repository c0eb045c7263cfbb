"""心得体会: the draft saved as one types (an older save never overwrites a newer one, and the draft is
kept on the server), the minimum length, the review flow with return and resubmission keeping every
review, points once however approval is sent, and reviewers limited to their own 党支部."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from studyhall import db
from studyhall.accounts.models import AuditEvent, Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.plans import reflections, service
from studyhall.plans.models import ItemKind, PlanPeriod, Progress, ProgressState
from studyhall.plans.reflection_models import Decision, Reflection, ReflectionReview
from studyhall.plans.service import ItemSpec, PlanSpec
from studyhall.points.models import PointAward, PointRule
from studyhall.points.service import RuleKey
from tests.conftest import PASSWORD, START, People

MONDAY = date(2026, 4, 13)  # START's week
DUE = datetime(2026, 4, 19, 14, 0, tzinfo=UTC)  # Sunday 22:00 in Shanghai
PROMPT = "结合本职工作，谈谈学习宪法的体会。"
# Twenty characters once whitespace is left out: twelve in the first line, eight in the second.
TWENTY = "学习宪法，增强宪法意识，\n\t 做到 尊法守法用法"


def user(session, username: str) -> User:  # type: ignore[no-untyped-def]
    return session.scalars(select(User).where(User.username == username)).one()


def reflection_item(
    app: Flask, *, min_chars: int | None = 20, title: str = "学习宪法心得", **audience
) -> int:  # type: ignore[no-untyped-def]
    """A published plan of the whole organisation with one reflection item; its id."""
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        item = ItemSpec(
            ItemKind.REFLECTION, title, DUE, points=3, prompt=PROMPT, min_chars=min_chars, **audience
        )
        plan = service.save_plan(
            session, admin, PlanSpec(PlanPeriod.WEEK, MONDAY, "学习贯彻宪法", items=[item]), now=START
        )
        service.schedule(session, admin, plan.id, None, now=START)
        session.commit()
        return plan.items[0].id


def client_for(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    client.post("/language", data={"lang": "en"})
    return client


def stored(app: Flask, item_id: int, username: str = "10001") -> Reflection | None:
    with app.app_context(), db.new_session() as session:
        return session.scalars(
            select(Reflection).where(
                Reflection.item_id == item_id, Reflection.user_id == user(session, username).id
            )
        ).first()


def put(client: FlaskClient, item_id: int, text: str, seq: int, base: int | None = None):  # type: ignore[no-untyped-def]
    return client.put(
        f"/api/reflections/items/{item_id}/draft", json=_with_base({"text": text, "seq": seq}, base)
    )


def submit(  # type: ignore[no-untyped-def]
    client: FlaskClient,
    item_id: int,
    text: str | None = None,
    seq: int | None = None,
    base: int | None = None,
):
    body = {} if text is None else {"text": text, "seq": seq}
    return client.post(f"/api/reflections/items/{item_id}/submit", json=_with_base(body, base))


def _with_base(body: dict[str, object], base: int | None) -> dict[str, object]:
    """The body as a page sends it: naming the version its text was made from, or (an old page) not."""
    return body if base is None else {**body, "base": base}


def submitted(app: Flask, item_id: int, username: str = "10001") -> int:
    """The person's reflection on the item, written and submitted; its id."""
    client = client_for(app, username)
    assert submit(client, item_id, TWENTY, 1).status_code == 200
    found = stored(app, item_id, username)
    assert found is not None
    return found.id


def review(
    app: Flask, reviewer: str, reflection_id: int, decision: Decision, comment: str = "", **options
) -> bool:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        reflection = session.get(Reflection, reflection_id)
        assert reflection is not None
        decided = reflections.review(
            session,
            user(session, reviewer),
            reflection_id,
            decision,
            comment,
            submission=options.pop("submission", reflection.submissions),
            now=START + timedelta(hours=1),
            **options,
        )
        session.commit()
        return decided


def awards(app: Flask, username: str = "10001") -> list[tuple[str, str, int]]:
    """What the person was given, but for signing in."""
    with app.app_context(), db.new_session() as session:
        rows = session.execute(
            select(PointRule.key, PointAward.source, PointAward.points)
            .join(PointRule, PointRule.id == PointAward.rule_id)
            .where(PointAward.user_id == user(session, username).id, PointRule.key != RuleKey.LOGIN)
            .order_by(PointAward.id)
        )
        return [tuple(row) for row in rows]


# ---- the draft -------------------------------------------------------------------------------


def test_an_older_save_arriving_after_a_newer_one_changes_nothing(app, org):
    item_id = reflection_item(app)
    client = client_for(app, "10001")
    first, second = (
        reflections.clock_ms(START),
        reflections.clock_ms(START) + 1_500,
    )  # as the page numbers them
    newer = put(client, item_id, "第二稿：更完整的体会", second)
    assert newer.status_code == 200 and newer.get_json() == {"seq": second, "kept": True, "count": 10}
    older = put(client, item_id, "第一稿", first)  # sent first, arrived last
    assert older.status_code == 200 and older.get_json() == {"seq": second, "kept": False, "count": 10}
    replay = put(client, item_id, "第二稿：更完整的体会", second)  # a resend of what is stored
    assert replay.get_json()["kept"] is True
    found = stored(app, item_id)
    assert found is not None and (found.text, found.seq, found.state) == (
        "第二稿：更完整的体会",
        second,
        "draft",
    )


def test_the_draft_is_kept_on_the_server_for_the_next_visit_from_any_device(app, org):
    item_id = reflection_item(app)
    put(client_for(app, "10001"), item_id, "在手机上写了一半的心得", 5)
    elsewhere = client_for(app, "10001")  # another device, signed in afresh
    page = elsewhere.get(f"/reflections/items/{item_id}").get_data(as_text=True)
    assert "在手机上写了一半的心得" in page and PROMPT in page
    state = elsewhere.get(f"/api/reflections/items/{item_id}").get_json()
    assert (state["text"], state["seq"], state["state"], state["minimum"]) == (
        "在手机上写了一半的心得",
        5,
        "draft",
        20,
    )


PHONE, DESKTOP = "手机上写的开头。", "电脑一段。"


def test_a_save_made_from_a_version_another_device_has_saved_over_is_refused_with_the_stored_text(app, org):
    item_id = reflection_item(app)
    phone, desktop = client_for(app, "10001"), client_for(app, "10001")
    assert put(phone, item_id, PHONE, 100, base=0).get_json()["kept"] is True
    # The desktop opened the page after the phone's save: its text is made from that version.
    assert put(desktop, item_id, PHONE + DESKTOP, 200, base=100).get_json()["kept"] is True
    # The phone, still on its own version, types on: refused, with what the desktop stored.
    refused = put(phone, item_id, PHONE + "手机又写了一段。", 300, base=100)
    assert refused.status_code == 409
    assert refused.get_json() == {
        "code": "stale",
        "message": "This reflection has been changed on another page or device.",
        "text": PHONE + DESKTOP,
        "seq": 200,
    }
    # Numbered below the stored save, a stale save is refused all the same (not quietly dropped).
    assert put(phone, item_id, "手机上更早的一稿", 150, base=100).status_code == 409
    found = stored(app, item_id)
    assert found is not None and (found.text, found.seq) == (PHONE + DESKTOP, 200)


def test_saves_of_one_page_each_from_the_last_acknowledged_go_in_and_a_replay_is_harmless(app, org):
    item_id = reflection_item(app)
    client = client_for(app, "10001")
    base = 0
    for seq, text in ((10, "一"), (20, "一二"), (30, "一二三")):
        answer = put(client, item_id, text, seq, base=base).get_json()
        assert answer == {"seq": seq, "kept": True, "count": len(text)}
        base = answer["seq"]
    # The last save sent again from its own base (its answer was lost): the same text, so no conflict.
    assert put(client, item_id, "一二三", 30, base=20).get_json()["kept"] is True
    found = stored(app, item_id)
    assert found is not None and (found.text, found.seq) == ("一二三", 30)


def test_keeping_this_pages_version_saves_it_over_the_other_from_the_stored_version(app, org):
    item_id = reflection_item(app)
    phone, desktop = client_for(app, "10001"), client_for(app, "10001")
    put(phone, item_id, PHONE, 100, base=0)
    put(desktop, item_id, PHONE + DESKTOP, 200, base=100)
    mine = PHONE + "手机又写了一段。"
    assert put(phone, item_id, mine, 300, base=100).status_code == 409
    assert put(phone, item_id, mine, 310, base=200).get_json() == {
        "seq": 310,
        "kept": True,
        "count": reflections.characters(mine),
    }
    found = stored(app, item_id)
    assert found is not None and (found.text, found.seq) == (mine, 310)
    # The desktop, still on the version the phone has now saved over, is refused in turn.
    assert put(desktop, item_id, PHONE + DESKTOP + "再写", 320, base=200).get_json()["text"] == mine


def test_a_save_naming_no_base_is_kept_by_its_number_alone_as_before(app, org):
    item_id = reflection_item(app)
    phone, desktop = client_for(app, "10001"), client_for(app, "10001")
    put(phone, item_id, PHONE, 100)
    put(desktop, item_id, PHONE + DESKTOP, 200)
    assert put(phone, item_id, PHONE + "手机", 300).get_json()["kept"] is True  # an old page's script
    assert put(desktop, item_id, "更早的", 250).get_json()["kept"] is False
    found = stored(app, item_id)
    assert found is not None and (found.text, found.seq) == (PHONE + "手机", 300)


def test_a_save_with_an_invalid_base_is_refused(app, org):
    item_id = reflection_item(app)
    client = client_for(app, "10001")
    for base in (-1, "0", True, 2**53):
        refused = put(client, item_id, "改稿", 10, base=base)  # type: ignore[arg-type]
        assert refused.status_code == 400 and refused.get_json()["code"] == "invalid_seq"
    assert stored(app, item_id) is None


def test_submitting_text_made_from_a_version_saved_over_elsewhere_is_refused(app, org):
    item_id = reflection_item(app, min_chars=5)
    phone, desktop = client_for(app, "10001"), client_for(app, "10001")
    put(phone, item_id, PHONE, 100, base=0)
    put(desktop, item_id, PHONE + DESKTOP, 200, base=100)
    refused = submit(phone, item_id, PHONE + "手机上写完了。", 300, base=100)
    assert refused.status_code == 409 and refused.get_json()["text"] == PHONE + DESKTOP
    found = stored(app, item_id)
    assert found is not None and (found.text, found.state, found.submissions) == (PHONE + DESKTOP, "draft", 0)
    assert progress_state(app, item_id) is ProgressState.STARTED  # not done
    assert submit(phone, item_id, PHONE + "手机上写完了。", 310, base=200).status_code == 200
    found = stored(app, item_id)
    assert found is not None and (found.text, found.state) == (PHONE + "手机上写完了。", "submitted")


def test_the_plain_form_refuses_text_saved_over_elsewhere_and_shows_both_versions(app, org):
    item_id = reflection_item(app, min_chars=5)
    client = client_for(app, "10001")
    page = client.get(f"/reflections/items/{item_id}").get_data(as_text=True)
    assert 'name="base" type="hidden" value="0"' in page
    put(client_for(app, "10001"), item_id, DESKTOP, 200, base=0)  # the desktop saves meanwhile
    mine = "没有脚本的页面上写的。"
    for action in ("save", "submit"):
        sent = client.post(
            f"/reflections/items/{item_id}", data={"text": mine, "base": "0", "action": action}
        )
        page = sent.get_data(as_text=True)
        assert sent.status_code == 200
        notice = page.split('id="reflection-conflict"')[1].split("</section>")[0]
        assert " hidden" not in notice.split(">")[0]
        assert "changed on another page or device" in notice and DESKTOP in notice
        assert mine in page.split('id="text"')[1].split("</textarea>")[0]  # this page's text, kept in the box
        assert 'name="base" type="hidden" value="200"' in page  # sending it again keeps it
        found = stored(app, item_id)
        assert found is not None and (found.text, found.state) == (DESKTOP, "draft")
    kept = client.post(f"/reflections/items/{item_id}", data={"text": mine, "base": "200", "action": "save"})
    assert kept.status_code == 302
    found = stored(app, item_id)
    assert found is not None and found.text == mine and found.seq > 200
    assert 'id="reflection-conflict"' in (page := client.get(kept.location).get_data(as_text=True))
    assert page.split('id="reflection-conflict"')[1].split(">")[0].endswith(" hidden")


def test_a_save_without_a_valid_number_or_too_long_is_refused_and_nothing_changes(app, org):
    item_id = reflection_item(app)
    client = client_for(app, "10001")
    put(client, item_id, "原稿", 10)
    # A number a day past the server's clock (in milliseconds) would block every save after it.
    day_ahead = reflections.clock_ms(START + timedelta(days=1, milliseconds=1))
    for seq in (0, -1, "11", True, 2**53, 2**53 - 1, day_ahead):
        refused = put(client, item_id, "改稿", seq)  # type: ignore[arg-type]
        assert refused.status_code == 400 and refused.get_json()["code"] == "invalid_seq"
    too_long = put(client, item_id, "字" * (reflections.MAX_TEXT + 1), 11)
    assert too_long.status_code == 400 and too_long.get_json()["code"] == "invalid"
    assert client.put(f"/api/reflections/items/{item_id}/draft", json=["改稿", 12]).status_code == 400
    found = stored(app, item_id)
    assert found is not None and (found.text, found.seq) == ("原稿", 10)


def test_json_calls_need_the_csrf_token(app, org):
    item_id = reflection_item(app)
    app.config["WTF_CSRF_ENABLED"] = True
    client = client_for_with_token(app, "10001")
    refused = client.put(f"/api/reflections/items/{item_id}/draft", json={"text": "无令牌", "seq": 1})
    assert refused.status_code == 400 and refused.get_json()["code"] == "csrf_expired"
    token = (
        client.get(f"/reflections/items/{item_id}")
        .get_data(as_text=True)
        .split('name="csrf-token" content="')[1]
    )
    headers = {"X-CSRFToken": token.split('"')[0]}
    saved = client.put(
        f"/api/reflections/items/{item_id}/draft", json={"text": "有令牌", "seq": 1}, headers=headers
    )
    assert saved.status_code == 200
    assert client.post(f"/api/reflections/items/{item_id}/submit", json={}).status_code == 400


def client_for_with_token(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = client.get("/login").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    signed_in = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    return client


def test_only_the_items_audience_writes_and_only_reflection_items(app, org):
    item_id = reflection_item(app, branch_ids=[org["first"].id])
    outsider = client_for(app, "20001")  # 第二党支部
    assert outsider.get(f"/reflections/items/{item_id}").status_code == 404
    assert put(outsider, item_id, "不该写入", 1).status_code == 404
    assert submit(outsider, item_id, TWENTY, 1).status_code == 404
    assert stored(app, item_id, "20001") is None
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        read = ItemSpec(ItemKind.READ, "宪法全文", DUE, body_html="<p>宪法</p>")
        plan = service.save_plan(
            session, admin, PlanSpec(PlanPeriod.WEEK, MONDAY, "读", items=[read]), now=START
        )
        service.schedule(session, admin, plan.id, None, now=START)
        session.commit()
        read_id = plan.items[0].id
    assert client_for(app, "10001").get(f"/reflections/items/{read_id}").status_code == 404


# ---- submitting ------------------------------------------------------------------------------


def test_characters_count_everything_but_whitespace():
    assert reflections.characters(TWENTY) == 20
    assert reflections.characters(" \u3000\n学习\u00a0，") == 3  # the ideographic and no-break spaces too
    assert reflections.characters("") == 0


def test_submitting_under_the_minimum_is_refused_with_the_count(app, org):
    item_id = reflection_item(app, min_chars=21)
    client = client_for(app, "10001")
    refused = submit(client, item_id, TWENTY, 5)
    assert refused.status_code == 400
    assert refused.get_json()["message"] == "Write at least 21 characters before submitting: 20 so far."
    assert stored(app, item_id) is None  # nothing happened (the page's autosave keeps the text)
    assert submit(client, item_id, TWENTY + "。", 6).status_code == 200
    found = stored(app, item_id)
    assert found is not None and found.state == "submitted" and found.submissions == 1


def test_an_item_without_a_minimum_still_needs_some_text(app, org):
    item_id = reflection_item(app, min_chars=None)
    client = client_for(app, "10001")
    assert submit(client, item_id, " \n ", 1).status_code == 400
    assert submit(client, item_id, "好", 2).status_code == 200


def test_submitting_marks_the_item_done_once_and_takes_no_more_saves(app, org):
    item_id = reflection_item(app)
    client = client_for(app, "10001")
    assert submit(client, item_id, TWENTY, 7).get_json() == {"state": "submitted", "seq": 7}
    assert submit(client, item_id, TWENTY, 7).status_code == 200  # a resend: nothing more
    late = put(client, item_id, "提交后才到的旧草稿", 6)
    assert late.status_code == 409 and late.get_json()["code"] == "submitted"
    assert awards(app) == [(RuleKey.PLAN_ITEM, f"plan_item:{item_id}", 3)]
    with app.app_context(), db.new_session() as session:
        progress = session.scalars(select(Progress).where(Progress.item_id == item_id)).one()
        assert progress.state is ProgressState.DONE


def progress_state(app: Flask, item_id: int) -> ProgressState | None:
    with app.app_context(), db.new_session() as session:
        return session.scalars(select(Progress.state).where(Progress.item_id == item_id)).first()


def test_a_saved_draft_shows_the_item_under_way_and_a_return_puts_it_back_under_way(app, org):
    item_id = reflection_item(app)
    client = client_for(app, "10001")
    assert f'data-item="{item_id}" data-state="todo"' in client.get("/").get_data(as_text=True)
    assert put(client, item_id, "学习宪法", 1).status_code == 200
    assert progress_state(app, item_id) is ProgressState.STARTED
    home = client.get("/").get_data(as_text=True)  # 本周学习
    assert f'data-item="{item_id}" data-state="started"' in home and "Under way" in home
    assert put(client, item_id, "学习宪法，增强", 2).status_code == 200  # the same row, still started
    assert progress_state(app, item_id) is ProgressState.STARTED

    assert submit(client, item_id, TWENTY, 3).status_code == 200
    found = stored(app, item_id)
    assert found is not None
    assert progress_state(app, item_id) is ProgressState.DONE
    assert review(app, "sec1", found.id, Decision.RETURN, "请再具体一些。")
    # Returned: under way again, its points taken back until the revision is sent.
    assert progress_state(app, item_id) is ProgressState.STARTED
    assert put(client, item_id, TWENTY + "再改一改", 4).get_json()["kept"] is True
    assert progress_state(app, item_id) is ProgressState.STARTED
    assert awards(app) == [
        (RuleKey.PLAN_ITEM, f"plan_item:{item_id}", 3),
        (RuleKey.PLAN_ITEM, f"plan_item:{item_id}", -3),
    ]
    assert submit(client, item_id, TWENTY + "再改一改", 5).status_code == 200
    assert progress_state(app, item_id) is ProgressState.DONE
    assert sum(points for _key, _source, points in awards(app)) == 3


def test_the_plain_form_saves_and_submits_without_javascript(app, org):
    item_id = reflection_item(app)
    client = client_for(app, "10001")
    saved = client.post(f"/reflections/items/{item_id}", data={"text": "草稿\r\n第二行", "action": "save"})
    assert saved.status_code == 302
    assert "Draft saved: 5 characters." in client.get(saved.location).get_data(as_text=True)
    found = stored(app, item_id)
    assert found is not None and found.text == "草稿\n第二行" and found.seq > 0
    short = client.post(f"/reflections/items/{item_id}", data={"text": "太短", "action": "submit"})
    assert short.status_code == 200 and "at least 20 characters" in short.get_data(as_text=True)
    found = stored(app, item_id)  # refused, but the text is kept as the draft
    assert found is not None and (found.text, found.state) == ("太短", "draft")
    done = client.post(f"/reflections/items/{item_id}", data={"text": TWENTY, "action": "submit"})
    assert done.status_code == 302
    page = client.get(done.location).get_data(as_text=True)
    assert "Waiting for review" in page and 'id="reflection-form"' not in page
    # Sent twice (a double click): the same text is simply in.
    assert (
        client.post(f"/reflections/items/{item_id}", data={"text": TWENTY, "action": "submit"}).status_code
        == 302
    )
    # Other text from a page left open elsewhere: not kept, and said so, with the text shown back.
    late = client.post(
        f"/reflections/items/{item_id}", data={"text": "另一台设备上的新写法", "action": "save"}
    )
    page = late.get_data(as_text=True)
    assert late.status_code == 200 and "already been submitted: the text you sent was not kept" in page
    assert "另一台设备上的新写法" in page
    found = stored(app, item_id)
    assert found is not None and found.text == TWENTY


# ---- reviewing -------------------------------------------------------------------------------


def test_a_returned_reflection_is_revised_and_submitted_again_and_every_review_is_kept(app, org):
    item_id = reflection_item(app)
    reflection_id = submitted(app, item_id)
    with pytest.raises(DomainError) as no_comment:
        review(app, "sec1", reflection_id, Decision.RETURN, "  ")
    assert no_comment.value.code is ErrorCode.INVALID
    assert review(app, "sec1", reflection_id, Decision.RETURN, "请结合检察工作实际再谈具体一些。")
    cadre = client_for(app, "10001")
    # Told in the app, with the comment, leading back to the reflection.
    told = cadre.get("/notifications/").get_data(as_text=True)
    assert "被退回修改" in told and "请结合检察工作实际再谈具体一些。" in told
    opened = re.search(r'href="(/notifications/\d+)"', told)
    assert opened is not None
    assert cadre.get(opened.group(1)).location.endswith(f"/reflections/items/{item_id}")
    page = cadre.get(f"/reflections/items/{item_id}").get_data(as_text=True)
    assert "Returned for revision" in page and "请结合检察工作实际再谈具体一些。" in page
    assert 'id="reflection-form"' in page  # editable again
    revised = TWENTY + "\n在办案中落实宪法精神。"
    assert put(cadre, item_id, revised, 50).get_json()["kept"] is True
    found = stored(app, item_id)
    assert found is not None and found.state == "returned"  # until sent again
    assert submit(cadre, item_id, revised, 50).status_code == 200
    # The secretary reads the new version, and what the return was about under Reviews.
    reviewing = client_for(app, "sec1").get(f"/reflections/review/{reflection_id}").get_data(as_text=True)
    current, history = reviewing.split('id="reviews"')
    assert "在办案中落实宪法精神。" in current and "submitted 2 times" in current
    assert "请结合检察工作实际再谈具体一些。" in history
    assert "The text reviewed" in history and "做到 尊法守法用法" in history  # the first version
    assert review(app, "sec1", reflection_id, Decision.APPROVE, "很好。")
    with app.app_context(), db.new_session() as session:
        history = session.scalars(
            select(ReflectionReview)
            .where(ReflectionReview.reflection_id == reflection_id)
            .order_by(ReflectionReview.id)
        ).all()
        assert [(r.decision, r.comment, r.text) for r in history] == [
            ("return", "请结合检察工作实际再谈具体一些。", TWENTY),
            ("approve", "很好。", revised),
        ]
        reflection = session.get(Reflection, reflection_id)
        assert reflection is not None
        assert (reflection.state, reflection.submissions, reflection.comment) == ("approved", 2, "很好。")
    page = cadre.get(f"/reflections/items/{item_id}").get_data(as_text=True)
    assert "请结合检察工作实际再谈具体一些。" in page and "很好。" in page and "Approved" in page
    assert "The text reviewed" not in page  # the author has their own text
    # The plan item was done at each submission, its points taken back by the return between them;
    # the approval adds the rule's points once.
    assert awards(app) == [
        (RuleKey.PLAN_ITEM, f"plan_item:{item_id}", 3),
        (RuleKey.PLAN_ITEM, f"plan_item:{item_id}", -3),
        (RuleKey.PLAN_ITEM, f"plan_item:{item_id}", 3),
        (RuleKey.REFLECTION, f"reflection:{reflection_id}", 2),
    ]


def test_a_return_clicked_twice_does_not_return_the_revised_version(app, org):
    item_id = reflection_item(app)
    reflection_id = submitted(app, item_id)
    assert review(app, "sec1", reflection_id, Decision.RETURN, "再改改。", submission=1)
    submit(client_for(app, "10001"), item_id, TWENTY + "补充", 99)
    with pytest.raises(DomainError) as stale:  # the second click, of the first submission
        review(app, "sec1", reflection_id, Decision.RETURN, "再改改。", submission=1)
    assert stale.value.code is ErrorCode.STALE
    assert stored(app, item_id).state == "submitted"  # type: ignore[union-attr]


def test_approval_sent_twice_awards_the_points_once(app, org):
    reflection_id = submitted(app, reflection_item(app))
    secretary = client_for(app, "sec1")
    for _ in range(2):  # a double click
        response = secretary.post(
            f"/reflections/review/{reflection_id}", data={"decision": "approve", "submission": "1"}
        )
        assert response.status_code == 302
    assert "already been reviewed that way" in secretary.get(response.location).get_data(as_text=True)
    assert [key for key, _source, _points in awards(app)] == [RuleKey.PLAN_ITEM, RuleKey.REFLECTION]
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(ReflectionReview)) == 1
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("reflection.%"))
        ).all() == ["reflection.approve"]


def test_two_reviewers_approving_at_once_approve_once(app, org, people: People):
    people.user("sec2", Role.SECRETARY, org["first"], name="书记乙")
    reflection_id = submitted(app, reflection_item(app))
    ready = threading.Barrier(2, timeout=15)

    def approve(reviewer: str) -> bool:
        with app.app_context(), db.new_session() as session:
            actor = user(session, reviewer)
            reflections.reviewable(session, actor, reflection_id)  # each has the page open
            ready.wait()
            decided = reflections.review(
                session, actor, reflection_id, Decision.APPROVE, f"{reviewer} 同意", submission=1, now=START
            )
            session.commit()
            return decided

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(approve, ["sec1", "sec2"]))
    assert sorted(results) == [False, True]
    assert [key for key, _source, _points in awards(app)] == [RuleKey.PLAN_ITEM, RuleKey.REFLECTION]
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(ReflectionReview)) == 1


def test_secretaries_review_their_own_branch_only(app, org):
    item_id = reflection_item(app)
    mine = submitted(app, item_id, "10002")  # 第一党支部's 党小组
    theirs = submitted(app, item_id, "20001")  # 第二党支部
    secretary = client_for(app, "sec1")
    listing = secretary.get("/reflections/review").get_data(as_text=True)
    assert f'data-reflection="{mine}"' in listing and f'data-reflection="{theirs}"' not in listing
    assert secretary.get(f"/reflections/review/{mine}").status_code == 200
    assert secretary.get(f"/reflections/review/{theirs}").status_code == 404
    refused = secretary.post(f"/reflections/review/{theirs}", data={"decision": "approve", "submission": "1"})
    assert refused.status_code == 404
    assert (
        secretary.post(f"/reflections/review/{theirs}/excellent", data={"excellent": "1"}).status_code == 404
    )
    assert stored(app, item_id, "20001").state == "submitted"  # type: ignore[union-attr]
    admin = client_for(app, "admin1").get("/reflections/review").get_data(as_text=True)
    assert f'data-reflection="{mine}"' in admin and f'data-reflection="{theirs}"' in admin
    assert client_for(app, "10001").get("/reflections/review").status_code == 403


def test_drafts_are_their_authors_own_and_nobody_reviews_their_own(app, org):
    item_id = reflection_item(app)
    put(client_for(app, "10001"), item_id, "还没写完", 1)
    draft = stored(app, item_id)
    assert draft is not None
    assert client_for(app, "admin1").get(f"/reflections/review/{draft.id}").status_code == 404
    own = submitted(app, item_id, "sec1")  # the secretary studies too
    with pytest.raises(DomainError) as refused:
        review(app, "sec1", own, Decision.APPROVE)
    assert refused.value.code is ErrorCode.SELF
    # Approved by the administrator, it is not theirs to mark 优秀 either.
    assert review(app, "admin1", own, Decision.APPROVE)
    mark = client_for(app, "sec1").post(f"/reflections/review/{own}/excellent", data={"excellent": "1"})
    assert mark.status_code == 302  # back to the review page, saying why
    assert stored(app, item_id, "sec1").excellent is False  # type: ignore[union-attr]


def test_the_list_filters_by_state_plan_and_week(app, org):
    this_week = reflection_item(app, title="本周心得")
    submitted(app, this_week)
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        item = ItemSpec(ItemKind.REFLECTION, "下周心得", DUE + timedelta(weeks=1), prompt=PROMPT, min_chars=1)
        later = PlanSpec(PlanPeriod.WEEK, MONDAY + timedelta(weeks=1), "下周计划", items=[item])
        plan = service.save_plan(session, admin, later, now=START)
        service.schedule(session, admin, plan.id, None, now=START)
        session.commit()
        next_plan, next_item = plan.id, plan.items[0].id
    approved = submitted(app, next_item, "10002")
    review(app, "sec1", approved, Decision.APPROVE)
    secretary = client_for(app, "sec1")

    def titles(**query) -> list[str]:  # type: ignore[no-untyped-def]
        page = secretary.get("/reflections/review", query_string=query).get_data(as_text=True)
        return [title for title in ("本周心得", "下周心得") if f">{title}</a>" in page]

    assert titles() == ["本周心得"]  # waiting for review, by default
    assert titles(state="approved") == ["下周心得"]
    assert titles(state="all") == ["本周心得", "下周心得"]
    assert titles(state="all", plan=next_plan) == ["下周心得"]
    assert titles(state="all", week=(MONDAY + timedelta(days=9)).isoformat()) == ["下周心得"]
    assert titles(state="all", week="not-a-day") == ["本周心得", "下周心得"]


# ---- 优秀 --------------------------------------------------------------------------------------


def test_excellent_reflections_are_shown_to_their_own_branch(app, org):
    item_id = reflection_item(app)
    first = submitted(app, item_id, "10002")  # 第一党支部's 党小组
    second = submitted(app, item_id, "20001")  # 第二党支部
    review(app, "sec1", first, Decision.APPROVE, "写得实在。", excellent=True)
    review(app, "admin1", second, Decision.APPROVE)
    cadre = client_for(app, "10001")  # 第一党支部
    assert "写得实在。" in cadre.get("/reflections/excellent").get_data(as_text=True)
    elsewhere = client_for(app, "20001").get("/reflections/excellent").get_data(as_text=True)
    assert f'data-reflection="{first}"' not in elsewhere and 'id="no-excellent"' in elsewhere
    # Marked later by an administrator, the second shows in its own 党支部; taking the mark off hides it.
    admin = client_for(app, "admin1")
    assert admin.post(f"/reflections/review/{second}/excellent", data={"excellent": "1"}).status_code == 302
    assert f'data-reflection="{second}"' in client_for(app, "20001").get("/reflections/excellent").get_data(
        as_text=True
    )
    admin.post(f"/reflections/review/{first}/excellent", data={"excellent": "0"})
    assert f'data-reflection="{first}"' not in cadre.get("/reflections/excellent").get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        marks = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reflection.excellent").order_by(AuditEvent.id)
        ).all()
        assert [(event.detail["reflection"], event.detail["excellent"]) for event in marks] == [
            (second, True),
            (first, False),
        ]


def test_only_an_approved_reflection_can_be_marked_excellent(app, org):
    reflection_id = submitted(app, reflection_item(app))
    with app.app_context(), db.new_session() as session:
        with pytest.raises(DomainError) as refused:
            reflections.set_excellent(session, user(session, "sec1"), reflection_id, True, now=START)
        assert refused.value.code is ErrorCode.REFUSED


def test_a_reflection_sent_after_its_due_time_is_taken_and_shown_late_to_its_reviewer(app, org, frozen_now):
    """Like any plan item, a reflection can still be done once overdue (it stays on the person's
    overdue list until then); its reviewer sees that it came late."""
    item_id = reflection_item(app)
    on_time = submitted(app, item_id, "10002")
    frozen_now(DUE + timedelta(minutes=1))
    late = submitted(app, item_id, "10001")
    listing = client_for(app, "sec1").get("/reflections/review").get_data(as_text=True)
    rows = {row.split('"')[0]: row for row in listing.split('data-reflection="')[1:]}
    assert "Late" in rows[str(late)] and "Late" not in rows[str(on_time)]
    page = client_for(app, "sec1").get(f"/reflections/review/{late}").get_data(as_text=True)
    assert 'id="late"' in page and "Late: due 2026-04-19 22:00" in page
