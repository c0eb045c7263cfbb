"""Fixtures in flaskr's shape: app, client, runner, and helpers to make people and sign in.

The schema is built once per run by the real migrations; every test then starts from empty
tables. Set STUDYHALL_TEST_DATABASE_URL to run the whole suite on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text
from sqlalchemy.orm import Session

from studyhall import clock, create_app, db, migrations
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Branch, Role, User
from studyhall.models import metadata

PASSWORD = "correct-horse-1"
START = datetime(2026, 4, 15, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, 全民国家安全教育日


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = (
        os.environ.get("STUDYHALL_TEST_DATABASE_URL")
        or f"sqlite:///{tmp_path_factory.mktemp('db') / 'studyhall-test.db'}"
    )
    engine = db.make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(engine)
    engine.dispose()
    return url


def empty_tables(app: Flask) -> None:
    engine = app.extensions["studyhall.engine"]
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def test_config(database_url: str, tmp_path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        # Real hashing costs 0.15 s a password; the hashing itself is not under test here.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "INITIAL_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # A screen's poll reads the database afresh each time: tests change it between two polls.
        "DISPLAY_FRESH_SECONDS": 0,
    }


@pytest.fixture
def app(test_config: dict[str, object]) -> Iterator[Flask]:
    app = create_app(test_config)
    yield app
    empty_tables(app)
    app.extensions["studyhall.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session for the test's own reads. It pushes no app context: one left pushed would be
    shared by every request the test client makes (Flask reuses it), and with it `g`, the
    signed-in user and the request's database session."""
    session = app.extensions["studyhall.sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set the app's clock: frozen_now(datetime) moves it; starts at START."""
    current = {"now": START}
    monkeypatch.setattr(clock, "now", lambda: current["now"])

    def move(to: datetime) -> datetime:
        current["now"] = to
        return to

    return move


class People:
    """Makes branches and accounts for a test, in the database the app uses."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def branch(self, name: str, parent: Branch | None = None) -> Branch:
        with self.app.app_context(), db.new_session() as session:
            branch = accounts.create_branch(
                session, None, name, parent.id if parent else None, now=clock.now()
            )
            session.commit()
            return branch

    def user(
        self,
        username: str,
        role: Role = Role.CADRE,
        branch: Branch | None = None,
        *,
        password: str = PASSWORD,
        must_change_password: bool = False,
        name: str | None = None,
    ) -> User:
        with self.app.app_context(), db.new_session() as session:
            user = accounts.create_user(
                session,
                None,
                username=username,
                display_name=name or username,
                role=role,
                branch_id=branch.id if branch else None,
                password=password,
                must_change_password=must_change_password,
                now=clock.now(),
            )
            session.commit()
            return user


@pytest.fixture
def people(app: Flask) -> People:
    return People(app)


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):  # type: ignore[no-untyped-def]
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def admin(people: People, auth: Auth) -> User:
    """An administrator, signed in."""
    user = people.user("admin1", Role.ADMIN, name="管理员甲")
    auth.login("admin1")
    return user


@pytest.fixture
def org(people: People, frozen_now) -> dict[str, Branch]:  # type: ignore[no-untyped-def]
    """The organisation the points, 学习强国 and 积分公示 tests share: 机关党委 with two 党支部 (the
    first with a 党小组); an administrator, the first 党支部's secretary, 王建国 in the first,
    李晓燕 in its 党小组 and 张三 in the second."""
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    group = people.branch("第一党小组", first)
    second = people.branch("第二党支部", root)
    people.user("admin1", Role.ADMIN, root, name="管理员")
    people.user("sec1", Role.SECRETARY, first, name="书记甲")
    people.user("10001", branch=first, name="王建国")
    people.user("10002", branch=group, name="李晓燕")
    people.user("20001", branch=second, name="张三")
    return {"root": root, "first": first, "group": group, "second": second}
