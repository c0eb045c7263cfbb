"""Branch secretaries' test pages: for each test that expects people of their branch subtree, those
people's participation, scores and the names not yet done, read-only, and their exports.

Every page shows only the people of the secretary's subtree (accounts.visible_branch_ids), and a
test that expects none of them is not found. Nothing here shows a key: the results list scores
only, and there is no attempt detail (the administrators' one shows the key).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import current_user

from studyhall import clock, db
from studyhall.access import allow
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Role
from studyhall.errors import DomainError
from studyhall.exams import export, reports, service
from studyhall.exams.admin_views import XLSX, page_helpers
from studyhall.exams.models import Exam
from studyhall.headers import attachment

bp = Blueprint("exams_branch", __name__, url_prefix="/branch/exams")
bp.context_processor(page_helpers)
SECRETARY = Role.SECRETARY


def _visible() -> set[int]:
    return accounts.visible_branch_ids(db.session(), current_user) or set()


def _exam_or_404(exam_id: int) -> tuple[Exam, set[int]]:
    """The test and the branches whose people this secretary sees, if it expects any of them."""
    session = db.session()
    visible = _visible()
    try:
        exam = service.exam_or_error(session, exam_id)
    except DomainError:
        abort(404)
    if not reports.visible_to(session, exam, visible):
        abort(404)
    return exam, visible


@bp.route("/")
@allow(SECRETARY)
def index() -> object:
    rows = reports.branch_exam_rows(db.session(), _visible(), now=clock.now())
    return render_template("exams/branch_index.html", rows=rows)


@bp.route("/<int:exam_id>/roster")
@allow(SECRETARY)
def roster(exam_id: int) -> object:
    exam, visible = _exam_or_404(exam_id)
    return render_template(
        "exams/roster.html",
        exam=exam,
        groups=reports.roster(db.session(), exam, visible=visible),
        progress_labels=reports.PROGRESS,
        for_admin=False,
    )


@bp.route("/<int:exam_id>/roster.xlsx")
@allow(SECRETARY)
def roster_xlsx(exam_id: int) -> Response:
    exam, visible = _exam_or_404(exam_id)
    zone = clock.local_zone()
    data, name, fallback = export.roster_export(db.session(), exam, zone=zone, visible=visible)
    return attachment(data, XLSX, name, fallback)


@bp.route("/<int:exam_id>/results")
@allow(SECRETARY)
def results_page(exam_id: int) -> object:
    exam, visible = _exam_or_404(exam_id)
    session = db.session()
    if not reports.scores_final(session, exam, now=clock.now()):
        return render_template("exams/branch_results_wait.html", exam=exam)
    rows, ranking = reports.results_and_ranking(session, exam, visible=visible)
    return render_template(
        "exams/admin_results.html",
        exam=exam,
        rows=rows,
        ranking=ranking,
        for_admin=False,
    )


@bp.route("/<int:exam_id>/results.xlsx")
@allow(SECRETARY)
def results_xlsx(exam_id: int) -> object:
    exam, visible = _exam_or_404(exam_id)
    session = db.session()
    if not reports.scores_final(session, exam, now=clock.now()):
        return redirect(url_for("exams_branch.results_page", exam_id=exam.id))
    zone = clock.local_zone()
    data, name, fallback = export.results_export(session, exam, zone=zone, visible=visible)
    return attachment(data, XLSX, name, fallback)
