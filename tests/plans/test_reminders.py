"""Reminders of a plan's items: one click reminds everyone behind, once a day per person and plan
however often it is sent; the scheduler's sweep reminds each person once per item within a day of
its due time, catching up after downtime but never later than that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from studyhall import db, scheduler
from studyhall.accounts import service as accounts
from studyhall.accounts.models import AuditEvent, User
from studyhall.notifications.models import Notification
from studyhall.plans import progress
from tests.conftest import START
from tests.plans.conftest import MONDAY, THURSDAY, WEDNESDAY_2200, joined, mark, read, signed_in

SWEEP = next(job for job in scheduler.JOBS if job.name == "remind_due_items")


def received(session, key_prefix: str = "") -> dict[str, list[tuple[str, str, str]]]:  # type: ignore[no-untyped-def]
    """Each person's notifications (title, body, link), by 工号."""
    session.expire_all()
    found: dict[str, list[tuple[str, str, str]]] = {}
    rows = session.execute(
        select(User.username, Notification.title, Notification.body, Notification.link)
        .join(User, User.id == Notification.recipient_id)
        .where(Notification.key.startswith(key_prefix))
        .order_by(Notification.id)
    )
    for username, title, body, link in rows:
        found.setdefault(username, []).append((title, body, link))
    return found


def flashes(response) -> list[str]:  # type: ignore[no-untyped-def]
    page = response.get_data(as_text=True)
    return [part.split(">", 1)[1].split("</p>")[0] for part in page.split('class="flash flash-')[1:]]


def test_one_click_reminds_each_person_behind_of_their_items(app, week, session):
    plan_id, items = week
    client = signed_in(app, "sec1")
    response = client.post(
        "/plans/progress/remind",
        data={"plan": plan_id, "branch": "", "sort": "behind", "dir": "desc"},
        follow_redirects=True,
    )
    assert flashes(response) == ["已提醒 2 人。"]
    assert "sort=behind&dir=desc" in response.request.url  # back on the table, sorted as it was
    assert 'data-sort="behind" aria-sort="descending"' in response.get_data(as_text=True)
    notes = received(session)
    assert sorted(notes) == ["10002", "sec1"]  # 王建国 has done his
    assert notes["10002"] == [
        (
            "学习提醒：学习贯彻宪法",
            "以下学习任务尚未完成：\n"
            "· “宪法全文”，04-19 周日 22:00 截止\n"
            "· “党章学习”，04-15 周三 22:00 截止，已逾期\n"
            "· “个人任务”，04-19 周日 22:00 截止",
            f"/study/?week={MONDAY.isoformat()}",
        )
    ]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.remind")).all()
    assert [(event.detail["plan"], event.detail["reminded"]) for event in events] == [(plan_id, 2)]


def test_a_replayed_click_or_a_second_sender_the_same_day_reminds_nobody_twice(
    app, week, session, frozen_now
):
    plan_id, _ = week
    secretary = signed_in(app, "sec1")
    secretary.post("/plans/progress/remind", data={"plan": plan_id}, follow_redirects=True)
    replay = secretary.post("/plans/progress/remind", data={"plan": plan_id}, follow_redirects=True)
    assert flashes(replay) == ["有未完成任务的人今天都已就本计划提醒过，未重复提醒。"]
    whole = signed_in(app, "admin1").post(
        "/plans/progress/remind", data={"plan": plan_id}, follow_redirects=True
    )
    assert flashes(whole) == ["已提醒 2 人。", "其中 2 人今天已就本计划提醒过，未重复提醒。"]
    assert {name: len(notes) for name, notes in received(session).items()} == {
        "sec1": 1,
        "10002": 1,
        "admin1": 1,
        "20001": 1,
    }
    assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.remind")).all()) == 2
    frozen_now(THURSDAY + timedelta(days=1))  # the next day: once more
    assert flashes(
        secretary.post("/plans/progress/remind", data={"plan": plan_id}, follow_redirects=True)
    ) == ["已提醒 2 人。"]


def test_a_reminder_of_one_item_leads_to_it(app, week, org, make_plan, session):
    plan_id, (item_id,) = make_plan([read("第二支部的文章")], branch="second", theme="第二支部的计划")
    signed_in(app, "admin1").post(
        "/plans/progress/remind", data={"plan": plan_id, "branch": org["second"].id}
    )
    assert received(session) == {
        "20001": [
            (
                "学习提醒：第二支部的计划",
                "以下学习任务尚未完成：\n· “第二支部的文章”，04-19 周日 22:00 截止",
                f"/study/items/{item_id}",
            )
        ]
    }


def test_nobody_reminds_outside_their_scope(app, week, org, make_plan, session):
    plan_id, _ = week
    other_plan, _ = make_plan([read("第二支部的文章")], branch="second", theme="第二支部的计划")
    secretary = signed_in(app, "sec1")
    assert (
        secretary.post(
            "/plans/progress/remind", data={"plan": plan_id, "branch": org["second"].id}
        ).status_code
        == 404
    )
    assert secretary.post("/plans/progress/remind", data={"plan": other_plan}).status_code == 404
    assert secretary.post("/plans/progress/remind", data={}).status_code == 404
    assert secretary.post("/plans/progress/remind", data={"plan": "²"}).status_code == 404
    assert secretary.post("/plans/progress/remind", data={"plan": "99999999999"}).status_code == 404
    assert signed_in(app, "10001").post("/plans/progress/remind", data={"plan": plan_id}).status_code == 403
    assert received(session) == {}


