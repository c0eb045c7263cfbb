"""APScheduler set-up and the job list.

Every job is a sweep over database state ("delete staged files older than two hours"), so running
one twice or late is harmless and a stopped scheduler catches up when it returns. `studyhall serve`
runs the scheduler in-process; with gunicorn, run `studyhall scheduler` once, never per worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from sqlalchemy.orm import Session

from studyhall import clock, db
from studyhall.exams import points as exam_points
from studyhall.exams import service as exams
from studyhall.notifications import service as notifications
from studyhall.plans import reminders
from studyhall.plans import service as plans
from studyhall.points import publications
from studyhall.practice import book
from studyhall.system import service as system


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    sweep: Callable[[Session, datetime], object]


def _heartbeat(_session: Session, _now: datetime) -> None:
    """Does nothing but get recorded: its last run is the scheduler's pulse in /healthz."""


JOBS = (
    Job(system.HEARTBEAT_JOB, system.HEARTBEAT_EVERY, _heartbeat),
    Job(
        "sweep_staged_files",
        timedelta(minutes=30),
        lambda session, now: system.sweep_staged_files(session, now=now),
    ),
    Job(
        "finalise_overdue_attempts",
        timedelta(seconds=30),
        lambda session, now: exams.finalise_overdue(session, now=now),
    ),
    Job("stock_papers", timedelta(minutes=1), lambda session, now: exams.stock_papers(session, now=now)),
    Job(
        "settle_exam_points",
        timedelta(minutes=1),
        lambda session, now: exam_points.settle_due(session, now=now),
    ),
    # Plans scheduled for Monday 08:00 (they show from then whether or not this has run).
    Job("publish_plans", timedelta(minutes=1), lambda session, now: plans.publish_due(session, now=now)),
    # A plan's test item is done once its person has handed the test in.
    Job(
        "complete_test_items",
        timedelta(minutes=1),
        lambda session, now: plans.complete_tests(session, now=now),
    ),
    # Each item's people who have not done it, once, within STUDYHALL_REMIND_HOURS of its due time.
    Job(
        "remind_due_items",
        timedelta(minutes=5),
        lambda session, now: reminders.remind_due(
            session, now=now, within=timedelta(hours=current_app.config["REMIND_HOURS"])
        ),
    ),
    Job(
        "sweep_read_notifications",
        timedelta(hours=6),
        lambda session, now: notifications.sweep_read(session, now=now),
    ),
    # A test's wrong answers reach their owners' wrong-answer books soon after its review opens.
    Job("file_test_mistakes", timedelta(minutes=5), lambda session, now: book.file_tests(session, now=now)),
    # The weekly and monthly 积分公示, within five minutes of their 08:00, or on start after downtime.
    Job(
        "publish_publications",
        timedelta(minutes=5),
        lambda session, now: publications.publish_due(session, now=now),
    ),
)


def run_job(app: Flask, job: Job) -> None:
    """Run one sweep in its own transaction and record that it ran."""
    with app.app_context():
        session = db.new_session()
        try:
            now = clock.now()
            job.sweep(session, now)
            system.record_job_run(session, job.name, now=now)
            session.commit()
        finally:
            session.close()


def build(app: Flask, *, blocking: bool) -> BaseScheduler:
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone=app.config["TIMEZONE"])
    for job in JOBS:
        # First run at start-up, so downtime is caught up at once; coalesce so a backlog runs once.
        scheduler.add_job(
            run_job,
            "interval",
            args=(app, job),
            id=job.name,
            seconds=job.every.total_seconds(),
            next_run_time=clock.now(),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
    return scheduler
