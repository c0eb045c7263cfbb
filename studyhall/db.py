"""Engine, one session per request, the declarative Base and the UTC datetime and string enum column types."""

from __future__ import annotations

import enum
import json
import logging
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from flask import Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy import DateTime, Engine, Enum, MetaData, Table, create_engine, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import IntegerConverter, Map

log = logging.getLogger(__name__)

# Alembic names constraints from this, so SQLite and PostgreSQL get the same names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every model here maps one Table (SQLAlchemy types __table__ as any FromClause): the hot
    # statements built on Model.__table__ (exams.service) are Core inserts and updates of it.
    __table__: ClassVar[Table]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones and hands back naive values; refusing naive input keeps a local
    time from ever being stored as if it were UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def string_enum(values: type[enum.StrEnum], length: int) -> Enum:
    """A column of a StrEnum's values: a plain VARCHAR (no database enum type, no CHECK), so the stored
    strings are the values themselves; it reads back members and refuses a value not in the enum."""
    return Enum(values, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


def _json(value: object) -> str:
    # Readable Chinese in JSON columns, which also lets a LIKE on the column text find it.
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15}, json_serializer=_json)
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            event.listen(engine, "do_connect", lambda *_args: _keep_private(Path(path)))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, json_serializer=_json)
    event.listen(engine, "checkin", _note_checkin)
    event.listen(
        engine,
        "checkout",
        lambda dbapi_connection, record, _proxy: _ping_if_idle(engine.dialect, dbapi_connection, record),
    )
    return engine


PING_AFTER_IDLE_SECONDS = 10.0


def _note_checkin(_dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
    """Check a connection that has been idle for a while before handing it out: the server may
    have closed it (a restart, a proxy's idle timeout), and the pool then replaces it. A connection
    in steady use is not checked: under load, pool_pre_ping's round trip on every checkout was a
    tenth of an autosave's time."""
    last_used = record.info.get("checked_in")  # none yet: a connection just opened
    if last_used is None or time.monotonic() - last_used < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as error:  # whatever the driver raises, this connection is unusable
        raise DisconnectionError("the database closed this idle connection") from error


def _keep_private(path: Path) -> None:
    """The database holds password hashes and answers: readable by the server's account only.
    Created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the same mode); a
    file made world-readable before this rule loses that on the next connection."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    mode = path.stat().st_mode
    if mode & stat.S_IRWXO:
        path.chmod(mode & ~stat.S_IRWXO & 0o7777)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# Ids and positions are Integer columns, 32-bit on PostgreSQL: a larger number names no row.
MAX_ID = 2**31 - 1


class RowNumberConverter(IntegerConverter):
    """`<int:...>` in every route: a number past MAX_ID is a 404, instead of an out-of-range error
    from the database."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = RowNumberConverter
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["studyhall.engine"] = engine
    maker = sessionmaker(engine, expire_on_commit=False)
    event.listen(maker, "after_commit", _note_commit)
    app.extensions["studyhall.sessionmaker"] = maker
    app.register_error_handler(DBAPIError, _retry_after_disconnect)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["studyhall.engine"]


def new_session() -> Session:
    """A session the caller owns (CLI commands, scheduler jobs)."""
    return current_app.extensions["studyhall.sessionmaker"]()


def session() -> Session:
    """The session of the current request, closed when the request ends."""
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


def autocommit_session() -> Session:
    """The request's session with each statement committing by itself, for a request whose every
    write is a single statement (the autosave): BEGIN and COMMIT would be two more round trips.
    It must be the request's first use of the database, and the request must be idempotent: after
    a disconnect it is run again (see _retry_after_disconnect), though a statement may have
    committed."""
    request_session = session()
    if request_session.in_transaction():
        # SQLAlchemy would only warn and run the statements in that transaction instead.
        raise RuntimeError("autocommit_session() after the request has used the database")
    request_session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return request_session


def discard_session() -> None:
    """End the request's session, rolling back whatever it left unfinished (a failed statement's
    transaction, a dead connection); a later session() starts afresh."""
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def _close_session(_exc: BaseException | None) -> None:
    discard_session()


_TRANSACTION_INFO = "studyhall.transaction"


def transaction_info(db_session: Session) -> dict[str, Any]:
    """A dict that lasts as long as the session's transaction: what it has read that may not
    change under it, and what it must still write before it commits. Gone when it commits or
    rolls back, so nothing of it outlives the transaction's snapshot."""
    info: dict[str, Any] = db_session.info.setdefault(_TRANSACTION_INFO, {})
    return info


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction_info(db_session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        db_session.info.pop(_TRANSACTION_INFO, None)


def _note_commit(db_session: Session) -> None:
    db_session.info["committed"] = True


def _retry_after_disconnect(error: DBAPIError) -> ResponseReturnValue:
    """The database dropped a connection of the pool (a restart, a failover, a proxy's timeout);
    the request found it dead. SQLAlchemy has seen the disconnect and invalidated the whole pool,
    so a new connection will do: run the request once more, if that cannot repeat anything —
    nothing of it committed yet (an uncommitted transaction died with its connection). Else, or if
    the retry fails too, the error goes on to the error page."""
    committed = "db_session" in g and g.db_session.info.get("committed")
    if not error.connection_invalidated or committed or g.get("db_retried"):
        raise error
    g.db_retried = True
    log.warning("Database connection lost (%s): %s %s runs again.", error.orig, request.method, request.path)
    discard_session()
    g.pop("_login_user", None)  # Flask-Login's user, loaded through the dead connection
    try:
        response = current_app.preprocess_request()
        return response if response is not None else current_app.dispatch_request()
    except Exception as again:  # a refusal (404, DomainError) is answered as usual
        return current_app.handle_user_exception(again)