def test_nobody_behind_is_said_and_nobody_is_reminded(app, org, make_plan, session):
    plan_id, (item,) = make_plan([read("第二支部的文章")], branch="second")
    mark(app, "20001", item)
    response = signed_in(app, "admin1").post(
        "/plans/progress/remind", data={"plan": plan_id, "branch": org["second"].id}, follow_redirects=True
    )
    assert flashes(response) == ["本计划没有未完成的人。"]
    assert received(session) == {}


# ---- the sweep -------------------------------------------------------------------------------

SATURDAY_2201 = datetime(2026, 4, 18, 14, 1, tzinfo=UTC)
SUNDAY_2200 = datetime(2026, 4, 19, 14, 0, tzinfo=UTC)


def sweep(app, times: int = 2) -> None:  # type: ignore[no-untyped-def]
    for _n in range(times):
        scheduler.run_job(app, SWEEP)


def test_the_sweep_reminds_each_person_once_within_a_day_of_each_due_time(
    app, org, make_plan, session, frozen_now
):
    _plan, (sunday_item, wednesday_item) = make_plan([read("宪法全文"), read("党章学习", due=WEDNESDAY_2200)])
    mark(app, "10001", sunday_item)
    with app.app_context(), db.new_session() as writer:
        admin = writer.scalars(select(User).where(User.username == "admin1")).one()
        gone = writer.scalars(select(User).where(User.username == "20001")).one()
        accounts.set_active(writer, admin, gone, False, now=START)
        writer.commit()

    sweep(app)  # Wednesday 09:00: 党章学习 is due tonight, 宪法全文 on Sunday
    assert received(session, "plan-item-due:") == {
        name: [
            (
                "即将截止：党章学习",
                "“党章学习”（学习贯彻宪法）将于 04-15 周三 22:00 截止，请及时完成。",
                f"/study/items/{wednesday_item}",
            )
        ]
        for name in ("admin1", "sec1", "10001", "10002")  # not someone who has left
    }

    frozen_now(SATURDAY_2201)  # 宪法全文 is due within a day; 党章学习's reminder is not repeated
    sweep(app)
    sunday = {
        name: [title for title, _body, _link in notes]
        for name, notes in received(session, f"plan-item-due:{sunday_item}").items()
    }
    assert sunday == {name: ["即将截止：宪法全文"] for name in ("admin1", "sec1", "10002")}  # 王建国 did it

    frozen_now(SUNDAY_2200 + timedelta(days=3))
    sweep(app)
    assert sum(len(notes) for notes in received(session).values()) == 7


def test_after_downtime_the_sweep_catches_up_within_a_day_of_the_due_time_and_no_later(
    app, org, make_plan, session
):
    last_night = START - timedelta(hours=11)  # Tuesday 22:00
    monday_night = START - timedelta(hours=35)  # Monday 22:00: more than a day ago
    joined(app, START - timedelta(weeks=4))
    make_plan([read("昨晚截止", due=last_night), read("周一截止", due=monday_night)])
    sweep(app)  # the scheduler's first run, Wednesday 09:00
    titles = {title for notes in received(session).values() for title, _body, _link in notes}
    assert titles == {"已逾期：昨晚截止"}
    assert (
        received(session)["10001"][0][1]
        == "“昨晚截止”（学习贯彻宪法）已于 04-14 周二 22:00 截止，目前尚未完成。"
    )


def test_the_window_is_configured(app, org, make_plan, session):
    make_plan([read("宪法全文")])  # Sunday 22:00, four and a half days ahead
    sweep(app, 1)
    assert received(session) == {}
    app.config["REMIND_HOURS"] = 24 * 5
    sweep(app, 1)
    assert len(received(session)) == 5


def test_an_excused_person_is_not_reminded_by_the_sweep_or_a_click(app, week, session, monkeypatch):
    plan_id, items = week
    with app.app_context(), db.new_session() as reader:
        li = reader.scalars(select(User.id).where(User.username == "10002")).one()
    monkeypatch.setattr(
        progress, "excused", lambda _session, found, people: {(item.id, li) for item in found}
    )
    signed_in(app, "sec1").post("/plans/progress/remind", data={"plan": plan_id})
    sweep(app)
    assert "10002" not in received(session)
    assert sorted(received(session, "plan-remind:")) == ["sec1"]


def test_someone_added_later_is_not_reminded_of_what_was_due_before_their_account(
    app, week, people, org, session, frozen_now
):
    plan_id, items = week
    joined(app, START - timedelta(weeks=4))
    people.user("30001", branch=org["first"], name="新同志")  # made on Thursday
    # The sweep's catch-up after Wednesday 22:00 reminds the others of 党章学习, not them.
    sweep(app)
    assert "30001" not in received(session, f"plan-item-due:{items[1]}")
    assert "sec1" in received(session, f"plan-item-due:{items[1]}")
    signed_in(app, "sec1").post("/plans/progress/remind", data={"plan": plan_id})
    assert received(session, "plan-remind")["30001"][0][1] == (
        "以下学习任务尚未完成：\n· “宪法全文”，04-19 周日 22:00 截止"
    )
