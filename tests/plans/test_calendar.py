"""A person's calendar feed, read back by the iCalendar library as a phone reads it: their items of
published plans only, meetings at their time and place, every event with a stable UID; the address
shown once, replaced and revoked at once, shut for a person who has left, and failures limited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar, Event
from sqlalchemy import select

from studyhall import db
from studyhall.accounts import service as accounts
from studyhall.accounts.models import AuditEvent, User
from studyhall.plans import calendars, meetings, service
from studyhall.plans.calendar_models import CalendarFeed
from studyhall.plans.meeting_models import AttendanceStatus
from studyhall.plans.meetings import Mark, MeetingSpec
from studyhall.plans.models import ItemKind, MeetingKind, PlanItem
from studyhall.plans.service import ItemSpec
from tests.conftest import START
from tests.plans.conftest import MONDAY, SUNDAY_2200, joined, read, signed_in

THURSDAY_1430 = datetime(2026, 4, 16, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai


def meeting(title: str, starts_at: datetime = THURSDAY_1430, **fields) -> ItemSpec:  # type: ignore[no-untyped-def]
    return ItemSpec(
        ItemKind.MEETING,
        title,
        starts_at + timedelta(hours=2),
        points=fields.pop("points", 2),
        meeting_kind=fields.pop("meeting_kind", MeetingKind.ASSEMBLY),
        starts_at=starts_at,
        place=fields.pop("place", "机关三楼会议室"),
        **fields,
    )


def address(client: FlaskClient) -> str:
    """Make the signed-in person a new address through their page; its path, as the page shows it."""
    made = client.post("/study/calendar/new")
    assert made.status_code == 302 and made.headers["Location"].endswith("/study/calendar")
    page = client.get("/study/calendar").get_data(as_text=True)
    found = re.search(r'id="feed-address" type="text" value="http://localhost(/calendar/[^"]+\.ics)"', page)
    assert found, page
    return found.group(1)


def events(app: Flask, path: str) -> dict[str, Event]:
    """The feed at `path`, fetched without signing in and parsed: its events by summary."""
    response = app.test_client().get(path)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(event["SUMMARY"]): event for event in calendar.events}


def triggers(event: Event) -> list[timedelta]:
    """When the event's reminders go off, counted from its start."""
    return [alarm["TRIGGER"].dt for alarm in event.walk("VALARM")]


def done(app: Flask, username: str, item_id: int, at: datetime) -> None:
    with app.app_context(), db.new_session() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        item = session.get(PlanItem, item_id)
        assert item is not None
        service.mark_done(session, user, item, now=at)
        session.commit()


