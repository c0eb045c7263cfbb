"""三会一课 pages: the list of meetings, recording one with its attendance (a form that works on a
phone and without JavaScript), its record as a printable 会议记录 with photos, and the quarter's
checklist. Secretaries and administrators record; everyone of a meeting's branch reads it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from studyhall import clock, db
from studyhall.access import SIGNED_IN, allow
from studyhall.accounts import signed_in_user
from studyhall.accounts.levels import Level, Tree
from studyhall.accounts.models import Role, User
from studyhall.errors import DomainError
from studyhall.inputs import row_id
from studyhall.plans import document_formats, documents, meetings
from studyhall.plans import service as plans
from studyhall.plans.kinds import MEETING_LABELS
from studyhall.plans.meeting_forms import MeetingForm
from studyhall.plans.meeting_models import AttendanceStatus, Meeting
from studyhall.plans.meetings import Mark, MeetingError, Quarter
from studyhall.plans.models import MeetingKind, PlanItem

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
EDITORS = (Role.ADMIN, Role.SECRETARY)
PRIVATE_DAY = 24 * 3600
# Several photos go in one upload, each up to the document limit.
PHOTO_UPLOAD_FACTOR = 4
QUARTERS_OFFERED = 12


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {
        "status_labels": meetings.STATUS_LABELS,
        "statuses": list(AttendanceStatus),
        "branch_path": lambda branch_id: Tree.read(db.session()).path(branch_id),
    }


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: dict[str, object] | None) -> None:
    """Photos are larger than any other form; the limit is raised before the CSRF check reads the
    body, and only for those who may upload (as plans.document_views does for videos)."""
    if (
        endpoint == "meetings.add_photos"
        and request.method == "POST"
        and current_user.is_authenticated
        and current_user.role in EDITORS
    ):
        request.max_content_length = current_app.config["DOCUMENT_MAX_BYTES"] * PHOTO_UPLOAD_FACTOR


def _editable_or_404(meeting_id: int) -> Meeting:
    try:
        return meetings.editable(db.session(), signed_in_user(), meeting_id)
    except DomainError:
        abort(404)


def _quarter(now: datetime) -> Quarter:
    return Quarter.parse(request.args.get("quarter")) or Quarter.of(plans.local_today(now))


def _quarters(now: datetime) -> list[Quarter]:
    """The quarters a filter offers: this one and the eleven before it."""
    found = [Quarter.of(plans.local_today(now))]
    while len(found) < QUARTERS_OFFERED:
        found.append(found[-1].previous)
    return found


@bp.route("/")
@allow(*EDITORS)
def index() -> ResponseReturnValue:
    session, actor, now = db.session(), signed_in_user(), clock.now()
    choices = meetings.branches(session, actor)
    branch_id = row_id(request.args.get("branch"))
    kind = request.args.get("kind", "")
    quarter = Quarter.parse(request.args.get("quarter"))
    page = meetings.meetings_page(
        session,
        actor,
        branch_id=branch_id if branch_id in dict(choices) else None,
        kind=MeetingKind(kind) if kind in set(MeetingKind) else None,
        quarter=quarter,
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "plans/meetings.html",
        page=page,
        branches=choices,
        quarters=_quarters(now),
        chosen={"branch": branch_id, "kind": kind, "quarter": quarter.key if quarter else ""},
    )


# ---- recording a meeting -------------------------------------------------------------------------


def marks_from(form: MultiDict[str, str], rows: list[meetings.RosterRow]) -> list[Mark]:
    """Each listed person's attendance as the form sends it: status-<id> (present, leave, absent, or
    empty: not recorded) and reason-<id>."""
    marks = []
    for row in rows:
        value = form.get(f"status-{row.person.id}", "")
        status = AttendanceStatus(value) if value in set(AttendanceStatus) else None
        marks.append(Mark(row.person.id, status, form.get(f"reason-{row.person.id}", "")))
    return marks


def _people(session: Session, branch_id: int) -> list[User]:
    """Who may be chosen as host or recorder: the people of the meeting's 党支部."""
    unit = Tree.read(session).unit_of(branch_id, Level.BRANCH) or branch_id
    return [row.person for row in meetings.roster(session, unit) if row.person.active]


