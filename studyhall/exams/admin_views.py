"""Administrators' test pages: build, preview, monitor, results, analysis, regrade."""

from __future__ import annotations

import random
from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from studyhall import clock, db
from studyhall.access import allow
from studyhall.accounts import service as accounts
from studyhall.accounts import signed_in_user
from studyhall.accounts.models import Role
from studyhall.errors import DomainError
from studyhall.exams import export, regrade, reports, service, setup
from studyhall.exams.analysis import analyse
from studyhall.exams.forms import (
    GRADING_LABELS,
    MODE_LABELS,
    REVIEW_LABELS,
    ExamForm,
    ExtensionForm,
    FixKeyForm,
    items_text,
)
from studyhall.exams.models import Exam, ExamStatus
from studyhall.forms import filled, number
from studyhall.headers import attachment
from studyhall.questions import types
from studyhall.questions.answers import LETTERS

bp = Blueprint("exams_admin", __name__, url_prefix="/admin/exams")
ADMIN = Role.ADMIN
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONITOR_REFRESH_SECONDS = 15


@bp.context_processor
def page_helpers() -> dict[str, object]:
    """For the test pages of administrators and of secretaries (branch_views)."""
    zone = clock.local_zone()

    def local_time(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
        """A stored UTC time in the organisation's zone."""
        return value.astimezone(zone).strftime(pattern) if value else "—"

    return {
        "local_time": local_time,
        "duration": export.duration_text,
        "mode_labels": MODE_LABELS,
        "grading_labels": GRADING_LABELS,
        "review_labels": REVIEW_LABELS,
        "ended_by_labels": reports.ENDED_BY,
        "type_labels": types.LABELS,
        "letters": LETTERS,
        "status_labels": {
            ExamStatus.DRAFT: _("Draft"),
            ExamStatus.UPCOMING: _("Upcoming"),
            ExamStatus.OPEN: _("Open"),
            ExamStatus.CLOSED: _("Closed"),
        },
        "grace_seconds": int(service.GRACE.total_seconds()),
    }


def _exam_or_404(exam_id: int) -> Exam:
    try:
        return service.exam_or_error(db.session(), exam_id)
    except DomainError:
        abort(404)


# ---- the list and the form -------------------------------------------------------------------


@bp.route("/")
@allow(ADMIN)
def index() -> ResponseReturnValue:
    return render_template("exams/admin_index.html", rows=reports.exam_rows(db.session(), now=clock.now()))


@bp.route("/new", methods=["GET", "POST"])
@allow(ADMIN)
def new() -> ResponseReturnValue:
    return _form(None)


@bp.route("/<int:exam_id>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit(exam_id: int) -> ResponseReturnValue:
    return _form(_exam_or_404(exam_id))


def _form(exam: Exam | None) -> ResponseReturnValue:
    session = db.session()
    form = ExamForm()
    tree = accounts.branch_tree(session)
    form.set_choices(tree, setup.banks(session))
    if exam is not None and request.method == "GET":
        audience = reports.audience_lines(session, exam)
        form.fill(
            exam,
            [user.username for user in audience.people],
            items_text(reports.item_references(session, exam)),
        )
    problem = None
    if form.validate_on_submit():
        try:
            spec = form.to_spec()
            saved = setup.save_exam(
                session, signed_in_user(), spec, exam_id=exam.id if exam else None, now=clock.now()
            )
        except DomainError as error:
            session.rollback()
            problem = error
        else:
            session.commit()
            flash(_("Test saved."), "info")
            return redirect(url_for("exams_admin.detail", exam_id=saved.id))
    frozen = exam is not None and setup.paper_frozen(session, exam)
    page = render_template(
        "exams/admin_form.html",
        form=form,
        exam=exam,
        tree=tree,
        problem=problem,
        frozen=frozen,
        keys_shown=service.keys_shown_elsewhere(session, exam, now=clock.now()) if exam else [],
        shared=service.shared_with_live_tests(session, exam, now=clock.now()) if exam else [],
    )
    return page, 422 if request.method == "POST" else 200  # a POST that gets here saved nothing


# ---- one test --------------------------------------------------------------------------------


@bp.route("/<int:exam_id>")
@allow(ADMIN)
def detail(exam_id: int) -> ResponseReturnValue:
    return _detail(_exam_or_404(exam_id), ExtensionForm(formdata=None))


def _detail(exam: Exam, extension_form: ExtensionForm, status: int = 200) -> ResponseReturnValue:
    session = db.session()
    picked, rules = reports.paper_lines(session, exam)
    return render_template(
        "exams/admin_exam.html",
        exam=exam,
        status=reports.status(exam, clock.now()),
        total=reports.total_score(exam),
        picked=picked,
        rules=rules,
        audience=reports.audience_lines(session, exam),
        frozen=setup.paper_frozen(session, exam),
        arrangements=reports.arrangements(session, exam),
        review_opens_at=service.review_opens_at(session, exam),
        keys_shown=service.keys_shown_elsewhere(session, exam, now=clock.now()),
        shared=service.shared_with_live_tests(session, exam, now=clock.now()),
        extension_form=extension_form,
    ), status


@bp.route("/<int:exam_id>/extensions", methods=["POST"])
@allow(ADMIN)
def extension(exam_id: int) -> ResponseReturnValue:
    session = db.session()
    exam = _exam_or_404(exam_id)
    form = ExtensionForm()
    if not form.validate_on_submit():
        return _detail(exam, form, 422)
    try:
        setup.set_extension(
            session,
            signed_in_user(),
            exam,
            filled(form.username).strip(),
            extra_minutes=number(form.extra_minutes),
            closes_at=form.closes_at_utc(),
            now=clock.now(),
        )
    except DomainError as error:
        session.rollback()
        form.username.errors = [*form.username.errors, error.message]
        return _detail(exam, form, 422)
    session.commit()
    flash(_("Arrangement saved for %(username)s.", username=filled(form.username).strip()), "info")
    return redirect(url_for("exams_admin.detail", exam_id=exam.id) + "#arrangements")


@bp.route("/<int:exam_id>/publish", methods=["POST"])
@allow(ADMIN)
def publish(exam_id: int) -> ResponseReturnValue:
    session = db.session()
    setup.publish(session, signed_in_user(), _exam_or_404(exam_id), now=clock.now())
    session.commit()
    flash(_("Test published: the people it expects see it now."), "info")
    return redirect(url_for("exams_admin.detail", exam_id=exam_id))


@bp.route("/<int:exam_id>/unpublish", methods=["POST"])
@allow(ADMIN)
def unpublish(exam_id: int) -> ResponseReturnValue:
    session = db.session()
    try:
        setup.unpublish(session, signed_in_user(), _exam_or_404(exam_id), now=clock.now())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        flash(_("Test back to draft: only administrators see it."), "info")
    return redirect(url_for("exams_admin.detail", exam_id=exam_id))


@bp.route("/<int:exam_id>/preview")
@allow(ADMIN)
def preview(exam_id: int) -> ResponseReturnValue:
    exam = _exam_or_404(exam_id)
    try:
        paper = reports.preview(db.session(), exam, random.Random())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("exams_admin.detail", exam_id=exam.id))
    return render_template(
        "exams/admin_preview.html", exam=exam, paper=paper, total=reports.total_score(exam)
    )


# ---- during and after ------------------------------------------------------------------------


@bp.route("/<int:exam_id>/monitor")
@allow(ADMIN)
def monitor(exam_id: int) -> ResponseReturnValue:
    exam = _exam_or_404(exam_id)
    body = render_template(
        "exams/admin_monitor.html",
        exam=exam,
        monitor=reports.monitor(db.session(), exam),
        now=clock.now(),
        refresh=MONITOR_REFRESH_SECONDS,
    )
    # The page refreshes itself (<meta http-equiv="refresh">); no cache may serve a stale count.
    return Response(body, headers={"Cache-Control": "no-store"})


@bp.route("/<int:exam_id>/roster")
@allow(ADMIN)
def roster(exam_id: int) -> ResponseReturnValue:
    """The 参考名单: everyone expected, per 党支部, with where they stand."""
    exam = _exam_or_404(exam_id)
    return render_template(
        "exams/roster.html",
        exam=exam,
        groups=reports.roster(db.session(), exam),
        progress_labels=reports.PROGRESS,
        for_admin=True,
    )


@bp.route("/<int:exam_id>/roster.xlsx")
@allow(ADMIN)
def roster_xlsx(exam_id: int) -> Response:
    exam = _exam_or_404(exam_id)
    data, name, fallback = export.roster_export(db.session(), exam, zone=clock.local_zone())
    return attachment(data, XLSX, name, fallback)


@bp.route("/<int:exam_id>/results")
@allow(ADMIN)
def results_page(exam_id: int) -> ResponseReturnValue:
    exam = _exam_or_404(exam_id)
    rows, ranking = reports.results_and_ranking(db.session(), exam)
    return render_template(
        "exams/admin_results.html",
        exam=exam,
        rows=rows,
        ranking=ranking,
        for_admin=True,
    )


@bp.route("/<int:exam_id>/results.xlsx")
@allow(ADMIN)
def results_xlsx(exam_id: int) -> Response:
    exam = _exam_or_404(exam_id)
    data, name, fallback = export.results_export(db.session(), exam, zone=clock.local_zone())
    return attachment(data, XLSX, name, fallback)


@bp.route("/<int:exam_id>/attempts/<int:attempt_id>")
@allow(ADMIN)
def attempt(exam_id: int, attempt_id: int) -> ResponseReturnValue:
    exam = _exam_or_404(exam_id)
    try:
        found = reports.attempt_detail(db.session(), exam, attempt_id)
    except DomainError:
        abort(404)
    return render_template("exams/admin_attempt.html", exam=exam, detail=found)


@bp.route("/<int:exam_id>/analysis")
@allow(ADMIN)
def analysis(exam_id: int) -> ResponseReturnValue:
    exam = _exam_or_404(exam_id)
    return render_template("exams/admin_analysis.html", exam=exam, analysis=analyse(db.session(), exam))


@bp.route("/<int:exam_id>/questions/<lineage>/key", methods=["GET", "POST"])
@allow(ADMIN)
def fix_key(exam_id: int, lineage: str) -> ResponseReturnValue:
    """Fix a key: a dry run listing every score that would change, then, confirmed, the regrade."""
    session = db.session()
    exam = _exam_or_404(exam_id)
    try:
        question = regrade.current_version(session, exam, lineage)
    except DomainError:
        abort(404)
    form = FixKeyForm()
    if request.method == "GET":
        form.answer.data = regrade.key_text(question)
    plan, problem = None, None
    if form.validate_on_submit():
        try:
            answer = regrade.parse_key(question, filled(form.answer))
            if form.confirm.data == "1":
                done = regrade.apply_regrade(
                    session, signed_in_user(), exam, lineage, answer, now=clock.now()
                )
                session.commit()
                flash(
                    _(
                        "Key fixed and %(n)d attempts marked again; %(changed)d scores changed.",
                        n=done.regraded,
                        changed=len(done.changes),
                    ),
                    "info",
                )
                return redirect(url_for("exams_admin.analysis", exam_id=exam.id))
            plan = regrade.regrade_preview(session, exam, lineage, answer)
        except DomainError as error:
            session.rollback()
            problem = error.message
    return render_template(
        "exams/admin_fix_key.html", exam=exam, question=question, form=form, plan=plan, problem=problem
    ), 200 if problem is None else 422
