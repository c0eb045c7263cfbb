"""The administrators' 学习强国 import (upload → preview → confirm), its sample file, the list of
snapshots, which a branch secretary sees for their own branch, and taking a snapshot back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from studyhall import clock, db, demo, inputs
from studyhall.access import allow
from studyhall.accounts import service as accounts
from studyhall.accounts import signed_in_user
from studyhall.accounts.models import Role
from studyhall.errors import DomainError
from studyhall.headers import attachment, no_store
from studyhall.tabular import SHOWN_PROBLEMS
from studyhall.uploads import stage_upload, staged_upload
from studyhall.xxqg import imports, service
from studyhall.xxqg.forms import ConfirmForm, UploadForm
from studyhall.xxqg.models import Snapshot

bp = Blueprint("xxqg", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHOICE = "choice-"  # a form field per row needing a choice: choice-<row> = a person's id, or "none"
# A form field per organisation not plainly ours: organisation-<its key> = imports.NOT_OURS,
# imports.ANYWHERE or a branch's id.
ORGANISATION = "organisation-"


@bp.route("/xxqg/")
@allow(Role.ADMIN, Role.SECRETARY)
def snapshots() -> str:
    session = db.session()
    return render_template(
        "xxqg/snapshots.html",
        snapshots=service.snapshots(session),
        people=service.people_counts(session),
        form=UploadForm() if signed_in_user().role == Role.ADMIN else None,
    )


@bp.route("/xxqg/<int:snapshot_id>")
@allow(Role.ADMIN, Role.SECRETARY)
def snapshot(snapshot_id: int) -> str:
    session = db.session()
    found = session.get(Snapshot, snapshot_id) or abort(404)
    within = accounts.visible_branch_ids(session, signed_in_user())
    rows = service.board(
        session, found, branch_ids=within, limit=service.board_count(session, found, branch_ids=within)
    )
    previous = service.previous_snapshot(session, found)
    return render_template(
        "xxqg/snapshot.html",
        snapshot=found,
        rows=rows,
        previous=previous,
        total_label=service.total_label(found.exported_on),
        gain_label=service.gain_label(previous.exported_on if previous else None),
        may_delete=signed_in_user().role == Role.ADMIN,
    )


@bp.route("/admin/xxqg/<int:snapshot_id>/delete", methods=["GET", "POST"])
@allow(Role.ADMIN)
def delete(snapshot_id: int) -> ResponseReturnValue:
    """A page that says what deleting does, and its button."""
    session = db.session()
    if request.method == "POST":
        try:
            day = service.delete_snapshot(session, signed_in_user(), snapshot_id, now=clock.now())
        except DomainError as refused:
            flash(refused.message, "info")
            return redirect(url_for("xxqg.snapshots"))
        session.commit()
        latest = service.latest_snapshot(session)
        flash(
            _(
                "The 学习强国 export of %(day)s was deleted; the latest is now the export of %(latest)s.",
                day=day.isoformat(),
                latest=latest.exported_on.isoformat(),
            )
            if latest is not None
            else _("The 学习强国 export of %(day)s was deleted; no export is left.", day=day.isoformat()),
            "success",
        )
        return redirect(url_for("xxqg.snapshots"))
    found = session.get(Snapshot, snapshot_id) or abort(404)
    latest = service.latest_snapshot(session)
    return render_template(
        "xxqg/delete.html",
        snapshot=found,
        people=service.people_count(session, found),
        is_latest=latest is not None and latest.id == found.id,
        previous=service.previous_snapshot(session, found),
    )


@bp.route("/admin/xxqg/upload", methods=["GET", "POST"])
@allow(Role.ADMIN)
def upload() -> ResponseReturnValue:
    form = UploadForm()
    if form.validate_on_submit():
        token = stage_upload(form.file.data)
        confirm = ConfirmForm(formdata=None)
        return _preview(_plan(token, None, Answers()), token, confirm, Answers())
    return render_template("xxqg/upload.html", form=form)


def _today() -> date:
    return clock.now().astimezone(clock.local_zone()).date()


@dataclass(frozen=True)
class Answers:
    """What the administrator answered in the preview: the person of a row (None: nobody), whose an
    organisation is."""

    people: dict[int, int | None] = field(default_factory=dict)
    organisations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, form: MultiDict[str, str]) -> Answers:
        answers = cls()
        for key, value in form.items():
            row = key.removeprefix(CHOICE)
            number, chosen = inputs.row_id(row), inputs.row_id(value)
            if key.startswith(CHOICE) and number is not None and (value == "none" or chosen is not None):
                answers.people[number] = chosen
            elif key.startswith(ORGANISATION) and value:
                answers.organisations[key.removeprefix(ORGANISATION)] = value
        return answers


def _plan(token: str, exported_on: date | None, answers: Answers) -> imports.XxqgPlan | None:
    staged = staged_upload(token)
    if staged is None:
        return None
    return imports.plan_import(
        db.session(),
        staged.filename,
        staged.data,
        exported_on=exported_on,
        choices=answers.people,
        organisations=answers.organisations,
        issuer=current_app.config["PUBLICATION_ISSUER"],
        today=_today(),
    )


def _preview(
    plan: imports.XxqgPlan | None, token: str, confirm: ConfirmForm, answers: Answers
) -> ResponseReturnValue:
    if plan is None:
        return redirect(url_for("xxqg.upload"))
    confirm.token.data = token
    if plan.date_asked:
        # What is wrong with the day given (before 学习强国 opened, still to come) is said at its field.
        day = [
            problem.message
            for problem in plan.problems
            if problem.row is None and problem.column == imports.DAY
        ]
        confirm.exported_on.errors = [*confirm.exported_on.errors, *day]
    return render_template(
        "xxqg/preview.html",
        plan=plan,
        listing=plan.listing(),
        DAY=imports.DAY,
        confirm=confirm,
        chosen=answers.people,
        CHOICE=CHOICE,
        ORGANISATION=ORGANISATION,
        NOT_OURS=imports.NOT_OURS,
        ANYWHERE=imports.ANYWHERE,
        SHOWN=SHOWN_PROBLEMS,
    )


@bp.route("/admin/xxqg/confirm", methods=["POST"])
@allow(Role.ADMIN)
@no_store
def confirm() -> ResponseReturnValue:
    form = ConfirmForm()
    form.validate_on_submit()
    token = form.token.data
    # A day that is no day (2026-02-30, abc) is no reason to lose the answers: the preview asks again.
    if not token or set(form.errors) - {"exported_on"}:
        abort(400)
    answers = Answers.read(request.form)
    plan = _plan(token, form.exported_on.data, answers)
    if plan is None:
        return redirect(url_for("xxqg.upload"))
    day_refused = plan.date_asked and bool(form.exported_on.errors)
    if day_refused or request.form.get("action") == "recheck" or not (plan.ok or plan.already):
        return _preview(plan, token, form, answers)
    session = db.session()
    saved = imports.apply_import(session, signed_in_user(), plan, now=clock.now())
    staged = staged_upload(token)
    if staged is not None:
        session.delete(staged)
    session.commit()
    day = saved.snapshot.exported_on.isoformat()
    if saved.created:
        flash(_("学习强国 points of %(day)s saved for %(n)d people.", day=day, n=saved.people), "success")
    else:
        flash(_("This file was imported already (the export of %(day)s); nothing changed.", day=day), "info")
    return redirect(url_for("xxqg.snapshot", snapshot_id=saved.snapshot.id))


@bp.route("/admin/xxqg/sample.xlsx")
@allow(Role.ADMIN)
def sample() -> ResponseReturnValue:
    # The next export of the people of the latest one; with none yet, the demo organisation's people
    # (on a demo server every row of it matches).
    return attachment(
        imports.sample_workbook(db.session(), clock.now(), demo.xxqg_sample_people()),
        XLSX,
        "学习强国积分导出示例.xlsx",
        "xxqg-sample.xlsx",
    )