@bp.route("/new", methods=["GET", "POST"])
@allow(*EDITORS)
def new() -> ResponseReturnValue:
    session, actor = db.session(), signed_in_user()
    choices = meetings.branches(session, actor)
    branch_id = row_id(request.args.get("branch"))
    if branch_id not in dict(choices):
        if len(choices) == 1:
            return redirect(url_for("meetings.new", branch=choices[0][0], kind=request.args.get("kind")))
        return render_template("plans/meeting_branch.html", branches=choices)
    return _edit(None, branch_id)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@allow(*EDITORS)
def edit(meeting_id: int) -> ResponseReturnValue:
    meeting = _editable_or_404(meeting_id)
    return _edit(meeting, meeting.branch_id)


def _chosen_by(meeting: Meeting | None) -> tuple[MeetingKind | None, datetime | None]:
    """What the form's items are chosen by: the saved meeting's kind and start, or a new one's kind.
    A form sent back offers every item it may name: the service says why the one chosen cannot be."""
    if request.method != "GET":
        return None, None
    if meeting is not None:
        return meeting.kind, meeting.starts_at
    kind = request.args.get("kind", "")
    return (MeetingKind(kind) if kind in set(MeetingKind) else None), None


def _edit(meeting: Meeting | None, branch_id: int) -> ResponseReturnValue:
    session, actor, now = db.session(), signed_in_user(), clock.now()
    form = MeetingForm()
    people = _people(session, branch_id)
    kind, starts_at = _chosen_by(meeting)
    items = meetings.linkable_items(session, actor, now=now, kind=kind, starts_at=starts_at)
    if meeting is not None:  # what it names stays a choice: a host who has left, an older item
        people += [person for person in (meeting.host, meeting.recorder) if person and person not in people]
        items += [meeting.item] if meeting.item and meeting.item not in items else []
    form.set_choices(people, items)
    rows = meetings.roster(session, branch_id, meeting)
    marked: dict[int, Mark] = {}
    problems: list[str] = []
    if request.method == "GET":
        if meeting is not None:
            form.fill(meeting)
        else:
            form.kind.data = request.args.get("kind", "")
            form.host_id.data = str(actor.id) if any(person.id == actor.id for person in people) else ""
    elif form.validate_on_submit():
        marks = marks_from(request.form, rows)
        if request.form.get("action") == "all_present":
            # Everyone not marked yet is marked present; the form comes back to mark the exceptions.
            # Not before the meeting has begun: saving that would be refused.
            try:
                meetings.check_begun(form.starts_at.data, now)
            except MeetingError as refused:
                problems.append(refused.message)
            else:
                marks = [
                    mark if mark.status else Mark(mark.user_id, AttendanceStatus.PRESENT) for mark in marks
                ]
                flash(_("Everyone not yet marked is now present: mark the exceptions, then save."), "info")
        else:
            try:
                saved = meetings.save(
                    session,
                    actor,
                    form.to_spec(branch_id),
                    marks,
                    meeting_id=meeting.id if meeting else None,
                    now=now,
                )
            except MeetingError as refused:
                session.rollback()
                name = form.FIELDS.get(refused.field, refused.field)
                if name in form:
                    form[name].errors = [*form[name].errors, refused.reason]
                problems.append(refused.message)
            else:
                session.commit()
                flash(_("The meeting is recorded."), "success")
                return redirect(url_for("meetings.show", meeting_id=saved.id))
        marked = {mark.user_id: mark for mark in marks}
    else:
        marked = {mark.user_id: mark for mark in marks_from(request.form, rows)}
    return render_template(
        "plans/meeting_form.html",
        form=form,
        meeting=meeting,
        branch_id=branch_id,
        rows=rows,
        marked=marked,
        problems=problems,
        posted=request.method == "POST",
        now=now,
    )


@bp.route("/<int:meeting_id>/delete", methods=["POST"])
@allow(*EDITORS)
def delete(meeting_id: int) -> ResponseReturnValue:
    session = db.session()
    _editable_or_404(meeting_id)
    if not FlaskForm().validate_on_submit() or request.form.get("confirm") != "yes":
        flash(_("Tick “Yes, delete it” to delete the record."), "error")
        return redirect(url_for("meetings.show", meeting_id=meeting_id))
    meetings.delete(session, signed_in_user(), meeting_id, now=clock.now())
    session.commit()
    flash(_("The meeting record is deleted; the points its attendance gave are taken back."), "success")
    return redirect(url_for("meetings.index"))


# ---- the record ----------------------------------------------------------------------------------


