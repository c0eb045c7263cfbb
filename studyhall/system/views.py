"""Health check for load balancers and monitoring."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue

from studyhall import clock, db
from studyhall.access import PUBLIC, allow
from studyhall.system import service

bp = Blueprint("system", __name__)


@bp.record_once
def _note_start(state: BlueprintSetupState) -> None:
    # The scheduler of a fresh `studyhall serve` is given a moment to beat (see service.START_UP).
    state.app.extensions["studyhall.started_at"] = clock.now()


@bp.route("/healthz")
@allow(PUBLIC)
def healthz() -> ResponseReturnValue:
    report = service.health(
        db.engine(), now=clock.now(), started_at=current_app.extensions["studyhall.started_at"]
    )
    body = {
        "status": "ok" if report.ok else "failing",
        "database": "ok" if report.database_ok else "unreachable",
        "migration": report.revision,
        "scheduler_heartbeat": report.heartbeat.isoformat() if report.heartbeat else None,
        "overdue_attempts": report.overdue_attempts,
        "problems": [{"code": problem.code, "message": problem.message} for problem in report.problems],
    }
    if report.error:
        body["error"] = report.error
    return jsonify(body), 200 if report.ok else 503
