"""The year plan (年度党建工作计划表): the grid of a year at one level, printable on A4 landscape
and exported to .xlsx, and the import of an office's table (upload → preview → confirm). Who
sees which level is year.level_for's: another's is not found."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from studyhall import clock, db
from studyhall.access import allow
from studyhall.accounts import signed_in_user
from studyhall.errors import DomainError
from studyhall.forms import SelectChoice, filled
from studyhall.headers import attachment, no_store
from studyhall.inputs import row_id
from studyhall.plans import dates, service, views, year, year_import
from studyhall.plans.models import PlanPeriod
from studyhall.plans.year_forms import YearConfirmForm, YearImportForm
from studyhall.uploads import claim_upload, stage_upload, staged_upload

bp = Blueprint("year", __name__, url_prefix="/plans/year")
EDITORS = views.EDITORS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The plan editor's helpers: the grid shows a plan's state as its pages do.
bp.context_processor(views.page_helpers)


def _this_year() -> int:
    return service.local_today(clock.now()).year


def _branch_arg() -> int | None:
    """The level asked for: ?branch=<id> for a 党支部; without it, where the actor's year plan
    opens (the organisation's, a secretary's own 党支部). No branch has another number."""
    if "branch" not in request.args:
        try:
            return year.own_level(db.session(), signed_in_user()).branch_id
        except DomainError:
            abort(404)
    text = request.args["branch"]
    if not text:
        return None
    return row_id(text) or abort(404)


@bp.route("/")
@allow(*EDITORS)
def index() -> ResponseReturnValue:
    try:
        level = year.own_level(db.session(), signed_in_user())
    except DomainError:
        abort(404)
    return redirect(url_for("year.grid", year_=_this_year(), branch=level.branch_id))


@bp.route("/<int:year_>")
@allow(*EDITORS)
def grid(year_: int) -> ResponseReturnValue:
    session, actor, now = db.session(), signed_in_user(), clock.now()
    try:
        found = year.year_grid(session, actor, year_, _branch_arg(), now=now)
    except DomainError:
        abort(404)
    today = service.local_today(now)
    return render_template(
        "plans/year.html",
        grid=found,
        levels=year.levels(session, actor),
        this_monday=service.period_start(PlanPeriod.WEEK, today),
        this_month=service.period_start(PlanPeriod.MONTH, today),
        title=year.title(found.year),
    )


@bp.route("/<int:year_>/export.xlsx")
@allow(*EDITORS)
def export(year_: int) -> ResponseReturnValue:
    try:
        found = year.year_grid(db.session(), signed_in_user(), year_, _branch_arg(), now=clock.now())
    except DomainError:
        abort(404)
    level = found.level.branch_id
    return attachment(
        year.export_workbook(found),
        XLSX,
        f"{year.title(found.year)}-{found.level.name}.xlsx",
        f"year-plan-{found.year}-{'org' if level is None else f'branch-{level}'}.xlsx",
    )


# ---- the import ------------------------------------------------------------------------------


def _level_choices(form: YearImportForm) -> list[SelectChoice]:
    choices = [
        SelectChoice("" if level.branch_id is None else str(level.branch_id), level.name)
        for level in year.levels(db.session(), signed_in_user())
    ]
    form.level.choices = choices
    return choices


@bp.route("/import", methods=["GET", "POST"])
@allow(*EDITORS)
def upload() -> ResponseReturnValue:
    form = YearImportForm()
    choices = _level_choices(form)
    if request.method == "GET":
        form.year.data = dates.year_arg(request.args.get("year")) or _this_year()
        # The level the year plan showed; by default the organisation's (a secretary's: their own).
        wanted = request.args.get("branch", "")
        form.level.data = wanted if wanted in {choice.value for choice in choices} else choices[0].value
    if form.validate_on_submit():
        try:  # before the file is kept: a level not the actor's is not found
            year.level_for(db.session(), signed_in_user(), form.chosen_branch())
        except DomainError:
            abort(404)
        token = stage_upload(form.file.data)
        return _preview(token, form.year.data or _this_year(), form.chosen_branch())
    return render_template("plans/year_import.html", form=form), 422 if request.method == "POST" else 200


def _plan(token: str, year_: int, branch_id: int | None) -> year_import.YearImport | None:
    staged = staged_upload(token)
    if staged is None:
        return None
    try:
        return year_import.plan_import(
            db.session(), signed_in_user(), staged.filename, staged.data, year_=year_, branch_id=branch_id
        )
    except DomainError:
        abort(404)  # a level or year not the actor's


def _preview(token: str, year_: int, branch_id: int | None) -> ResponseReturnValue:
    plan = _plan(token, year_, branch_id)
    if plan is None:
        return redirect(url_for("year.upload"))
    confirm = YearConfirmForm(
        formdata=None, token=token, year=str(year_), level="" if branch_id is None else str(branch_id)
    )
    return render_template("plans/year_preview.html", plan=plan, listing=plan.listing(), confirm=confirm)


@bp.route("/import/confirm", methods=["POST"])
@allow(*EDITORS)
@no_store
def confirm() -> ResponseReturnValue:
    form = YearConfirmForm()
    year_ = row_id(form.year.data)  # a number; plan_import refuses a year it does not take
    branch_id = row_id(form.level.data)
    if not form.validate_on_submit() or year_ is None or (form.level.data and branch_id is None):
        abort(400)
    token = filled(form.token)
    plan = _plan(token, year_, branch_id)
    if plan is None:
        return redirect(url_for("year.upload"))
    if not plan.ok:
        return _preview(token, year_, branch_id)
    session = db.session()
    staged = staged_upload(token)
    if staged is None or not claim_upload(staged):
        session.rollback()
        flash(_("This file was imported already."), "info")
        return redirect(url_for("year.grid", year_=year_, branch=branch_id))
    try:
        done = year_import.apply_import(session, signed_in_user(), plan, now=clock.now())
    except DomainError as refused:
        session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("year.upload", year=year_, branch=branch_id))
    session.commit()
    flash(
        _(
            "Year plan imported: %(created)d drafts created, %(replaced)d drafts replaced, %(items)d items.",
            created=done.created,
            replaced=done.replaced,
            items=done.items,
        ),
        "info",
    )
    return redirect(url_for("year.grid", year_=year_, branch=branch_id))


@bp.route("/import/template.xlsx")
@allow(*EDITORS)
def template() -> ResponseReturnValue:
    year_ = dates.year_arg(request.args["year"]) if "year" in request.args else _this_year()
    if year_ is None:
        abort(404)
    return attachment(
        year_import.template_workbook(year_),
        XLSX,
        f"{year.title(year_)}（模板）.xlsx",
        f"year-plan-template-{year_}.xlsx",
    )
