"""Uploads kept between their preview and their confirmation (people and question imports)."""

from __future__ import annotations

from typing import Any, cast

from flask import flash
from flask_babel import gettext as _
from sqlalchemy import CursorResult, delete
from werkzeug.datastructures import FileStorage

from studyhall import clock, db
from studyhall.accounts import signed_in_user
from studyhall.system import service as system
from studyhall.system.models import StagedFile


def stage_upload(upload: FileStorage) -> str:
    """Keep the uploaded file for the signed-in person; returns the token naming it."""
    session = db.session()
    token = system.stage_file(
        session, signed_in_user().id, upload.filename or "upload", upload.read(), now=clock.now()
    )
    session.commit()
    return token


def staged_upload(token: str) -> StagedFile | None:
    """The signed-in person's staged file, or None after telling them it has expired."""
    staged = system.staged_file(db.session(), token, signed_in_user().id, now=clock.now())
    if staged is None:
        flash(_("That upload has expired; please upload the file again."), "error")
    return staged


def claim_upload(staged: StagedFile) -> bool:
    """Take a staged file for the import it confirms, in the caller's transaction: whether this
    request took it. Of two confirmations of one upload (a double click, a replayed request) only
    one finds it; the other's DELETE waits for the first to commit and then finds nothing."""
    result = db.session().execute(delete(StagedFile).where(StagedFile.id == staged.id))
    return cast(CursorResult[Any], result).rowcount == 1
