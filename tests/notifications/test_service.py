"""Notifications are written once per person and key, and handed to the configured channels once
they are committed; a channel that fails loses nothing in the app."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhall import create_app, db
from studyhall.accounts.models import User
from studyhall.notifications import channels, service
from studyhall.notifications.channels import Delivery
from studyhall.notifications.models import Notification
from tests.conftest import START
from tests.exams.test_races import WAIT, blocked_on_a_lock


class Recording:
    """A channel that keeps what it was handed."""

    delivered: list[Delivery] = []

    def __init__(self, _config: object) -> None:
        pass

    def deliver(self, deliveries: Sequence[Delivery]) -> None:
        Recording.delivered.extend(deliveries)


class Broken:
    """A channel whose server is down."""

    def __init__(self, _config: object) -> None:
        pass

    def deliver(self, deliveries: Sequence[Delivery]) -> None:
        raise ConnectionRefusedError("smtp.example: connection refused")


@pytest.fixture
def test_config(test_config, monkeypatch):
    monkeypatch.setitem(channels.CHANNELS, "broken", Broken)
    monkeypatch.setitem(channels.CHANNELS, "recording", Recording)
    monkeypatch.setattr(Recording, "delivered", [])
    # The broken one first: the one after it must still be called.
    return {**test_config, "NOTIFY_CHANNELS": ("broken", "recording")}


def user_ids(app, *usernames: str) -> list[int]:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        found = dict(
            session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all()
        )
        return [found[name] for name in usernames]


def send(app, recipients: list[int], key: str = "plan-remind:1:2026-04-15", **fields) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        written = service.notify(
            session,
            recipients,
            kind=fields.pop("kind", "plan_behind"),
            title=fields.pop("title", "学习提醒：学习贯彻宪法"),
            body=fields.pop("body", "尚未完成：\n· “宪法全文”"),
            link=fields.pop("link", "/study/items/1"),
            key=key,
            now=fields.pop("now", START),
        )
        session.commit()
        return written


def stored(session) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [
        (row.recipient_id, row.key)
        for row in session.scalars(select(Notification).order_by(Notification.recipient_id, Notification.key))
    ]


def test_each_person_is_notified_once_per_key_however_often_it_is_sent(app, org, session):
    wang, li, zhang = user_ids(app, "10001", "10002", "20001")
    assert send(app, [wang, li]) == 2
    assert send(app, [wang, li, zhang, zhang]) == 1  # a rerun: only the one not yet notified
    assert send(app, [wang], key="plan-item-due:7") == 1  # another key is another notification
    assert stored(session) == sorted(
        [
            (wang, "plan-remind:1:2026-04-15"),
            (li, "plan-remind:1:2026-04-15"),
            (zhang, "plan-remind:1:2026-04-15"),
            (wang, "plan-item-due:7"),
        ]
    )
    assert [note.title for note in Recording.delivered] == ["学习提醒：学习贯彻宪法"] * 4


def test_of_two_senders_at_once_one_notifies_and_the_other_finds_it_done(app, org, session):
    wang, li = user_ids(app, "10001", "10002")
    with app.app_context(), db.new_session() as first, ThreadPoolExecutor(1) as pool:
        assert service.notify(first, [wang, li], kind="plan_behind", title="提醒", key="k", now=START) == 2
        finished = threading.Event()

        def second_sender() -> int:
            with app.app_context(), db.new_session() as second:
                written = service.notify(
                    second, [wang, li], kind="plan_behind", title="提醒", key="k", now=START
                )
                second.commit()
                finished.set()
                return written

        racing = pool.submit(second_sender)
        blocked_on_a_lock(app, finished)  # PostgreSQL: the second waits on the first's rows
        first.commit()
        assert racing.result(timeout=WAIT) == 0
    assert stored(session) == [(wang, "k"), (li, "k")]
    assert len(Recording.delivered) == 2


def test_channels_get_the_notifications_only_once_they_are_committed(app, org):
    (wang,) = user_ids(app, "10001")
    with app.app_context(), db.new_session() as session:
        service.notify(
            session,
            [wang],
            kind="plan_due",
            title="即将截止：宪法全文",
            link="/study/items/3",
            key="a",
            now=START,
        )
        assert Recording.delivered == []
        session.commit()
        assert [(note.recipient_id, note.title, note.link, note.kind) for note in Recording.delivered] == [
            (wang, "即将截止：宪法全文", "/study/items/3", "plan_due")
        ]
        service.notify(session, [wang], kind="plan_due", title="即将截止：党章", key="b", now=START)
        session.rollback()
        session.commit()  # nothing of the rolled-back one is left to deliver
    assert [note.title for note in Recording.delivered] == ["即将截止：宪法全文"]


def test_a_failing_channel_loses_neither_the_notification_nor_the_other_channels(app, org, session, caplog):
    (wang,) = user_ids(app, "10001")
    with caplog.at_level(logging.ERROR, logger="studyhall.notifications.channels"):
        assert send(app, [wang]) == 1
    assert stored(session) == [(wang, "plan-remind:1:2026-04-15")]
    assert len(Recording.delivered) == 1
    assert "channel broken failed" in caplog.text and "connection refused" in caplog.text


def test_the_log_channel_writes_each_notification_to_the_log(app, org, monkeypatch, caplog):
    (wang,) = user_ids(app, "10001")
    monkeypatch.setitem(
        app.extensions, "studyhall.notify_channels", [("log", channels.LogChannel(app.config))]
    )
    with caplog.at_level(logging.INFO, logger="studyhall.notifications.channels"):
        send(app, [wang], title="学习提醒：学习贯彻宪法")
    assert f"to user {wang}: 学习提醒：学习贯彻宪法" in caplog.text


def test_the_environment_names_the_channels_and_an_unknown_one_stops_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDYHALL_NOTIFY_CHANNELS", "log, ")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["NOTIFY_CHANNELS"] == ("log",)
    assert [name for name, _channel in app.extensions["studyhall.notify_channels"]] == ["log"]
    app.extensions["studyhall.engine"].dispose()
    monkeypatch.setenv("STUDYHALL_NOTIFY_CHANNELS", "log,pigeon")
    with pytest.raises(ValueError, match="unknown channels pigeon"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_without_configuration_notifications_stay_in_the_app(monkeypatch, tmp_path):
    monkeypatch.delenv("STUDYHALL_NOTIFY_CHANNELS", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.extensions["studyhall.notify_channels"] == []
    app.extensions["studyhall.engine"].dispose()


def test_a_link_out_of_the_app_is_refused(app, org):
    (wang,) = user_ids(app, "10001")
    for link in ("https://example.com/", "//example.com/study", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="inside the app"):
            send(app, [wang], link=link)


def test_read_notifications_are_swept_once_they_have_been_read_long_enough(app, org, session):
    wang, li = user_ids(app, "10001", "10002")
    send(app, [wang, li], key="old")
    with app.app_context(), db.new_session() as writer:
        service.mark_all_read(writer, wang, now=START)
        writer.commit()
        assert service.sweep_read(writer, now=START + service.KEEP_READ - timedelta(minutes=1)) == 0
        assert service.sweep_read(writer, now=START + service.KEEP_READ + timedelta(minutes=1)) == 1
        writer.commit()
    assert stored(session) == [(li, "old")]  # unread: kept, however old