@bp.route("/<int:meeting_id>")
@allow(SIGNED_IN)
def show(meeting_id: int) -> ResponseReturnValue:
    session, user = db.session(), signed_in_user()
    try:
        meeting = meetings.viewable(session, user, meeting_id)
    except DomainError:
        abort(404)
    editor = meetings.may_edit(session, user, meeting)
    return render_template(
        "plans/meeting.html",
        meeting=meeting,
        editor=editor,
        counts=meetings.counts(meeting),
        mine=next((row for row in meeting.attendance if row.user_id == user.id), None),
        photo_mb=current_app.config["DOCUMENT_MAX_BYTES"] // (1024 * 1024),
        max_photos=meetings.MAX_PHOTOS,
    )


@bp.route("/<int:meeting_id>/photos", methods=["POST"])
@allow(*EDITORS)
def add_photos(meeting_id: int) -> ResponseReturnValue:
    session = db.session()
    _editable_or_404(meeting_id)
    if FlaskForm().validate_on_submit():
        uploads = [upload for upload in request.files.getlist("photos") if upload.filename]
        try:
            kept = meetings.add_photos(
                session,
                signed_in_user(),
                meeting_id,
                [(upload.filename or "", upload.stream) for upload in uploads],
                root=Path(current_app.config["DOCUMENTS_PATH"]),
                limit=current_app.config["DOCUMENT_MAX_BYTES"],
                now=clock.now(),
            )
        except DomainError as refused:
            session.rollback()
            flash(refused.message, "error")
        else:
            session.commit()
            flash(_("%(n)d photos added.", n=len(kept)), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id, _anchor="photos"))


@bp.route("/<int:meeting_id>/photos/<int:document_id>/remove", methods=["POST"])
@allow(*EDITORS)
def remove_photo(meeting_id: int, document_id: int) -> ResponseReturnValue:
    session = db.session()
    _editable_or_404(meeting_id)
    if FlaskForm().validate_on_submit():
        try:
            meetings.remove_photo(session, signed_in_user(), meeting_id, document_id, now=clock.now())
        except DomainError:
            abort(404)
        session.commit()
        flash(_("The photo is removed."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id, _anchor="photos"))


@bp.route("/<int:meeting_id>/photos/<int:document_id>.jpg")
@allow(SIGNED_IN)
def photo(meeting_id: int, document_id: int) -> ResponseReturnValue:
    return _photo(meeting_id, document_id, document_formats.PHOTO_NAME)


@bp.route("/<int:meeting_id>/photos/<int:document_id>/thumb.jpg")
@allow(SIGNED_IN)
def thumb(meeting_id: int, document_id: int) -> ResponseReturnValue:
    return _photo(meeting_id, document_id, document_formats.THUMB_NAME)


def _photo(meeting_id: int, document_id: int, name: str) -> ResponseReturnValue:
    """The photo as it was drawn at upload, as a JPEG; kept by the reader's browser only (only
    those who may see the meeting may have it)."""
    try:
        document = meetings.photo(db.session(), signed_in_user(), meeting_id, document_id)
    except DomainError:
        abort(404)
    target = documents.parts_folder(Path(current_app.config["DOCUMENTS_PATH"]), document) / name
    if not target.is_file():
        abort(404)
    response = send_file(target, mimetype="image/jpeg", conditional=True, max_age=PRIVATE_DAY)
    response.cache_control.public = False
    response.cache_control.private = True
    return response


# ---- the quarter's checklist ---------------------------------------------------------------------


@bp.route("/checklist")
@allow(*EDITORS)
def checklist() -> ResponseReturnValue:
    session, actor, now = db.session(), signed_in_user(), clock.now()
    quarter = _quarter(now)
    found = meetings.checklist(session, actor, quarter, page=request.args.get("page", 1, type=int))
    return render_template(
        "plans/meeting_checklist.html",
        checklist=found,
        requirements=meetings.REQUIREMENTS,
        current=Quarter.of(plans.local_today(now)),
    )


# ---- a meeting item's page -------------------------------------------------------------------------


@bp.app_template_global()
def meeting_panel(item: PlanItem) -> dict[str, object]:
    """What a meeting item's page shows its reader: the meetings that complete it (their own
    attendance, the record once recorded) and the meetings they attended this year."""
    session, user = db.session(), signed_in_user()
    return {
        "seen": meetings.for_item(session, user, item),
        "attended": meetings.attended(session, user, plans.local_today(clock.now()).year),
        "labels": MEETING_LABELS,
        "status_labels": meetings.STATUS_LABELS,
    }