def test_the_feed_parsed_back_holds_the_persons_visible_items_with_meetings_at_their_place(
    app, make_plan, frozen_now
):
    _plan, (reading, assembly, someone_else) = make_plan(
        [read("宪法第一章"), meeting("学习党章专题会"), read("张三的补学", usernames=["20001"])]
    )
    make_plan([read("第二支部专题学习")], branch="second")  # another 党支部's
    make_plan([read("尚未发布的学习")], publish=False)  # a draft
    _own, (group_item,) = make_plan([read("党小组学习")], branch="first", by="sec1")
    done(app, "10001", reading, START + timedelta(hours=1))
    client = signed_in(app, "10001")
    path = address(client)

    calendar = Calendar.from_ical(app.test_client().get(path).data)
    assert str(calendar["X-WR-CALNAME"]) == "学习计划 · 王建国"
    found = events(app, path)
    assert sorted(found) == ["支部党员大会：学习党章专题会", "阅读：党小组学习", "阅读：宪法第一章（已完成）"]

    held = found["支部党员大会：学习党章专题会"]
    assert held["LOCATION"] == "机关三楼会议室"
    assert held.DTSTART == THURSDAY_1430
    assert held["DTEND"].dt - held["DTSTART"].dt == timedelta(hours=2)  # a 党员大会's length
    assert str(held["UID"]).startswith(f"plan-item-{assembly}@")
    assert str(held["URL"]) == f"http://localhost/study/items/{assembly}"
    assert triggers(held) == [-timedelta(minutes=30)]
    assert "学习计划：学习贯彻宪法" in str(held["DESCRIPTION"])

    due = found["阅读：党小组学习"]
    assert due.DTSTART == SUNDAY_2200 and due.DTSTART.utcoffset() == timedelta(0)
    assert "截止时间：2026-04-19 22:00" in str(due["DESCRIPTION"])  # local time in the text
    assert triggers(due) == [-timedelta(days=1)]
    assert str(due["UID"]).startswith(f"plan-item-{group_item}@")
    assert triggers(found["阅读：宪法第一章（已完成）"]) == []  # nothing to remind of
    assert all(f"plan-item-{someone_else}@" not in str(event["UID"]) for event in found.values())

    # Fetched again after the meeting was held and recorded (it began a quarter of an hour late and
    # ended at 16:10): the same UIDs (the phone updates, not duplicates), at the times it was held.
    began, ended = THURSDAY_1430 + timedelta(minutes=15), THURSDAY_1430 + timedelta(minutes=100)
    with app.app_context(), db.new_session() as session:
        person = session.scalars(select(User).where(User.username == "10001")).one()
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        record = MeetingSpec(
            person.branch_id,
            "assembly",
            "学习党章专题会",
            began,
            ended,
            host_name="书记甲",
            recorder_name="王建国",
            item_id=assembly,
        )
        meetings.save(session, admin, record, [Mark(person.id, AttendanceStatus.PRESENT)], now=ended)
        session.commit()
    again = events(app, path)
    assert sorted(str(event["UID"]) for event in again.values()) == sorted(
        str(event["UID"]) for event in found.values()
    )
    recorded = again["支部党员大会：学习党章专题会（已完成）"]
    assert (recorded.DTSTART, recorded["DTEND"].dt) == (began, ended)

    # An unchanged feed costs a refresh a 304.
    first = app.test_client().get(path)
    assert first.headers["Cache-Control"] == "private, no-cache"
    unchanged = app.test_client().get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and not unchanged.data


def test_the_feed_holds_two_months_back_and_a_year_ahead(app, make_plan, frozen_now):
    frozen_now(START)
    make_plan([read("很久以前的学习", due=START - timedelta(days=90))], start=MONDAY - timedelta(weeks=13))
    make_plan([read("上月的学习", due=START - timedelta(days=30))], start=MONDAY - timedelta(weeks=5))
    make_plan([read("半年后的学习", due=START + timedelta(days=200))], start=MONDAY + timedelta(weeks=28))
    make_plan([read("明年此后的学习", due=START + timedelta(days=400))], start=MONDAY + timedelta(weeks=57))
    joined(app, START - timedelta(days=365))  # what was due before they joined is not theirs
    path = address(signed_in(app, "10001"))
    assert sorted(events(app, path)) == ["阅读：上月的学习", "阅读：半年后的学习"]


def test_the_address_is_shown_once_and_only_its_hash_is_kept(app, make_plan):
    client = signed_in(app, "10001")
    path = address(client)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    page = client.get("/study/calendar")
    assert page.headers["Cache-Control"] == "no-store"
    assert token not in page.get_data(as_text=True)
    assert 'id="feed-live"' in page.get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        stored = session.scalars(select(CalendarFeed)).one()
        assert stored.token_hash != token and token not in stored.token_hash
        assert stored.read_at is None
    app.test_client().get(path)
    with app.app_context(), db.new_session() as session:
        assert session.scalars(select(CalendarFeed.read_at)).one() == START  # the page says when


def test_a_new_address_stops_the_old_one_at_once_and_a_revoked_one_is_not_found(app, make_plan):
    make_plan([read("宪法第一章")])
    client = signed_in(app, "10001")
    old = address(client)
    new = address(client)
    assert old != new
    gone = app.test_client().get(old)
    assert gone.status_code == 404
    assert len(events(app, new)) == 1
    made_up = app.test_client().get("/calendar/" + "A" * 43 + ".ics")
    assert made_up.status_code == 404 and made_up.data == gone.data  # a revoked one says no more

    assert client.post("/study/calendar/revoke").status_code == 302
    assert app.test_client().get(new).status_code == 404
    assert 'id="feed-none"' in client.get("/study/calendar").get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("plan.calendar%")).order_by(AuditEvent.id)
        ).all()
        assert actions == ["plan.calendar_issue", "plan.calendar_issue", "plan.calendar_revoke"]
        assert [feed.revoked_at is not None for feed in session.scalars(select(CalendarFeed))] == [True, True]


