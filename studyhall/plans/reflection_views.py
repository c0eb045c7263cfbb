"""心得体会 pages: a cadre writes (the page saves the draft as they type, through the JSON calls
below, and works as a plain form without JavaScript); secretaries and administrators review; the
优秀 ones are shown to their 党支部."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from studyhall import clock, db, inputs
from studyhall.access import PUBLIC, SIGNED_IN, allow
from studyhall.accounts import levels, signed_in_user
from studyhall.accounts.models import Role
from studyhall.errors import DomainError, ErrorCode
from studyhall.forms import number
from studyhall.headers import no_store, service_worker
from studyhall.plans import dates, reflections
from studyhall.plans.reflection_forms import ExcellentForm, ReviewForm, WriteForm
from studyhall.plans.reflection_models import Decision, ReflectionState

bp = Blueprint("reflections", __name__, url_prefix="/reflections")
# The page's script calls these; errors are JSON with a message and a stable code, as the test API's.
api = Blueprint("reflections_api", __name__, url_prefix="/api/reflections")
REVIEWERS = (Role.ADMIN, Role.SECRETARY)
STATUS = {ErrorCode.NOT_FOUND: 404, ErrorCode.SUBMITTED: 409, ErrorCode.STALE: 409}


STATE_LABELS = {
    ReflectionState.DRAFT: _l("Draft"),
    ReflectionState.SUBMITTED: _l("Waiting for review"),
    ReflectionState.RETURNED: _l("Returned for revision"),
    ReflectionState.APPROVED: _l("Approved"),
}
DECISION_LABELS = {Decision.APPROVE: _l("Approved"), Decision.RETURN: _l("Returned for revision")}


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {
        "state_labels": STATE_LABELS,
        "decision_labels": DECISION_LABELS,
        "characters": reflections.characters,
        # Read once a transaction (Tree.read keeps it), and only by a page that shows a branch.
        "branch_path": lambda branch_id: levels.Tree.read(db.session()).path(branch_id),
    }


@api.errorhandler(DomainError)
def _refused(error: DomainError) -> ResponseReturnValue:
    db.session().rollback()
    # Refused as made from an older version: the stored one goes with it, for the page to show.
    stored = {"text": error.text, "seq": error.seq} if isinstance(error, reflections.Stale) else {}
    return jsonify(code=error.code, message=error.message, **stored), STATUS.get(error.code, 400)


def _mine_or_404(item_id: int, now: datetime) -> reflections.Mine:
    try:
        return reflections.mine(db.session(), signed_in_user(), item_id, now=now)
    except DomainError:
        abort(404)


def _row_or_404(reflection_id: int) -> reflections.Row:
    try:
        return reflections.reviewable(db.session(), signed_in_user(), reflection_id)
    except DomainError:
        abort(404)


def _seq(mine: reflections.Mine) -> int:
    """The stored draft's number: the version a page showing it starts from."""
    return mine.reflection.seq if mine.reflection else 0


def _state(mine: reflections.Mine, now: datetime) -> dict[str, object]:
    """What the page's script starts from, and what the API answers with."""
    reflection = mine.reflection
    text = reflection.text if reflection else ""
    return {
        "item": mine.item.id,
        "user": signed_in_user().id,
        "state": reflection.state if reflection else ReflectionState.DRAFT,
        "text": text,
        "seq": _seq(mine),
        "count": reflections.characters(text),
        "minimum": reflections.minimum(mine.item),
        "clock_ms": reflections.clock_ms(now),
    }


# ---- the author ------------------------------------------------------------------------------


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@allow(SIGNED_IN)
@no_store  # the page's text must come from the server (or the page's offline copy), never a cache
def write(item_id: int) -> ResponseReturnValue:
    session = db.session()
    now = clock.now()
    user = signed_in_user()
    mine = _mine_or_404(item_id, now)
    form = WriteForm(text=mine.reflection.text if mine.reflection else "", base=_seq(mine))
    unsent = ""
    conflict: reflections.Stale | None = None
    posted = form.validate_on_submit()
    if posted and mine.reflection and mine.reflection.state in reflections.SENT:
        sent_again = (form.text.data or "").replace("\r\n", "\n") == mine.reflection.text
        if sent_again:  # sent twice (a double click, a reload): it is in
            return redirect(url_for("reflections.write", item_id=item_id))
        # Submitted meanwhile from another page or device: that one stands; this text is shown
        # back so that nothing typed is lost without a word.
        unsent = form.text.data or ""
        flash(_("This reflection had already been submitted: the text you sent was not kept."), "error")
    elif posted:
        stored = mine.reflection.seq if mine.reflection else 0
        try:
            # The text is kept as the draft even when the submission is refused (too short).
            saved = reflections.save_draft(
                session,
                user,
                item_id,
                form.text.data or "",
                reflections.next_seq(stored, now=now),
                base=form.base.data,
                now=now,
            )
            session.commit()
            if request.form.get("action") == "submit":
                reflections.submit(session, user, item_id, now=now)
                session.commit()
                flash(_("Your reflection has been submitted for review."), "success")
            else:
                flash(_("Draft saved: %(n)d characters.", n=saved.count), "success")
            return redirect(url_for("reflections.write", item_id=item_id))
        except DomainError as refused:
            session.rollback()
            conflict = refused if isinstance(refused, reflections.Stale) else None
            if conflict is None:  # a conflict is told by its notice at the text box
                flash(refused.message, "error")
            mine = _mine_or_404(item_id, now)
            # The text sent stays in the box, now made from the stored version (shown beside it on
            # a conflict): sending it again keeps it.
            form = WriteForm(formdata=None, text=form.text.data, base=_seq(mine))
    return render_template(
        "plans/reflection.html",
        mine=mine,
        form=form,
        state=_state(mine, now),
        reviews=reflections.reviews(session, mine.reflection) if mine.reflection else [],
        editable=mine.reflection is None or mine.reflection.state in reflections.EDITABLE,
        unsent=unsent,
        conflict=conflict,
    )


