"""Cadres' test pages: landing, the attempt page, result and review.

The attempt page is a plain form that works without JavaScript; static/js/attempt.js turns it into
the autosaving page that talks to the attempt API (api.py). The rules live in service.py.
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from studyhall import clock, db
from studyhall.access import PUBLIC, SIGNED_IN, allow
from studyhall.accounts import signed_in_user
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import export, reports, service
from studyhall.exams import points as exam_points
from studyhall.exams.models import Attempt, AttemptState
from studyhall.headers import no_store, service_worker
from studyhall.questions import types

bp = Blueprint("exams", __name__)


def _refused(message: str, status: int = 403) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, message=message), status


def _own_attempt(attempt_id: int) -> Attempt:
    try:
        return service.own_attempt(db.session(), attempt_id, signed_in_user())
    except DomainError:
        abort(404)


# ---- landing and start -----------------------------------------------------------------------


@bp.route("/exams/<int:exam_id>")
@allow(SIGNED_IN)
@no_store  # shows the attempt in progress: Back after submitting must not offer to continue it
def landing(exam_id: int) -> ResponseReturnValue:
    session = db.session()
    now = clock.now()
    try:
        exam = service.published_or_error(session, exam_id)
    except DomainError:
        abort(404)
    if not service.in_audience(session, exam, signed_in_user()):
        return _refused(_("This test is not open to you."))
    listing = service.exam_listing(session, exam, signed_in_user(), now=now)
    if listing.open_attempt and service.finalise_if_overdue(session, listing.open_attempt, now=now):
        session.commit()
        listing = service.exam_listing(session, exam, signed_in_user(), now=now)
    return render_template(
        "exams/landing.html",
        exam=exam,
        listing=listing,
        now=now,
        review_opens_at=service.review_opens_at(session, exam),
        seconds_to_open=max(0, int((exam.opens_at - now).total_seconds())),
        seconds_to_close=max(0, int((listing.closes_at - now).total_seconds())),
    )


@bp.route("/exams/<int:exam_id>/start", methods=["POST"])
@allow(SIGNED_IN)
def start(exam_id: int) -> ResponseReturnValue:
    session = db.session()
    try:
        started = service.start_or_resume(
            session,
            exam_id,
            signed_in_user(),
            now=clock.now(),
            access_code=request.form.get("access_code", ""),
            address=request.remote_addr,
            device=request.user_agent.string,
        )
    except DomainError as error:
        session.rollback()
        if error.code == ErrorCode.NOT_FOUND:
            abort(404)
        flash(error.message, "error")
        return redirect(url_for(".landing", exam_id=exam_id))
    session.commit()
    return redirect(url_for(".attempt", attempt_id=started.attempt.id))


# ---- the attempt -----------------------------------------------------------------------------


@bp.route("/attempts/<int:attempt_id>")
@allow(SIGNED_IN)
@no_store
def attempt(attempt_id: int) -> ResponseReturnValue:
    session = db.session()
    now = clock.now()
    attempt = _own_attempt(attempt_id)
    if service.finalise_if_overdue(session, attempt, now=now):
        session.commit()
    if attempt.state != AttemptState.OPEN:
        return redirect(url_for(".result", attempt_id=attempt.id))
    state = service.client_state(session, attempt, now=now)
    return render_template(
        "exams/attempt.html", attempt=attempt, exam=attempt.exam, state=state, type_labels=types.LABELS
    )


@bp.route("/attempts/sw.js")
@allow(PUBLIC)
def offline_worker() -> ResponseReturnValue:
    """The attempt page's service worker (static/js/attempt-sw.js). Served from /attempts/ because a
    worker's scope is its script's folder: it then covers the attempt pages and nothing else."""
    return service_worker("attempt-sw.js")


def _posted_response(form: MultiDict[str, str], question: service.AttemptQuestion) -> object:
    """The answer the plain form carries for one question, in the API's shape (None: no answer)."""
    values = form.getlist(f"q{question['position']}")
    return types.get(question["type"]).from_form(values, question["blanks"])