def test_two_addresses_made_at_once_leave_one_live(app, make_plan):
    with app.app_context(), db.new_session() as session:
        user = session.scalars(select(User).where(User.username == "10001")).one()
        first = calendars.issue(session, user, now=START)
        second = calendars.issue(session, user, now=START)
        session.commit()
        live = calendars.live(session, user)
        assert live is not None and live.id == second.feed.id
        assert calendars.by_token(session, first.token) is None
        assert calendars.by_token(session, second.token) is not None


def test_an_address_ends_as_sign_in_sessions_do_when_its_person_leaves_or_their_password_is_reset(
    app, make_plan
):
    make_plan([read("宪法第一章")])
    path = address(signed_in(app, "10001"))
    assert app.test_client().get(path).status_code == 200

    def as_admin(change) -> None:  # type: ignore[no-untyped-def]
        with app.app_context(), db.new_session() as session:
            admin = session.scalars(select(User).where(User.username == "admin1")).one()
            person = session.scalars(select(User).where(User.username == "10001")).one()
            change(session, admin, person)
            session.commit()

    as_admin(lambda session, admin, person: accounts.set_active(session, admin, person, False, now=START))
    assert app.test_client().get(path).status_code == 404
    # Back again, the old address stays ended (as their sessions did): they make a new one.
    as_admin(lambda session, admin, person: accounts.set_active(session, admin, person, True, now=START))
    assert app.test_client().get(path).status_code == 404
    assert 'data-state="none"' in signed_in(app, "10001").get("/study/calendar").get_data(as_text=True)
    renewed = address(signed_in(app, "10001"))
    assert app.test_client().get(renewed).status_code == 200
    # A password reset (a lost phone, a leaked address) ends it too.
    as_admin(lambda session, admin, person: accounts.reset_password(session, admin, person, now=START))
    assert app.test_client().get(renewed).status_code == 404


@pytest.mark.parametrize(
    "token",
    [
        "%00",
        "%FF%FE%00",
        "..%2F..%2Fetc%2Fpasswd",
        "令牌",
        "A" * 42,
        "A" * 44,
        "A" * 5000,
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%0A",
        "' OR 1=1 --",
    ],
)
def test_odd_tokens_are_refused_without_a_lookup_or_an_error(app, org, token):
    response = app.test_client().get(f"/calendar/{token}.ics")
    # A NUL is refused before any view (studyhall.inputs); anything else is not found.
    assert response.status_code == (400 if "%00" in token else 404)


def test_failed_addresses_are_limited_per_address_and_a_working_one_is_never_refused(
    app, make_plan, frozen_now
):
    app.config["CALENDAR_TRIES_PER_ADDRESS"] = 3
    make_plan([read("宪法第一章")])
    path = address(signed_in(app, "10001"))
    phone = app.test_client()
    for _ in range(5):
        assert phone.get(path).status_code == 200  # a working address counts nothing
    for number in range(3):
        assert phone.get(f"/calendar/{number:043d}.ics").status_code == 404
    assert phone.get("/calendar/" + "B" * 43 + ".ics").status_code == 429
    # Behind the same address (one NAT), a working calendar keeps working.
    assert phone.get(path).status_code == 200
    elsewhere = app.test_client()
    assert (
        elsewhere.get("/calendar/" + "B" * 43 + ".ics", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
        == 404
    )
    frozen_now(START + timedelta(minutes=16))  # the window is over
    assert phone.get("/calendar/" + "B" * 43 + ".ics").status_code == 404


def test_a_title_naming_its_kind_is_not_led_by_it_twice(app, make_plan):
    make_plan(
        [
            meeting("主题党日：重温宪法宣誓誓词", meeting_kind=MeetingKind.THEME_DAY),
            meeting("学习党章专题会", THURSDAY_1430 + timedelta(hours=3), meeting_kind=MeetingKind.THEME_DAY),
        ]
    )
    path = address(signed_in(app, "10001"))
    assert sorted(events(app, path)) == ["主题党日：学习党章专题会", "主题党日：重温宪法宣誓誓词"]
