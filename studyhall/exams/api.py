"""The attempt API: JSON for the attempt page's own script and for other clients (see README).

Same session cookie and CSRF header as the pages; errors are JSON with a message and a stable code.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from studyhall import clock, db, inputs
from studyhall.access import PUBLIC, SIGNED_IN, SIGNED_IN_CHECKED_BY_VIEW, Claim, allow, session_claim
from studyhall.accounts import signed_in_user
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import service
from studyhall.exams.models import EndedBy
from studyhall.headers import no_store

bp = Blueprint("exams_api", __name__, url_prefix="/api")
STATUS = {
    ErrorCode.SIGNED_OUT: 401,
    ErrorCode.PASSWORD_CHANGE: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NOT_IN_AUDIENCE: 403,
    ErrorCode.ACCESS_CODE: 403,
    ErrorCode.THROTTLED: 429,
    ErrorCode.ADDRESS: 403,
    ErrorCode.DEADLINE_PASSED: 409,
    ErrorCode.SUBMITTED: 409,
    ErrorCode.CLOSED: 409,
    ErrorCode.NOT_OPEN: 409,
    ErrorCode.NO_ATTEMPTS_LEFT: 409,
    ErrorCode.POOL_TOO_SMALL: 409,
    ErrorCode.POOL: 409,
}


@bp.errorhandler(DomainError)
def _refused(error: DomainError) -> ResponseReturnValue:
    db.session().rollback()
    return jsonify(code=error.code, message=error.message), STATUS.get(error.code, 400)


def _holder() -> Claim:
    """Who the session names, for a route whose service call checks the account itself."""
    claim = session_claim()
    assert claim is not None  # the access hook refused a cookie that names nobody
    return claim


@bp.route("/csrf")
@allow(PUBLIC)
def csrf() -> ResponseReturnValue:
    """A fresh CSRF token for this session: the attempt page asks after signing in again in place."""
    return jsonify(csrf_token=generate_csrf())


@bp.route("/exams")
@allow(SIGNED_IN)
def exams() -> ResponseReturnValue:
    now = clock.now()
    return jsonify(
        exams=[
            {
                "id": listing.exam.id,
                "title": listing.exam.title,
                "mode": listing.exam.mode,
                "status": listing.status,
                "opens_at": listing.exam.opens_at.isoformat(),
                "closes_at": listing.exam.closes_at.isoformat(),
                "time_limit_minutes": listing.exam.time_limit_minutes,
                "attempts_allowed": listing.exam.attempts_allowed,
                "attempts_used": listing.attempts_used,
                "open_attempt": listing.open_attempt.id if listing.open_attempt else None,
                "seconds_until_open": max(0, int((listing.exam.opens_at - now).total_seconds())),
            }
            for listing in service.listings(db.session(), signed_in_user(), now=now)
        ]
    )


@bp.route("/exams/<int:exam_id>/attempts", methods=["POST"])
@allow(SIGNED_IN_CHECKED_BY_VIEW)
@no_store
def start(exam_id: int) -> ResponseReturnValue:
    session = db.session()
    body = inputs.json_object()
    now = clock.now()
    started = service.start_or_resume(
        session,
        exam_id,
        _holder(),
        now=now,
        access_code=str(body.get("access_code", "")),
        address=request.remote_addr,
        device=request.user_agent.string,
    )
    state = service.client_state(session, started.attempt, now=now, new_paper=started.new_paper)
    session.commit()
    return jsonify(state), 201


@bp.route("/attempts/<int:attempt_id>")
@allow(SIGNED_IN)
@no_store
def attempt(attempt_id: int) -> ResponseReturnValue:
    session = db.session()
    now = clock.now()
    attempt = service.own_attempt(session, attempt_id, signed_in_user())
    # Past its deadline and grace an attempt is submitted, sweep or no sweep: the state says so
    # (the attempt page then shows the result), not "open" with no time left.
    if service.finalise_if_overdue(session, attempt, now=now):
        session.commit()
    return jsonify(service.client_state(session, attempt, now=now))


@bp.route("/attempts/<int:attempt_id>/answers/<int:position>", methods=["PUT"])
@allow(SIGNED_IN_CHECKED_BY_VIEW)
@no_store
def save(attempt_id: int, position: int) -> ResponseReturnValue:
    body = inputs.json_object()
    if "seq" not in body:
        raise DomainError(_("Expected a JSON object with response and seq."), ErrorCode.INVALID)
    session = db.autocommit_session()
    saved = service.save_answer(
        session, attempt_id, _holder(), position, body.get("response"), body["seq"], now=clock.now()
    )
    session.commit()  # a no-op in autocommit (each statement committed itself), as every view ends
    return jsonify(
        seq=saved.seq, kept=saved.kept, remaining_seconds=saved.remaining_seconds, elapsed_ms=saved.elapsed_ms
    )


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@allow(SIGNED_IN)
@no_store
def submit(attempt_id: int) -> ResponseReturnValue:
    session = db.session()
    body = inputs.json_object()
    ended_by = EndedBy.TIMER if body.get("reason") == EndedBy.TIMER else EndedBy.CADRE
    now = clock.now()
    attempt = service.submit(session, attempt_id, signed_in_user(), now=now, ended_by=ended_by)
    session.commit()
    shown = service.score_shown(session, attempt.exam, [attempt], now=now)
    return jsonify(
        state=attempt.state,
        score=attempt.score if shown else None,
        max_score=attempt.max_score if shown else None,
    )


@bp.route("/attempts/<int:attempt_id>/events", methods=["POST"])
@allow(SIGNED_IN)
@no_store
def event(attempt_id: int) -> ResponseReturnValue:
    session = db.session()
    body = inputs.json_object()
    attempt = service.record_event(
        session, attempt_id, signed_in_user(), str(body.get("kind", "")), now=clock.now()
    )
    session.commit()
    return jsonify(
        state=attempt.state, tab_switches=attempt.tab_switches, tab_switch_limit=attempt.exam.tab_switch_limit
    )
