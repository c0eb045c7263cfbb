"""Site settings, job runs, staged uploads and the health report."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from studyhall.system.models import JobRun, Setting, StagedFile

DEMO_SETTING = "demo_data"
HEARTBEAT_JOB = "heartbeat"
STAGED_FILE_LIFETIME = timedelta(hours=2)


def get_setting(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return row.value if row else None


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def is_demo(session: Session) -> bool:
    return get_setting(session, DEMO_SETTING) == "1"


def record_job_run(session: Session, name: str, *, now: datetime) -> None:
    row = session.get(JobRun, name)
    if row is None:
        session.add(JobRun(name=name, last_run_at=now))
    else:
        row.last_run_at = now


def last_job_run(session: Session, name: str) -> datetime | None:
    row = session.get(JobRun, name)
    return row.last_run_at if row else None


def stage_file(session: Session, owner_id: int, filename: str, data: bytes, *, now: datetime) -> str:
    token = secrets.token_urlsafe(24)
    session.add(StagedFile(token=token, owner_id=owner_id, filename=filename, data=data, created_at=now))
    return token


def staged_file(session: Session, token: str, owner_id: int, *, now: datetime) -> StagedFile | None:
    """The staged file, if it belongs to this person and has not expired."""
    row = session.scalars(
        select(StagedFile).where(StagedFile.token == token, StagedFile.owner_id == owner_id)
    ).first()
    if row is None or row.created_at < now - STAGED_FILE_LIFETIME:
        return None
    return row


def sweep_staged_files(session: Session, *, now: datetime) -> int:
    result = session.execute(delete(StagedFile).where(StagedFile.created_at < now - STAGED_FILE_LIFETIME))
    return result.rowcount or 0


@dataclass(frozen=True)
class Health:
    database_ok: bool
    revision: str | None
    heartbeat: datetime | None
    error: str | None = None


def health(engine: Engine) -> Health:
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            with Session(bind=connection) as session:
                heartbeat = last_job_run(session, HEARTBEAT_JOB)
    except SQLAlchemyError as exc:
        return Health(database_ok=False, revision=None, heartbeat=None, error=type(exc).__name__)
    return Health(database_ok=True, revision=revision, heartbeat=heartbeat)
