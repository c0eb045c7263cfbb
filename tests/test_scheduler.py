from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from studyhall import db, scheduler
from studyhall.accounts.models import Role
from studyhall.system import service as system
from studyhall.system.models import StagedFile
from tests.conftest import START


def test_every_job_runs_at_start_and_then_on_its_interval(app):
    built = scheduler.build(app, blocking=False)
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {job.name for job in scheduler.JOBS}
    assert jobs["heartbeat"].trigger.interval == timedelta(seconds=60)


def test_staged_upload_sweep_removes_only_expired_files_and_can_run_twice(app, people, session, frozen_now):
    owner = people.user("admin1", Role.ADMIN)
    with app.app_context(), db.new_session() as writer:
        system.stage_file(writer, owner.id, "old.xlsx", b"old", now=START)
        system.stage_file(writer, owner.id, "new.xlsx", b"new", now=START + timedelta(hours=2))
        writer.commit()
    frozen_now(START + timedelta(hours=2, minutes=30))
    sweep = next(job for job in scheduler.JOBS if job.name == "sweep_staged_files")
    scheduler.run_job(app, sweep)
    scheduler.run_job(app, sweep)
    assert list(session.scalars(select(StagedFile.filename))) == ["new.xlsx"]
    assert session.scalar(select(func.count()).select_from(StagedFile)) == 1
