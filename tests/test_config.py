from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from studyhall import create_app, db, migrations
from studyhall.config import instance_secret_key


def test_secret_key_is_generated_once_and_shared(tmp_path):
    first = instance_secret_key(tmp_path)
    second = instance_secret_key(tmp_path)
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_environment_variables_configure_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDYHALL_DATABASE_URL", "postgresql+psycopg://db.example/studyhall")
    monkeypatch.setenv("STUDYHALL_SECRET_KEY", "from-env")
    monkeypatch.setenv("STUDYHALL_TIMEZONE", "Asia/Urumqi")
    monkeypatch.setenv("STUDYHALL_LOGIN_TRIES", "7")
    monkeypatch.setenv("STUDYHALL_LOGIN_TRIES_PER_ADDRESS", "500")
    monkeypatch.setenv("STUDYHALL_SECURE_COOKIES", "1")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://db.example/studyhall"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["TIMEZONE"] == "Asia/Urumqi"
    assert app.config["LOGIN_TRIES"] == 7 and app.config["LOGIN_TRIES_PER_ADDRESS"] == 500
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    app.extensions["studyhall.engine"].dispose()


def test_defaults_use_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    for name in ("STUDYHALL_DATABASE_URL", "STUDYHALL_SECRET_KEY", "STUDYHALL_LOGIN_TRIES"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/studyhall.db"
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    assert app.config["LOGIN_TRIES"] == 5 and app.config["LOGIN_TRY_WINDOW_MINUTES"] == 15
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    app.extensions["studyhall.engine"].dispose()


@pytest.fixture
def usual_umask():  # type: ignore[no-untyped-def]
    """The umask most servers run with (group and others may read new files)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:  # type: ignore[no-untyped-def]
    return stat.S_IMODE(path.stat().st_mode)


def test_instance_folder_and_sqlite_files_are_readable_by_the_server_account_only(usual_umask, tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})  # the default database: instance/studyhall.db
    with app.app_context():
        migrations.upgrade(db.engine())
        with db.engine().connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert mode(instance) == 0o700
            assert mode(instance / "studyhall.db") == 0o600
            assert mode(instance / "studyhall.db-wal") == 0o600
    app.extensions["studyhall.engine"].dispose()


def test_a_world_readable_sqlite_file_loses_that_on_the_next_connection(usual_umask, tmp_path):
    database = tmp_path / "old.db"
    sqlite3.connect(database).close()
    database.chmod(0o644)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": f"sqlite:///{database}"})
    with app.app_context(), db.engine().connect():
        assert mode(database) == 0o640
    app.extensions["studyhall.engine"].dispose()
