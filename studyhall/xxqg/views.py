"""The administrators' 学习强国 import (upload → preview → confirm), its sample file, the list of
snapshots, which a branch secretary sees for their own branch, and taking a snapshot back."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from studyhall import clock, db, demo
from studyhall.access import allow
from studyhall.accounts import service as accounts
from studyhall.accounts import signed_in_user
from studyhall.accounts.models import Role
from studyhall.errors import DomainError
from studyhall.forms import filled
from studyhall.headers import attachment, no_store
from studyhall.uploads import stage_upload, staged_upload
from studyhall.xxqg import imports, service
from studyhall.xxqg.forms import ConfirmForm, UploadForm
from studyhall.xxqg.models import Snapshot

bp = Blueprint("xxqg", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHOICE = "choice-"  # a form field per row needing a choice: choice-<row> = a person's id, or "none"


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
        return _preview(stage_upload(form.file.data), ConfirmForm(formdata=None))
    return render_template("xxqg/upload.html", form=form)


def _today() -> date:
    return clock.now().astimezone(clock.local_zone()).date()


def _choices(form: MultiDict[str, str]) -> dict[int, int | None]:
    chosen: dict[int, int | None] = {}
    for key, value in form.items():
        if key.startswith(CHOICE) and key[len(CHOICE) :].isdigit() and (value == "none" or value.isdigit()):
            chosen[int(key[len(CHOICE) :])] = None if value == "none" else int(value)
    return chosen


def _plan(token: str, exported_on: date | None, choices: dict[int, int | None]) -> imports.XxqgPlan | None:
    staged = staged_upload(token)
    if staged is None:
        return None
    return imports.plan_import(
        db.session(),
        staged.filename,
        staged.data,
        exported_on=exported_on,
        choices=choices,
        today=_today(),
    )


def _preview(
    token: str, confirm: ConfirmForm, choices: dict[int, int | None] | None = None
) -> ResponseReturnValue:
    plan = _plan(token, confirm.exported_on.data, choices or {})
    if plan is None:
        return redirect(url_for("xxqg.upload"))
    confirm.token.data = token
    return render_template(
        "xxqg/preview.html", plan=plan, confirm=confirm, chosen=choices or {}, CHOICE=CHOICE
    )


@bp.route("/admin/xxqg/confirm", methods=["POST"])
@allow(Role.ADMIN)
@no_store
def confirm() -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    session = db.session()
    token = filled(form.token)
    choices = _choices(request.form)
    plan = _plan(token, form.exported_on.data, choices)
    if plan is None:
        return redirect(url_for("xxqg.upload"))
    if request.form.get("action") == "recheck" or not (plan.ok or plan.already):
        return _preview(token, form, choices)
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
    # The demo organisation's people: on a demo server every row of the sample matches.
    return attachment(
        imports.sample_workbook(_today(), demo.xxqg_sample_people()),
        XLSX,
        "学习强国积分导出示例.xlsx",
        "xxqg-sample.xlsx",
    )