@bp.route("/sw.js")
@allow(PUBLIC)
def offline_worker() -> ResponseReturnValue:
    """The reflection page's service worker (static/js/reflection-sw.js), served from /reflections/
    so that its scope covers the reflection pages and nothing else."""
    return service_worker("reflection-sw.js")


@api.route("/items/<int:item_id>")
@allow(SIGNED_IN)
@no_store
def state(item_id: int) -> ResponseReturnValue:
    now = clock.now()
    return jsonify(_state(reflections.mine(db.session(), signed_in_user(), item_id, now=now), now))


@api.route("/items/<int:item_id>/draft", methods=["PUT"])
@allow(SIGNED_IN)
@no_store
def save(item_id: int) -> ResponseReturnValue:
    body = inputs.json_object()
    session = db.session()
    saved = reflections.save_draft(
        session,
        signed_in_user(),
        item_id,
        body.get("text"),
        body.get("seq"),
        base=body.get("base"),
        now=clock.now(),
    )
    session.commit()
    return jsonify(seq=saved.seq, kept=saved.kept, count=saved.count)


@api.route("/items/<int:item_id>/submit", methods=["POST"])
@allow(SIGNED_IN)
@no_store
def submit(item_id: int) -> ResponseReturnValue:
    body = inputs.json_object()
    session = db.session()
    reflection = reflections.submit(
        session,
        signed_in_user(),
        item_id,
        text=body.get("text"),
        seq=body.get("seq"),
        base=body.get("base"),
        now=clock.now(),
    )
    session.commit()
    return jsonify(state=reflection.state, seq=reflection.seq)


# ---- 优秀 reflections --------------------------------------------------------------------------


@bp.route("/excellent")
@allow(SIGNED_IN)
def excellent() -> ResponseReturnValue:
    page = reflections.excellent(db.session(), signed_in_user(), page=request.args.get("page", 1, type=int))
    return render_template("plans/reflection_excellent.html", page=page)


# ---- reviewers -------------------------------------------------------------------------------


STATE_FILTERS = {
    "submitted": ReflectionState.SUBMITTED,
    "returned": ReflectionState.RETURNED,
    "approved": ReflectionState.APPROVED,
    "all": None,
}


@bp.route("/review")
@allow(*REVIEWERS)
def review_list() -> ResponseReturnValue:
    session = db.session()
    actor = signed_in_user()
    chosen = request.args.get("state", "submitted")
    page = reflections.queue(
        session,
        actor,
        state=STATE_FILTERS.get(chosen, ReflectionState.SUBMITTED),
        plan_id=inputs.row_id(request.args.get("plan")),
        week=dates.day_arg(request.args.get("week")),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "plans/reflection_review_list.html",
        page=page,
        plans=reflections.reviewed_plans(session, actor),
        chosen=chosen if chosen in STATE_FILTERS else "submitted",
    )


@bp.route("/review/<int:reflection_id>", methods=["GET", "POST"])
@allow(*REVIEWERS)
def review(reflection_id: int) -> ResponseReturnValue:
    session = db.session()
    actor = signed_in_user()
    row = _row_or_404(reflection_id)
    form = ReviewForm(submission=row.reflection.submissions)
    if form.validate_on_submit():
        decision = Decision.RETURN if request.form.get("decision") == Decision.RETURN else Decision.APPROVE
        try:
            decided = reflections.review(
                session,
                actor,
                reflection_id,
                decision,
                form.comment.data or "",
                submission=number(form.submission),
                excellent=form.excellent.data,
                now=clock.now(),
            )
            session.commit()
        except DomainError as refused:
            session.rollback()
            flash(refused.message, "error")
            row = _row_or_404(reflection_id)
        else:
            if not decided:
                flash(_("This reflection had already been reviewed that way; nothing more was done."), "info")
            elif decision is Decision.APPROVE:
                flash(_("Approved."), "success")
            else:
                flash(_("Returned for revision."), "success")
            return redirect(url_for("reflections.review", reflection_id=reflection_id))
    return render_template(
        "plans/reflection_review.html",
        row=row,
        form=form,
        excellent_form=ExcellentForm(),
        reviews=reflections.reviews(session, row.reflection),
    )


@bp.route("/review/<int:reflection_id>/excellent", methods=["POST"])
@allow(*REVIEWERS)
def mark_excellent(reflection_id: int) -> ResponseReturnValue:
    session = db.session()
    _row_or_404(reflection_id)
    form = ExcellentForm()
    if form.validate_on_submit():
        try:
            reflections.set_excellent(
                session, signed_in_user(), reflection_id, form.excellent.data == "1", now=clock.now()
            )
            session.commit()
        except DomainError as refused:
            session.rollback()
            flash(refused.message, "error")
    return redirect(url_for("reflections.review", reflection_id=reflection_id))
