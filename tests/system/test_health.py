from __future__ import annotations

from datetime import timedelta

from studyhall import create_app, migrations, scheduler
from studyhall.exams.service import GRACE
from studyhall.system import service as system
from tests.conftest import START
from tests.exams import conftest as exam_fixtures
from tests.exams.test_attempts import sign_in, start

world = exam_fixtures.world
make_exam = exam_fixtures.make_exam

HEARTBEAT = next(job for job in scheduler.JOBS if job.name == "heartbeat")
SWEEP = next(job for job in scheduler.JOBS if job.name == "finalise_overdue_attempts")


def codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [problem["code"] for problem in response.get_json()["problems"]]


def test_health_reports_database_migration_and_heartbeat(frozen_now, app, client):
    body = client.get("/healthz").get_json()
    assert body == {
        "status": "ok",
        "database": "ok",
        "migration": migrations.head_revision(app.extensions["studyhall.engine"]),
        "scheduler_heartbeat": None,
        "overdue_attempts": 0,
        "problems": [],
    }
    scheduler.run_job(app, HEARTBEAT)
    assert client.get("/healthz").get_json()["scheduler_heartbeat"] == START.isoformat()


def test_health_is_503_when_the_heartbeat_is_stale_after_the_start_up_time(frozen_now, app, client):
    assert app.extensions["studyhall.started_at"] == START  # the app started under the frozen clock
    frozen_now(START + system.START_UP - timedelta(seconds=1))
    assert client.get("/healthz").status_code == 200  # a fresh serve: the scheduler has a moment
    frozen_now(START + system.START_UP)
    never = client.get("/healthz")
    assert never.status_code == 503 and codes(never) == ["scheduler_never_ran"]
    scheduler.run_job(app, HEARTBEAT)
    frozen_now(START + system.START_UP + system.HEARTBEAT_STALE_AFTER)
    assert client.get("/healthz").status_code == 200
    frozen_now(START + system.START_UP + timedelta(minutes=7))
    stale = client.get("/healthz")
    assert stale.status_code == 503 and codes(stale) == ["scheduler_stale"]
    assert "7 min 0 s old" in stale.get_json()["problems"][0]["message"]


def test_health_is_503_while_overdue_attempts_wait_past_the_limit(frozen_now, app, client, make_exam):
    start(sign_in(app, "10001"), make_exam()).get_json()  # 15 minutes, from START
    frozen_now(START + timedelta(minutes=15) + GRACE + system.OVERDUE_WAIT_LIMIT + timedelta(seconds=1))
    scheduler.run_job(app, HEARTBEAT)  # the heartbeat alone says nothing of the sweeps
    waiting = client.get("/healthz")
    assert waiting.status_code == 503 and codes(waiting) == ["attempts_overdue"]
    assert waiting.get_json()["overdue_attempts"] == 1
    scheduler.run_job(app, SWEEP)
    assert client.get("/healthz").status_code == 200


def test_health_is_503_when_the_database_is_unreachable(test_config, tmp_path):
    broken = create_app({**test_config, "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/none.db"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert codes(response) == ["database_unreachable"]
