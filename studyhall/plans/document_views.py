"""Documents of study plans: the planners' list and upload, the files served to those an item is
for (a video in ranges, a PDF's pages as images, a .docx's pictures), and the reading heartbeat."""

from __future__ import annotations

import re
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import NotFound

from studyhall import clock, db
from studyhall.access import SIGNED_IN, allow
from studyhall.accounts import signed_in_user
from studyhall.accounts.models import Role
from studyhall.errors import DomainError, ErrorCode
from studyhall.plans import document_formats, documents, reading
from studyhall.plans import service as plans
from studyhall.plans.documents import Document, DocumentKind
from studyhall.plans.models import PlanItem

bp = Blueprint("documents", __name__)
PLANNERS = (Role.ADMIN, Role.SECRETARY)
_PICTURE_NAME = re.compile(r"^[1-9][0-9]{0,5}\.(png|jpg|gif)$")
PRIVATE_DAY = 24 * 3600


class UploadForm(FlaskForm):
    file = FileField(_l("Document (.docx, .pdf, .mp4 or .webm)"), validators=[FileRequired()])


def _root() -> Path:
    return Path(current_app.config["DOCUMENTS_PATH"])


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: dict[str, object] | None) -> None:
    """An upload may be a video far larger than any other upload. The limit has to be raised before
    anything reads the form, and the CSRF check reads it before any view, in the app's first
    before-request hook; a blueprint's URL value preprocessor runs before that. It is raised only
    for those who may upload: anyone else's body is refused at the usual limit, before it is read."""
    if (
        endpoint == "documents.index"
        and request.method == "POST"
        and current_user.is_authenticated
        and current_user.role in PLANNERS
    ):
        config = current_app.config
        request.max_content_length = max(config["DOCUMENT_MAX_BYTES"], config["VIDEO_MAX_BYTES"])


@bp.route("/plans/documents", methods=["GET", "POST"])
@allow(*PLANNERS)
def index() -> ResponseReturnValue:
    """The documents to attach to read and watch items, and the upload of another."""
    session = db.session()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        config = current_app.config
        try:
            document = documents.store(
                session,
                signed_in_user(),
                upload.filename or "",
                upload.stream,
                root=_root(),
                limits={
                    DocumentKind.DOCX: config["DOCUMENT_MAX_BYTES"],
                    DocumentKind.PDF: config["DOCUMENT_MAX_BYTES"],
                    DocumentKind.VIDEO: config["VIDEO_MAX_BYTES"],
                },
                image_url=lambda document_id, name: url_for(
                    "documents.picture", document_id=document_id, name=name
                ),
                now=clock.now(),
            )
        except DomainError as refused:
            session.rollback()
            form.file.errors = [refused.message]
        else:
            session.commit()
            flash(
                _("%(name)s is uploaded as document %(id)d.", name=document.filename, id=document.id),
                "success",
            )
            return redirect(url_for("documents.index"))
    return render_template(
        "plans/documents.html",
        form=form,
        documents=documents.latest(session),
        document_mb=current_app.config["DOCUMENT_MAX_BYTES"] // (1024 * 1024),
        video_mb=current_app.config["VIDEO_MAX_BYTES"] // (1024 * 1024),
    )


@bp.route("/plans/documents/<int:document_id>")
@allow(*PLANNERS)
def show(document_id: int) -> ResponseReturnValue:
    """A document as a reader will see it."""
    return render_template("plans/document.html", document=_viewable(document_id))


def _viewable(document_id: int) -> Document:
    try:
        return reading.document_for(db.session(), signed_in_user(), document_id, now=clock.now())
    except DomainError:
        raise NotFound() from None


@bp.route("/documents/<int:document_id>/file")
@allow(SIGNED_IN)
def original(document_id: int) -> ResponseReturnValue:
    """The file as uploaded: a video in byte ranges (a phone seeks by asking for them; 206 Partial
    Content), a .docx or PDF as a download."""
    document = _viewable(document_id)
    return _private(
        send_file(
            _root() / document.path,
            mimetype=document.content_type,
            as_attachment=document.kind is not DocumentKind.VIDEO,
            download_name=document.filename,
            conditional=True,
            etag=document.sha256,
            max_age=PRIVATE_DAY,
        )
    )


def _private(response: Response) -> Response:
    """Kept by the reader's browser (a document never changes), never by a shared cache: only
    those an item is for may have it."""
    response.cache_control.public = False
    response.cache_control.private = True
    return response


@bp.route("/documents/<int:document_id>/pages/<int:number>.png")
@allow(SIGNED_IN)
def page(document_id: int, number: int) -> ResponseReturnValue:
    """A PDF's page as an image, drawn when first asked for and kept."""
    document = _viewable(document_id)
    if document.kind is not DocumentKind.PDF or not 1 <= number <= len(document.page_sizes):
        raise NotFound()
    target = documents.parts_folder(_root(), document) / "pages" / f"{number}.png"
    if not target.exists():
        document_formats.render_page(_root() / document.path, number, target)
    return _private(send_file(target, mimetype="image/png", conditional=True, max_age=PRIVATE_DAY))


@bp.route("/documents/<int:document_id>/images/<name>")
@allow(SIGNED_IN)
def picture(document_id: int, name: str) -> ResponseReturnValue:
    """A picture of a .docx, as saved when it was converted."""
    document = _viewable(document_id)
    match = _PICTURE_NAME.match(name)
    if document.kind is not DocumentKind.DOCX or match is None:
        raise NotFound()
    target = documents.parts_folder(_root(), document) / "images" / name
    if not target.is_file():
        raise NotFound()
    content_type = document_formats.PICTURE_TYPES_BY_EXTENSION[match.group(1)]
    return _private(send_file(target, mimetype=content_type, conditional=True, max_age=PRIVATE_DAY))


@bp.route("/study/items/<int:item_id>/beat", methods=["POST"])
@allow(SIGNED_IN)
def beat(item_id: int) -> ResponseReturnValue:
    """A heartbeat of an open read or watch item: the time counted, JSON."""
    body = request.get_json(silent=True)
    resume = isinstance(body, dict) and body.get("resume") is True
    session = db.session()
    try:
        counted = reading.beat(session, signed_in_user(), item_id, resume=resume, now=clock.now())
    except DomainError as refused:
        session.rollback()
        status = 404 if refused.code is ErrorCode.NOT_FOUND else 400
        return jsonify(code=refused.code, message=refused.message), status
    session.commit()
    return jsonify(seconds=counted.seconds, min_seconds=counted.min_seconds, done=counted.done)


@bp.app_template_global()
def reading_panel(item: PlanItem, mine: plans.MyItem | None) -> reading.Panel:
    """For an item's page (templates/plans/_reading.html): its document and the time counted."""
    return reading.panel(db.session(), item, mine)


@bp.app_template_filter()
def duration(seconds: int) -> str:
    """12:05, or 1:02:05 past an hour; static/js/reading.js writes the same."""
    minutes, second = divmod(max(seconds, 0), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"
