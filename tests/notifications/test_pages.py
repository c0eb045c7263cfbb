"""A person's notifications: the list (newest first, a page at a time), opening one and marking
read, the navigation's badge, and nobody else's."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import Role
from studyhall.notifications import service
from studyhall.notifications.models import Notification
from tests.conftest import START
from tests.exams.test_pages import attempt_id_of, start
from tests.notifications.test_service import user_ids
from tests.plans.conftest import signed_in


def notify(app, username: str, count: int, *, link: str = "/study/") -> list[int]:  # type: ignore[no-untyped-def]
    """`count` notifications to the person, a minute apart, the last the newest; their ids."""
    (person,) = user_ids(app, username)
    with app.app_context(), db.new_session() as session:
        for number in range(1, count + 1):
            service.notify(
                session,
                [person],
                kind="plan_due",
                title=f"提醒{number:03d}",
                body=f"第{number}条",
                link=link,
                key=f"test:{number}",
                now=START + timedelta(minutes=number),
            )
        session.commit()
        return list(
            session.scalars(
                select(Notification.id).where(Notification.recipient_id == person).order_by(Notification.id)
            )
        )


def titles(page: str) -> list[str]:
    return re.findall(r"提醒\d{3}", page)


def badge(page: str) -> str | None:
    found = re.search(r'id="notification-badge" data-count="([^"]+)"', page)
    return found.group(1) if found else None


def test_the_list_pages_newest_first_and_marks_the_unread(app, org):
    notify(app, "10001", service.PER_PAGE + 5)
    client = signed_in(app, "10001")
    first = client.get("/notifications/").get_data(as_text=True)
    expected = [f"提醒{number:03d}" for number in range(service.PER_PAGE + 5, 0, -1)]
    assert titles(first) == expected[: service.PER_PAGE]
    assert first.count('data-read="false"') == service.PER_PAGE
    assert 'href="/notifications/?page=2"' in first
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert titles(second) == expected[service.PER_PAGE :]


def test_opening_a_notification_follows_its_link_and_marks_it_read(app, org, session):
    first, second = notify(app, "10001", 2, link="/study/items/5")
    client = signed_in(app, "10001")
    assert badge(client.get("/notifications/").get_data(as_text=True)) == "2"
    response = client.get(f"/notifications/{first}")
    assert response.status_code == 302 and response.location == "/study/items/5"
    page = client.get("/notifications/").get_data(as_text=True)
    assert badge(page) == "1"
    assert f'data-notification="{first}" data-read="true"' in page
    assert f'data-notification="{second}" data-read="false"' in page
    client.get(f"/notifications/{first}")  # again: still read, at the first time
    assert session.get(Notification, first).read_at == START


def test_marking_one_and_then_all_read(app, org, session):
    ids = notify(app, "10001", 3)
    client = signed_in(app, "10001")
    response = client.post(f"/notifications/{ids[0]}/read", data={"page": "1"})
    assert response.status_code == 302 and response.location == "/notifications/"
    assert badge(client.get("/").get_data(as_text=True)) == "2"
    client.post("/notifications/read")
    page = client.get("/notifications/").get_data(as_text=True)
    assert badge(page) is None and 'data-read="false"' not in page
    assert all(note.read_at for note in session.scalars(select(Notification)))


def test_another_person_s_notification_is_not_found_and_stays_unread(app, org, session):
    (theirs,) = notify(app, "10002", 1)
    client = signed_in(app, "10001")
    assert client.get(f"/notifications/{theirs}").status_code == 404
    assert client.post(f"/notifications/{theirs}/read").status_code == 404
    client.post("/notifications/read")  # all of one's own: none of theirs
    assert "提醒001" not in client.get("/notifications/").get_data(as_text=True)
    assert session.get(Notification, theirs).read_at is None


def test_the_badge_counts_to_99_and_then_says_99_plus(app, org):
    notify(app, "10001", service.BADGE_CAP)
    client = signed_in(app, "10001")
    assert badge(client.get("/").get_data(as_text=True)) == "99"
    (person,) = user_ids(app, "10001")
    with app.app_context(), db.new_session() as session:
        service.notify(session, [person], kind="plan_due", title="再一条", key="one-more", now=START)
        session.commit()
    assert badge(client.get("/").get_data(as_text=True)) == "99+"


def test_pages_without_a_signed_in_person_have_no_badge(app, org, client):
    notify(app, "10001", 1)
    page = client.get("/login")
    assert page.status_code == 200 and badge(page.get_data(as_text=True)) is None


def test_the_attempt_page_has_no_badge_and_still_opens(app, make_exam):
    notify(app, "10001", 2)
    client = signed_in(app, "10001")
    assert badge(client.get("/").get_data(as_text=True)) == "2"
    attempt = client.get(f"/attempts/{attempt_id_of(start(client, make_exam()))}")
    assert attempt.status_code == 200
    assert badge(attempt.get_data(as_text=True)) is None and "/notifications/" not in attempt.get_data(
        as_text=True
    )


def test_someone_who_must_change_their_password_sees_no_badge(app, people):
    people.user("10009", Role.CADRE, must_change_password=True)
    notify(app, "10009", 1)
    client = signed_in(app, "10009")
    page = client.get("/password")
    assert page.status_code == 200 and badge(page.get_data(as_text=True)) is None
