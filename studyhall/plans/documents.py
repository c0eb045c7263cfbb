"""The documents of read and watch items (uploaded .docx, PDF and video files) and the photos of
三会一课 meetings: who may see them, and where their files are.

An upload is streamed to disk as it is received (a video may be hundreds of MB and is never held in
memory), hashed on the way, and kept under DOCUMENTS_PATH named by its SHA-256, so the same file
uploaded twice is stored once. What each kind of file must be and what is made of it (a .docx's
sanitised HTML, a PDF's pages as images) is in plans.document_formats.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.db import Base, UTCDateTime, string_enum
from studyhall.errors import DomainError, ErrorCode
from studyhall.plans import document_formats as formats
from studyhall.plans.document_formats import DocumentKind
from studyhall.plans.models import ItemKind

CHUNK = 1024 * 1024
MAX_FILENAME = 255


# What each kind of item shows: a text to read, a video to watch.
SHOWN_BY = {ItemKind.READ: (DocumentKind.DOCX, DocumentKind.PDF), ItemKind.WATCH: (DocumentKind.VIDEO,)}


class Document(Base):
    """An uploaded file a read or watch item shows (plan_item.document_id), or a meeting's photo
    (plans.meeting_models.MeetingAttachment)."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(string_enum(DocumentKind, 8))
    filename: Mapped[str] = mapped_column(String(MAX_FILENAME))  # as uploaded
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)  # bytes
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(String(255))  # under DOCUMENTS_PATH
    html: Mapped[str] = mapped_column(Text, default="")  # .docx: sanitised at upload
    # PDF: each page's width and height in points, for the page images' proportions before they load;
    # a photo: the width and height of the picture shown, in pixels.
    page_sizes: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


def parts_folder(root: Path, document: Document) -> Path:
    """Where what is made of the file is kept (a PDF's page images, a .docx's pictures): beside it,
    shared by every upload of the same file."""
    return root / f"{document.path}.parts"


def store(
    session: Session,
    actor: User,
    filename: str,
    stream: IO[bytes],
    *,
    root: Path,
    limits: Mapping[DocumentKind, int],
    image_url: Callable[[int, str], str],
    now: datetime,
    action: str = "document.upload",
    about: Mapping[str, object] | None = None,
) -> Document:
    """Keep an uploaded file and make what its kind shows; refuses a file of a kind `limits` does
    not name, not what its name says, too large for its kind, or unreadable.
    `image_url(document_id, name)` is the address a .docx's picture is served at. The audit log
    records the upload as `action` (a study document's, unless the caller's: a meeting's photo),
    with `about`'s details. The caller commits."""
    name = Path(filename.replace("\\", "/")).name.strip()[:MAX_FILENAME] or "upload"
    extension, form = formats.for_filename(name, limits.keys())
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    received, digest, size, head = _receive(stream, root, limits[form.kind])
    try:
        form.check_head(extension, head)
        document = Document(
            kind=form.kind,
            filename=name,
            content_type=form.content_types[extension],
            size=size,
            sha256=digest,
            path=f"{digest[:2]}/{digest}{extension}",
            uploaded_by_id=actor.id,
            uploaded_at=now,
        )
        session.add(document)
        session.flush()  # its id names its pictures' addresses
        prepared = form.prepare(
            received, parts_folder(root, document), lambda picture: image_url(document.id, picture)
        )
        document.html, document.page_sizes = prepared.html, prepared.page_sizes
        # Kept only once it has been read: a refused file leaves nothing behind.
        (root / digest[:2]).mkdir(mode=0o700, exist_ok=True)
        os.replace(received, root / document.path)  # the same bytes if this file was uploaded before
    finally:
        received.unlink(missing_ok=True)
    accounts.record(
        session, actor, action, name, now=now, **(about or {}), document_id=document.id, size=size
    )
    return document


def _receive(stream: IO[bytes], root: Path, limit: int) -> tuple[Path, str, int, bytes]:
    """Copy the upload into a file beside where it will be kept, a chunk at a time: its path, its
    SHA-256, its size and its first bytes (which say what it really is)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    handle, name = tempfile.mkstemp(prefix=".upload-", dir=root)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise DomainError(
                        _("The file is too large. The limit is %(mb)s MB.", mb=f"{limit / (1024 * 1024):g}"),
                        ErrorCode.INVALID,
                    )
                if len(head) < 1024:
                    head += chunk[: 1024 - len(head)]
                digest.update(chunk)
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink()
        raise DomainError(_("The file is empty."), ErrorCode.INVALID)
    return path, digest.hexdigest(), size, head


def latest(session: Session, limit: int = 200) -> list[Document]:
    """The documents to choose from when planning, newest first (a meeting's photos are its own)."""
    return list(
        session.scalars(
            select(Document)
            .where(Document.kind != DocumentKind.IMAGE)
            .order_by(Document.id.desc())
            .limit(limit)
        )
    )


def attachable(session: Session, item_kind: ItemKind, limit: int = 200) -> list[Document]:
    """The documents an item of this kind can show, newest first: the item form's choices."""
    return list(
        session.scalars(
            select(Document)
            .where(Document.kind.in_(SHOWN_BY.get(item_kind, ())))
            .order_by(Document.id.desc())
            .limit(limit)
        )
    )


def check_attachable(session: Session, document_id: int, item_kind: ItemKind) -> None:
    """Refuse a document that does not exist or that an item of this kind cannot show."""
    document = session.get(Document, document_id)
    if document is None or document.kind not in SHOWN_BY.get(item_kind, ()):
        raise DomainError(
            _("Choose a document the item can show: a .docx or PDF to read, a video to watch."),
            ErrorCode.INVALID,
        )
