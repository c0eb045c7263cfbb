"""A fresh database for a benchmark: SQLite as given, or PostgreSQL on 127.0.0.1 whose public schema
is dropped and recreated — never a server elsewhere, where that schema could hold real data."""

from __future__ import annotations

import sys

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from studyhall import migrations


def check_url(url: str) -> str:
    """The backend's name, or exit with the reason this benchmark will not touch that database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return "sqlite"
    if parsed.get_backend_name() != "postgresql":
        sys.exit(f"--database-url: only SQLite or PostgreSQL, not {parsed.get_backend_name()}")
    if parsed.host != "127.0.0.1":
        sys.exit(
            "--database-url: this benchmark drops the public schema; it only runs on a PostgreSQL "
            f"server at 127.0.0.1, not at {parsed.host!r}"
        )
    return "postgresql"


def recreate(engine: Engine) -> None:
    """Empty the database (PostgreSQL: its public schema) and migrate it to the newest revision."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrations.upgrade(engine)
