"""Site settings, job runs, staged uploads and the health report."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from studyhall.exams import service as exams
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
    # Through the connection, whose result (a CursorResult) has the row count: no StagedFile is loaded.
    result = session.connection().execute(
        delete(StagedFile).where(StagedFile.created_at < now - STAGED_FILE_LIFETIME)
    )
    return result.rowcount


HEARTBEAT_EVERY = timedelta(seconds=60)
# A missed beat or two is a busy machine; three is a scheduler that is not running.
HEARTBEAT_STALE_AFTER = 3 * HEARTBEAT_EVERY
# How long after the app starts a missing or old heartbeat is not yet a fault: `studyhall serve`
# starts its scheduler with the app, and the first beat and sweeps run at once.
START_UP = HEARTBEAT_STALE_AFTER
# The overdue sweep runs every 30 s: an attempt left open this long past its deadline and grace
# means the sweep is not doing its work.
OVERDUE_WAIT_LIMIT = timedelta(minutes=2)


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


@dataclass(frozen=True)
class Health:
    database_ok: bool
    revision: str | None
    heartbeat: datetime | None
    overdue_attempts: int = 0
    problems: tuple[Problem, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def health(engine: Engine, *, now: datetime, started_at: datetime) -> Health:
    """The database, the migration, the scheduler's pulse and the attempts it should have submitted
    by now; a problem for each thing that is wrong."""
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            with Session(bind=connection) as session:
                heartbeat = last_job_run(session, HEARTBEAT_JOB)
                overdue = exams.count_overdue(session, now=now, waiting=OVERDUE_WAIT_LIMIT)
    except SQLAlchemyError as exc:
        problem = Problem("database_unreachable", "The database cannot be reached.")
        return Health(False, None, None, problems=(problem,), error=type(exc).__name__)
    problems = []
    if now - started_at >= START_UP:  # before that, the scheduler may not have caught up yet
        if heartbeat is None:
            problems.append(Problem("scheduler_never_ran", "The scheduler has never recorded a heartbeat."))
        elif now - heartbeat > HEARTBEAT_STALE_AFTER:
            problems.append(
                Problem(
                    "scheduler_stale",
                    f"The scheduler's last heartbeat is {_ago(now - heartbeat)} old "
                    f"(it beats every {_ago(HEARTBEAT_EVERY)}; stale after {_ago(HEARTBEAT_STALE_AFTER)}).",
                )
            )
        if overdue:
            problems.append(
                Problem(
                    "attempts_overdue",
                    f"Attempts still open more than {_ago(OVERDUE_WAIT_LIMIT)} after their deadline and "
                    f"grace: {overdue}. The overdue sweep is not submitting them.",
                )
            )
    return Health(True, revision, heartbeat, overdue, tuple(problems))


def _ago(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"
