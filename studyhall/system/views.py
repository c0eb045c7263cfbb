"""Health check for load balancers and monitoring."""

from __future__ import annotations

from flask import Blueprint, jsonify

from studyhall import db
from studyhall.accounts.access import PUBLIC, allow
from studyhall.system import service

bp = Blueprint("system", __name__)


@bp.route("/healthz")
@allow(PUBLIC)
def healthz() -> object:
    report = service.health(db.engine())
    body = {
        "database": "ok" if report.database_ok else "unreachable",
        "migration": report.revision,
        "scheduler_heartbeat": report.heartbeat.isoformat() if report.heartbeat else None,
    }
    if report.error:
        body["error"] = report.error
    return jsonify(body), 200 if report.database_ok else 503
