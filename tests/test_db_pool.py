"""The connection pool checks connections that sat idle, and only those; the autocommit session."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy.exc import DisconnectionError

from studyhall import db


class ClosedByServer:
    """A dialect whose every ping finds the connection closed, counting the pings."""

    def __init__(self) -> None:
        self.pings = 0

    def do_ping(self, _connection: object) -> bool:
        self.pings += 1
        raise OSError("server closed the connection unexpectedly")


def test_a_connection_idle_too_long_is_pinged_and_a_dead_one_refused_so_the_pool_replaces_it(monkeypatch):
    dialect, record, now = ClosedByServer(), SimpleNamespace(info={}), [1000.0]
    monkeypatch.setattr(db.time, "monotonic", lambda: now[0])
    db._ping_if_idle(dialect, object(), record)  # just opened: nothing to check
    db._note_checkin(object(), record)
    now[0] += db.PING_AFTER_IDLE_SECONDS - 1
    db._ping_if_idle(dialect, object(), record)  # in steady use: no round trip spent on it
    assert dialect.pings == 0
    now[0] += 2
    with pytest.raises(DisconnectionError):  # SQLAlchemy's pool then opens a new connection
        db._ping_if_idle(dialect, object(), record)
    assert dialect.pings == 1


def test_autocommit_is_refused_once_the_request_has_used_the_database(app):
    """SQLAlchemy would only warn and leave the statements in the open transaction, which the end of
    the request rolls back: an autosave acknowledged and then lost."""
    with app.test_request_context():
        db.session().connection()
        with pytest.raises(RuntimeError):
            db.autocommit_session()
