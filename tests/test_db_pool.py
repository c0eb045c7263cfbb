"""The connection pool checks connections that sat idle, and only those; the autocommit session;
requests after the database dropped the pool's connections."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool

from studyhall import create_app, db
from studyhall.access import PUBLIC, allow
from studyhall.system import service as system
from studyhall.system.models import Setting
from tests.exams import conftest as exam_fixtures
from tests.exams.test_attempts import by_type, save, sign_in, start

world = exam_fixtures.world
make_exam = exam_fixtures.make_exam
SERVER_ERROR = "服务器出错"  # the start of the friendly 500 page's message


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


def restart_database(app: Flask) -> None:
    """What a database restart does to the pool: every connection it holds is dead. PostgreSQL ends
    their backends (pg_terminate_backend); SQLite has no server, so its equivalent is each of those
    connections closed under the statement that next uses it."""
    engine = app.extensions["studyhall.engine"]
    if engine.dialect.name == "postgresql":
        outside_the_pool = create_engine(engine.url, poolclass=NullPool)
        with outside_the_pool.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
        outside_the_pool.dispose()
    else:
        held = [engine.raw_connection() for _n in range(engine.pool.checkedin())]
        doomed = {connection.dbapi_connection for connection in held}
        ended = len(doomed)
        for connection in held:
            connection.close()

        @event.listens_for(engine, "before_cursor_execute")
        def closed_under_the_pool(connection, *_args) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection = connection.connection.dbapi_connection
            if dbapi_connection in doomed:  # found dead by the first statement that uses it
                doomed.discard(dbapi_connection)
                dbapi_connection.close()

    assert ended  # the pool held connections, and they are gone


def test_after_a_database_restart_pages_saves_and_submits_go_on_without_an_error(app, make_exam, caplog):
    """The first statement finds its connection dead: the pool is renewed and the request run again."""
    client = sign_in(app, "10001")
    state = start(client, make_exam()).get_json()
    # Signing in holds two connections at once (its try counter commits on its own); a dead one left
    # queued behind the one a request meets is renewed by the pool unseen. Keep one, so that each
    # request below meets a dead connection.
    app.extensions["studyhall.engine"].dispose()
    assert client.get(f"/api/attempts/{state['attempt']}").status_code == 200
    restart_database(app)
    page = client.get(f"/attempts/{state['attempt']}")
    assert page.status_code == 200 and state["title"] in page.get_data(as_text=True)
    restart_database(app)
    saved = save(client, state["attempt"], by_type(state)["judge"]["position"], True, 1)
    assert saved.status_code == 200 and saved.get_json()["kept"] is True
    restart_database(app)
    submitted = client.post(f"/api/attempts/{state['attempt']}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"
    assert caplog.text.count("Database connection lost") == 3  # each found the pool dead


def test_a_request_that_committed_before_its_connection_died_is_not_repeated_and_gets_the_friendly_page(
    app, client, session
):
    @allow(PUBLIC)
    def count_then_lose_the_connection() -> str:
        request_session = db.session()
        runs = int(system.get_setting(request_session, "runs") or 0)
        system.set_setting(request_session, "runs", str(runs + 1))
        request_session.commit()
        restart_database(app)
        request_session.execute(select(func.count()).select_from(Setting)).scalar()
        return "unreachable"

    app.add_url_rule("/count", view_func=count_then_lose_the_connection, methods=["POST"])
    response = client.post("/count")
    assert response.status_code == 500 and SERVER_ERROR in response.get_data(as_text=True)
    assert session.scalar(select(Setting.value).where(Setting.key == "runs")) == "1"


@pytest.fixture
def test_config(test_config):  # type: ignore[no-untyped-def]
    # Unexpected errors go to the error page, as in production, instead of up to the test.
    return {**test_config, "PROPAGATE_EXCEPTIONS": False}


def test_the_error_page_shows_when_the_database_cannot_be_reached(test_config, tmp_path):
    url = test_config["DATABASE_URL"]
    if url.startswith("postgresql"):
        unreachable = url.rsplit("/", 1)[0] + "/studyhall_no_such_database"
    else:
        unreachable = f"sqlite:///{tmp_path}/missing-dir/none.db"
    broken = create_app({**test_config, "DATABASE_URL": unreachable})
    response = broken.test_client().get("/login")
    assert response.status_code == 500 and SERVER_ERROR in response.get_data(as_text=True)