def _save_posted(attempt: Attempt) -> bool:
    """Save every answer the form changed, numbered as the attempt page numbers its saves.
    False when the server refused them because the attempt is over."""
    session = db.session()
    now = clock.now()
    for question in service.client_state(session, attempt, now=now)["questions"]:
        response = _posted_response(request.form, question)
        if response == question["response"]:
            continue
        try:
            service.save_answer(
                session,
                attempt.id,
                signed_in_user(),
                question["position"],
                response,
                service.next_seq(attempt, question["seq"], now=now),
                now=now,
            )
        except DomainError as error:
            if error.code in (ErrorCode.DEADLINE_PASSED, ErrorCode.SUBMITTED):
                session.rollback()
                flash(error.message, "error")
                return False
            # A tampered or malformed field: keep what was saved before for that question.
    session.commit()
    return True


@bp.route("/attempts/<int:attempt_id>/save", methods=["POST"])
@allow(SIGNED_IN)
def save(attempt_id: int) -> ResponseReturnValue:
    """The plain form's 'save' button, for browsers without JavaScript."""
    attempt = _own_attempt(attempt_id)
    if attempt.state == AttemptState.OPEN and _save_posted(attempt):
        flash(_("Your answers have been saved."), "info")
    return redirect(url_for(".attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@allow(SIGNED_IN)
def submit(attempt_id: int) -> ResponseReturnValue:
    """The plain form's submit: save what it carries, then submit (the script uses the API)."""
    session = db.session()
    attempt = _own_attempt(attempt_id)
    if attempt.state == AttemptState.OPEN:
        _save_posted(attempt)
        service.submit(session, attempt.id, signed_in_user(), now=clock.now())
        session.commit()
    return redirect(url_for(".result", attempt_id=attempt.id))


# ---- after submitting ------------------------------------------------------------------------


@bp.route("/attempts/<int:attempt_id>/result")
@allow(SIGNED_IN)
def result(attempt_id: int) -> ResponseReturnValue:
    session = db.session()
    now = clock.now()
    attempt = _own_attempt(attempt_id)
    if service.finalise_if_overdue(session, attempt, now=now):
        session.commit()
    if attempt.state == AttemptState.OPEN:
        return redirect(url_for(".attempt", attempt_id=attempt.id))
    exam = attempt.exam
    listing = service.exam_listing(session, exam, signed_in_user(), now=now)
    opens_at = service.review_opens_at(session, exam)
    review_open = service.review_open(attempt, opens_at, now=now)
    return render_template(
        "exams/result.html",
        attempt=attempt,
        exam=exam,
        listing=listing,
        outcome=reports.outcome(session, exam, attempt),
        duration=export.duration_text,
        review_open=review_open,
        review_opens_at=opens_at,
        withheld=service.withheld(session, attempt, now=now) if review_open else None,
        score_shown=listing.score_shown,
        score_wait=listing.score_wait,
        points_given=exam_points.given(session, exam, attempt),
    )


@bp.route("/attempts/<int:attempt_id>/review")
@allow(SIGNED_IN)
@no_store  # the key: a shared computer's back button must not show it to the next person
def review(attempt_id: int) -> ResponseReturnValue:
    session = db.session()
    now = clock.now()
    attempt = _own_attempt(attempt_id)
    exam = attempt.exam
    opens_at = service.review_opens_at(session, exam)
    if not service.review_open(attempt, opens_at, now=now):
        if attempt.state != AttemptState.SUBMITTED:
            message = _("The review opens once you have submitted this test.")
        elif opens_at is None:
            message = _("The answers and key of this test are not shown for review.")
        else:
            message = _(
                "The review opens at %(time)s, once nobody can start or save an answer any more.",
                time=_when(opens_at),
            )
        return _refused(message)
    return render_template(
        "exams/review.html",
        attempt=attempt,
        exam=exam,
        rows=service.review(session, attempt, owner_at=now),
        score_shown=service.score_shown(session, exam, [attempt], now=now),
        type_labels=types.LABELS,
    )


def _when(moment: datetime) -> str:
    return format_datetime(moment, "yyyy-MM-dd HH:mm")
