from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from studyhall import db, scheduler
from studyhall.accounts.models import Role, User
from studyhall.plans import service as plans
from studyhall.plans.models import ItemKind, Plan, PlanPeriod, PlanStatus
from studyhall.plans.service import ItemSpec, PlanSpec
from studyhall.practice.models import FiledAttempt, ReviewCard
from studyhall.system import service as system
from studyhall.system.models import StagedFile
from tests.conftest import START
from tests.practice import conftest as practice_fixtures
from tests.practice.exams import publish_test, sit_test

bank = practice_fixtures.bank
in_app = practice_fixtures.in_app


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


def test_the_plan_sweep_publishes_plans_whose_time_has_come(app, org, session, frozen_now):
    monday_0800 = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)
    with app.app_context(), db.new_session() as writer:
        admin = writer.scalars(select(User).where(User.username == "admin1")).one()
        item = ItemSpec(ItemKind.READ, "宪法全文", monday_0800 + timedelta(days=6), body_html="学习内容")
        spec = PlanSpec(PlanPeriod.WEEK, date(2026, 4, 20), "学习贯彻宪法", items=[item])
        plan_id = plans.schedule(
            writer, admin, plans.save_plan(writer, admin, spec, now=START).id, monday_0800, now=START
        ).id
        writer.commit()
    sweep = next(job for job in scheduler.JOBS if job.name == "publish_plans")
    scheduler.run_job(app, sweep)
    assert session.get(Plan, plan_id).status is PlanStatus.SCHEDULED  # not yet
    frozen_now(monday_0800 + timedelta(minutes=1))
    scheduler.run_job(app, sweep)
    scheduler.run_job(app, sweep)
    session.expire_all()
    published = session.get(Plan, plan_id)
    assert (published.status, published.published_at) == (PlanStatus.PUBLISHED, monday_0800)


def test_the_book_sweep_files_a_tests_mistakes_once_its_review_opens(
    app, org, bank, in_app, session, frozen_now
):
    closes = START + timedelta(hours=1)
    exam_id = publish_test(
        in_app, "宪法测试", ["P-01", "P-02"], START - timedelta(minutes=5), closes, org["root"].id
    )
    sit_test(app, in_app, "10001", exam_id, {"P-01": ["A"], "P-02": ["B"]}, START)
    sweep = next(job for job in scheduler.JOBS if job.name == "file_test_mistakes")
    scheduler.run_job(app, sweep)
    assert session.scalars(select(FiledAttempt)).all() == []  # the review has not opened
    frozen_now(closes + timedelta(minutes=5))
    scheduler.run_job(app, sweep)
    scheduler.run_job(app, sweep)
    assert len(session.scalars(select(FiledAttempt)).all()) == 1
    assert len(session.scalars(select(ReviewCard)).all()) == 1  # P-02, answered wrong
