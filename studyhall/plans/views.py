"""The plan editor: administrators plan for the whole organisation or any 党支部, a secretary for
their own 党支部 (service.editable: another branch's plan is not found). A plan is written a part
at a time (its settings, then one item after another), previewed as a cadre sees it, and scheduled
or published."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from studyhall import clock, db
from studyhall.access import allow
from studyhall.accounts import signed_in_user
from studyhall.accounts.models import Role
from studyhall.errors import DomainError
from studyhall.forms import SelectChoice, moment
from studyhall.plans import dates, documents, service
from studyhall.plans.forms import PERIOD_LABELS, ItemForm, NewPlanForm, PlanForm, ScheduleForm
from studyhall.plans.kinds import FIELD_LABELS, ItemError
from studyhall.plans.models import ItemKind, Plan, PlanItem, PlanPeriod

bp = Blueprint("plans", __name__, url_prefix="/plans")
EDITORS = (Role.ADMIN, Role.SECRETARY)


@bp.context_processor
def page_helpers() -> dict[str, object]:
    now = clock.now()
    return {
        "period_labels": PERIOD_LABELS,
        "appeared": lambda plan: service.appeared(plan, now),
        "may_edit": lambda plan: service.may_edit(signed_in_user(), plan),
        "period_end": service.period_end,
    }


def _plan_or_404(plan_id: int) -> Plan:
    try:
        return service.editable(db.session(), signed_in_user(), plan_id)
    except DomainError:
        abort(404)


def _item_or_404(plan: Plan, item_id: int) -> PlanItem:
    try:
        return service.item_of(plan, item_id)
    except DomainError:
        abort(404)


@bp.route("/")
@allow(*EDITORS)
def index() -> ResponseReturnValue:
    now, actor = clock.now(), signed_in_user()
    page = service.plans_page(db.session(), actor, now=now, page=request.args.get("page", 1, type=int))
    return render_template("plans/index.html", page=page, now=now, secretary=actor.role == Role.SECRETARY)


@bp.route("/new", methods=["GET", "POST"])
@allow(*EDITORS)
def new() -> ResponseReturnValue:
    session, actor, now = db.session(), signed_in_user(), clock.now()
    form = NewPlanForm()
    form.level.choices = [SelectChoice("", _("The whole organisation"))] + [
        SelectChoice(str(branch_id), name) for branch_id, name in service.levels(session)
    ]
    if request.method == "GET":
        # Plans are made the week before: next week unless chosen otherwise (the year plan's
        # links choose a week or month, and its level).
        next_week = service.period_start(PlanPeriod.WEEK, service.local_today(now)) + timedelta(weeks=1)
        form.start.data = dates.day_arg(request.args.get("start")) or next_week
        if request.args.get("period") in {period.value for period in PlanPeriod}:
            form.period.data = request.args["period"]
        form.level.data = request.args.get("level", "")
    problem = None
    if form.validate_on_submit():
        branch_id = form.chosen_branch() if actor.role == Role.ADMIN else actor.branch_id
        try:
            if request.form.get("copy"):
                plan = service.start_from_previous(
                    session, actor, form.chosen_period(), form.chosen_start(), branch_id, now=now
                )
            else:
                spec = service.PlanSpec(
                    form.chosen_period(),
                    form.chosen_start(),
                    form.theme.data or "",
                    branch_id,
                    form.notes.data or "",
                )
                plan = service.save_plan(session, actor, spec, now=now)
        except DomainError as error:
            session.rollback()
            problem = error.message
        else:
            session.commit()
            flash(_("Plan created as a draft: add its items, then schedule it."), "info")
            return redirect(url_for("plans.plan", plan_id=plan.id))
    page = render_template("plans/new.html", form=form, problem=problem, branch=actor.branch)
    return page, 422 if request.method == "POST" else 200


@bp.route("/<int:plan_id>", methods=["GET", "POST"])
@allow(*EDITORS)
def plan(plan_id: int) -> ResponseReturnValue:
    session = db.session()
    found = _plan_or_404(plan_id)
    form = PlanForm()
    if request.method == "GET":
        form.period.data, form.start.data = found.period.value, found.start
        form.theme.data, form.notes.data = found.theme, found.notes
    problem = None
    if form.validate_on_submit():
        try:
            service.save_settings(
                session,
                signed_in_user(),
                found.id,
                form.chosen_period(),
                form.chosen_start(),
                form.theme.data or "",
                form.notes.data or "",
                now=clock.now(),
            )
        except DomainError as error:
            session.rollback()
            problem = error.message
        else:
            session.commit()
            flash(_("Plan saved."), "info")
            return redirect(url_for("plans.plan", plan_id=found.id))
    schedule_form = ScheduleForm(formdata=None, publish_at=service.default_publish_at(found))
    page = render_template(
        "plans/plan.html",
        plan=found,
        form=form,
        problem=problem,
        schedule_form=schedule_form,
        kinds=list(ItemKind),
    )
    return page, 422 if request.method == "POST" else 200


@bp.route("/<int:plan_id>/items/new", methods=["GET", "POST"])
@allow(*EDITORS)
def new_item(plan_id: int) -> ResponseReturnValue:
    found = _plan_or_404(plan_id)
    try:
        kind = ItemKind(request.args.get("kind", ""))
    except ValueError:
        abort(404)
    return _item_page(found, kind, None)


@bp.route("/<int:plan_id>/items/<int:item_id>", methods=["GET", "POST"])
@allow(*EDITORS)
def item(plan_id: int, item_id: int) -> ResponseReturnValue:
    found = _plan_or_404(plan_id)
    existing = _item_or_404(found, item_id)
    return _item_page(found, existing.kind, existing)


def _item_page(plan: Plan, kind: ItemKind, existing: PlanItem | None) -> ResponseReturnValue:
    session, actor = db.session(), signed_in_user()
    form = ItemForm()
    tests = service.tests_to_link(session, actor, closing_after=clock.now())
    if existing is not None and existing.exam is not None and existing.exam not in tests:
        tests.append(existing.exam)  # a draft an administrator chose, or a test since closed, stays
    choosable = documents.attachable(session, kind)
    chosen = (
        session.get(documents.Document, existing.document_id) if existing and existing.document_id else None
    )
    if chosen is not None and chosen not in choosable:
        choosable.append(chosen)  # an older upload chosen before stays choosable
    form.set_choices(service.audience_tree(session, actor), tests, choosable)
    settled = existing is not None and bool(service.completed_by_anyone(session, [existing.id]))
    if settled:
        for name in service.TERMS:
            form[form.field_for(name)].render_kw = {"readonly": True}
    if request.method == "GET":
        if existing is not None:
            form.fill(existing)
        else:
            form.due_at.data = service.default_due(plan.period, plan.start)
    position = existing.position if existing is not None else len(plan.items) + 1
    problems: list[str] = []
    if form.validate_on_submit():
        spec = form.to_spec(kind)
        try:
            service.save_item(
                session, actor, plan.id, spec, item_id=existing.id if existing else None, now=clock.now()
            )
        except DomainError as error:
            session.rollback()
            problems.append(error.message)
            if isinstance(error, ItemError) and error.where == service.item_name(position, spec.title):
                form[form.field_for(error.field)].errors.append(error.reason)
        else:
            session.commit()
            flash(_("Item saved."), "info")
            return redirect(url_for("plans.plan", plan_id=plan.id, _anchor="items"))
    elif request.method == "POST":
        where = service.item_name(position, form.title.data or "")
        problems = [
            ItemError(where, form.spec_field(name), " ".join(errors)).message
            for name, errors in form.errors.items()
            if form.spec_field(name) in FIELD_LABELS
        ]
    page = render_template(
        "plans/item_form.html",
        plan=plan,
        item=existing,
        kind=kind,
        form=form,
        position=position,
        problems=problems,
        settled=settled,
        tree=service.audience_tree(session, actor),
    )
    return page, 422 if request.method == "POST" else 200


@bp.route("/<int:plan_id>/items/<int:item_id>/remove", methods=["POST"])
@allow(*EDITORS)
def remove_item(plan_id: int, item_id: int) -> ResponseReturnValue:
    session = db.session()
    found = _plan_or_404(plan_id)
    _item_or_404(found, item_id)
    try:
        removed = service.remove_item(session, signed_in_user(), found.id, item_id, now=clock.now())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        flash(_("“%(title)s” removed from the plan.", title=removed.title), "info")
    return redirect(url_for("plans.plan", plan_id=plan_id, _anchor="items"))


@bp.route("/<int:plan_id>/schedule", methods=["POST"])
@allow(*EDITORS)
def schedule(plan_id: int) -> ResponseReturnValue:
    session = db.session()
    found = _plan_or_404(plan_id)
    form = ScheduleForm()
    now = clock.now()
    publish_now = bool(request.form.get("now"))
    if not form.validate_on_submit() or (not publish_now and form.publish_at.data is None):
        flash(_("Choose when to publish it: a date and time."), "error")
        return redirect(url_for("plans.plan", plan_id=plan_id, _anchor="publish"))
    try:
        at = None if publish_now else moment(form.publish_at)
        service.schedule(session, signed_in_user(), found.id, at, now=now)
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        if publish_now:
            flash(_("Plan published: its people see it now."), "info")
        else:
            flash(_("Plan scheduled: it appears at the time set."), "info")
    return redirect(url_for("plans.plan", plan_id=plan_id, _anchor="publish"))


@bp.route("/<int:plan_id>/unschedule", methods=["POST"])
@allow(*EDITORS)
def unschedule(plan_id: int) -> ResponseReturnValue:
    session = db.session()
    found = _plan_or_404(plan_id)
    try:
        service.unschedule(session, signed_in_user(), found.id, now=clock.now())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        flash(_("Plan back to draft: nobody but its editors sees it."), "info")
    return redirect(url_for("plans.plan", plan_id=plan_id, _anchor="publish"))


@bp.route("/<int:plan_id>/preview")
@allow(*EDITORS)
def preview(plan_id: int) -> ResponseReturnValue:
    now, actor = clock.now(), signed_in_user()
    try:
        found = service.readable(db.session(), actor, plan_id, now=now)
    except DomainError:
        abort(404)
    return render_template("plans/preview.html", plan=found, now=now)
