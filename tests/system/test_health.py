from __future__ import annotations

from studyhall import create_app, migrations, scheduler
from tests.conftest import START


def test_health_reports_database_migration_and_heartbeat(app, client, frozen_now):
    body = client.get("/healthz").get_json()
    assert body == {
        "database": "ok",
        "migration": migrations.head_revision(app.extensions["studyhall.engine"]),
        "scheduler_heartbeat": None,
    }
    heartbeat = next(job for job in scheduler.JOBS if job.name == "heartbeat")
    scheduler.run_job(app, heartbeat)
    assert client.get("/healthz").get_json()["scheduler_heartbeat"] == START.isoformat()


def test_health_is_503_when_the_database_is_unreachable(test_config, tmp_path):
    broken = create_app({**test_config, "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/none.db"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
