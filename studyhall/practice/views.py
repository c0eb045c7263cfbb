"""A cadre's practice: 每日答题, the sets, the challenge and the wrong-answer book. A round's page
works as plain forms (one question at a time, feedback on the next page); practice.js answers in
place and keeps answers through a dropped connection."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _

from studyhall import clock, db, inputs
from studyhall.access import PUBLIC, SIGNED_IN, allow, local_target
from studyhall.accounts import signed_in_user
from studyhall.errors import DomainError, ErrorCode
from studyhall.headers import no_store, service_worker
from studyhall.practice import book, hub, reports, service
from studyhall.practice.models import PracticeRound
from studyhall.questions import types
from studyhall.questions.answers import LETTERS

bp = Blueprint("practice", __name__, url_prefix="/practice")
# A refused JSON answer's status: practice.js says the message at the question either way.
_STATUS = {ErrorCode.NOT_FOUND: 404, ErrorCode.CLOSED: 409, ErrorCode.NOT_OPEN: 409}


def _go(found: PracticeRound) -> ResponseReturnValue:
    db.session().commit()
    return redirect(url_for("practice.round_page", round_id=found.id))


def _refused(error: DomainError, back: str = "practice.index") -> ResponseReturnValue:
    db.session().rollback()
    flash(error.message, "error")
    return redirect(url_for(back))


@bp.route("/")
@allow(SIGNED_IN)
@no_store
def index() -> ResponseReturnValue:
    session, now, user = db.session(), clock.now(), signed_in_user()
    book.file_tests(session, now=now, user_id=user.id)
    session.commit()
    day = service.today(now)
    board = reports.streak_board(session, week_start=day - timedelta(days=day.weekday()), limit=10)
    return render_template("practice/index.html", hub=hub.overview(session, user, now=now), board=board)


@bp.route("/daily", methods=["POST"])
@allow(SIGNED_IN)
def daily() -> ResponseReturnValue:
    try:
        return _go(service.daily(db.session(), signed_in_user(), now=clock.now()))
    except DomainError as error:
        return _refused(error)


@bp.route("/challenge", methods=["POST"])
@allow(SIGNED_IN)
def challenge() -> ResponseReturnValue:
    try:
        return _go(service.challenge(db.session(), signed_in_user(), now=clock.now()))
    except DomainError as error:
        return _refused(error)


@bp.route("/sets/<int:set_id>", methods=["POST"])
@allow(SIGNED_IN)
def practice_set(set_id: int) -> ResponseReturnValue:
    session = db.session()
    try:
        return _go(
            service.of_set(session, signed_in_user(), hub.set_or_404(session, set_id), now=clock.now())
        )
    except DomainError as error:
        return _refused(error)


@bp.route("/review", methods=["POST"])
@allow(SIGNED_IN)
def review() -> ResponseReturnValue:
    try:
        return _go(service.review(db.session(), signed_in_user(), now=clock.now()))
    except DomainError as error:
        return _refused(error, "practice.book_page")


def _round_or_404(round_id: int) -> PracticeRound:
    try:
        return service.own_round(db.session(), signed_in_user(), round_id)
    except DomainError:
        abort(404)


@bp.route("/sw.js")
@allow(PUBLIC)
def offline_worker() -> ResponseReturnValue:
    """The round page's service worker (static/js/practice-sw.js), served from /practice/ so that
    its scope covers the practice pages and nothing else."""
    return service_worker("practice-sw.js")


@bp.route("/rounds/<int:round_id>")
@allow(SIGNED_IN)
@no_store
def round_page(round_id: int) -> ResponseReturnValue:
    session = db.session()
    found = _round_or_404(round_id)
    shown = hub.round_view(session, found, now=clock.now())
    # The question just answered (?at=, the plain form's way back) with its feedback; else the
    # next to answer; a round over shows every answer.
    at = inputs.row_id(request.args.get("at"))
    answered = {q.position for q in shown.questions if q.feedback}
    if at in answered:
        visible = {at}
    elif shown.current is not None:
        visible = {shown.current}
    else:
        visible = answered
    return render_template("practice/round.html", shown=shown, visible=visible, letters=LETTERS)


@bp.route("/rounds/<int:round_id>/answer", methods=["POST"])
@allow(SIGNED_IN)
@no_store
def answer(round_id: int) -> ResponseReturnValue:
    """The plain form's answer (one field per input, named "answer"), or practice.js's JSON
    {position, response}; JSON gets the feedback, the form the round page again."""
    session, now, user = db.session(), clock.now(), signed_in_user()
    found = _round_or_404(round_id)
    if request.is_json:
        try:
            body = inputs.json_object()
            position, response = body.get("position"), body.get("response")
            if not isinstance(position, int) or isinstance(position, bool):
                raise DomainError(_("That question is not in this practice."), ErrorCode.NOT_FOUND)
            feedback = service.answer(session, user, found.id, position, response, now=now)
        except DomainError as error:
            session.rollback()
            return jsonify(code=error.code, message=error.message), _STATUS.get(error.code, 400)
        session.commit()
        shown = hub.round_view(session, found, now=now)
        card = get_template_attribute("practice/_question.html", "question_card")
        html = card(shown.questions[position], shown, LETTERS, {position})
        return jsonify(hub.feedback_json(feedback, shown, str(html)))
    position_ = inputs.row_id(request.form.get("position"))
    if position_ is None or position_ >= len(found.question_ids):
        abort(404)
    question = hub.question_at(session, found, position_)
    kind = types.get(question.type)
    try:
        service.answer(
            session,
            user,
            found.id,
            position_,
            kind.from_form(request.form.getlist("answer"), kind.blanks(question.stem)),
            now=now,
        )
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("practice.round_page", round_id=found.id, at=position_))
    session.commit()
    return redirect(url_for("practice.round_page", round_id=found.id, at=position_))


# ---- the book ----------------------------------------------------------------------------------


@bp.route("/book")
@allow(SIGNED_IN)
@no_store
def book_page() -> ResponseReturnValue:
    session, now, user = db.session(), clock.now(), signed_in_user()
    book.file_tests(session, now=now, user_id=user.id)
    session.commit()
    listing = hub.book_listing(
        session,
        user,
        now=now,
        bank_id=inputs.row_id(request.args.get("bank")),
        category=request.args.get("category", "")[:100],
        learnt=request.args.get("show") == "learnt",
        page=inputs.row_id(request.args.get("page")) or 1,
    )
    return render_template("practice/book.html", listing=listing)


@bp.route("/book/print")
@allow(SIGNED_IN)
@no_store
def book_print() -> ResponseReturnValue:
    session, now, user = db.session(), clock.now(), signed_in_user()
    sheet = hub.study_sheet(
        session,
        user,
        now=now,
        bank_id=inputs.row_id(request.args.get("bank")),
        category=request.args.get("category", "")[:100],
    )
    return render_template("practice/book_print.html", sheet=sheet, today=service.today(now))


@bp.route("/book/questions/<lineage>")
@allow(SIGNED_IN)
@no_store
def book_question(lineage: str) -> ResponseReturnValue:
    session, now = db.session(), clock.now()
    history = hub.question_history(session, signed_in_user(), lineage[:32], now=now)
    if history is None:
        abort(404)
    return render_template("practice/book_question.html", history=history)


@bp.route("/book/add", methods=["POST"])
@allow(SIGNED_IN)
def book_add() -> ResponseReturnValue:
    session, now, user = db.session(), clock.now(), signed_in_user()
    question_id = inputs.row_id(request.form.get("question"))
    book.file_tests(session, now=now, user_id=user.id)  # a test's review page may come before the sweep
    try:
        hub.add_to_book(session, user, question_id, now=now)
    except DomainError as error:
        session.rollback()
        if error.code is ErrorCode.NOT_FOUND:
            abort(404)
        flash(error.message, "error")
    else:
        session.commit()
        flash(_("Added to your wrong-answer book: it comes back for review today."), "success")
    return redirect(local_target(request.form.get("back")) or url_for("practice.book_page"))


@bp.app_template_filter()
def review_day(due: datetime) -> str:
    """When a card of the book comes back: 今天 when among today's reviews, else its day."""
    now = clock.now()
    if book.due_today(due, now=now):
        return _("today")
    return format_datetime(due, "yyyy-MM-dd")
