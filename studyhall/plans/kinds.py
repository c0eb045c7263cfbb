"""The kinds of plan item, one class each: what it is called, which of an item's fields it uses
and what it requires of them. Code asks the kind (kinds.get(item.kind)) rather than testing the
kind's name, so a kind's rules live in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhall.errors import DomainError, ErrorCode
from studyhall.exams.models import Exam
from studyhall.plans import documents, markup
from studyhall.plans.models import ItemKind, MeetingKind

if TYPE_CHECKING:
    from studyhall.plans.service import ItemSpec

MAX_MIN_SECONDS = 4 * 3600
MAX_MIN_CHARS = 10_000

MEETING_LABELS = {
    MeetingKind.ASSEMBLY: _l("支部党员大会"),
    MeetingKind.COMMITTEE: _l("支部委员会"),
    MeetingKind.GROUP: _l("党小组会"),
    MeetingKind.LECTURE: _l("党课"),
    MeetingKind.THEME_DAY: _l("主题党日"),
}


# An item's fields as the editor and its messages name them (the ItemSpec's names).
FIELD_LABELS = {
    "title": _l("Item title"),
    "due_at": _l("Due"),
    "points": _l("Points"),
    "body_html": _l("Text"),
    "document_id": _l("Document"),
    "link_url": _l("Video address"),
    "min_seconds": _l("Minimum time (minutes)"),
    "meeting_kind": _l("Kind of meeting"),
    "starts_at": _l("Meeting time"),
    "place": _l("Meeting place"),
    "prompt": _l("What to reflect on"),
    "min_chars": _l("Minimum length (characters)"),
    "exam_id": _l("Test"),
    "branch_ids": _l("Branches it is for"),
    "usernames": _l("People (工号)"),
}


class ItemError(DomainError):
    """What is wrong with one field of one item, naming both: "Item 2 “宪法学习”, Text: …"."""

    def __init__(self, where: str, field: str, reason: str, code: ErrorCode = ErrorCode.INVALID) -> None:
        label = FIELD_LABELS[field]
        super().__init__(_("%(where)s, %(field)s: %(reason)s", where=where, field=label, reason=reason), code)
        self.where = where
        self.field = field
        self.reason = reason


class Kind:
    kind: ClassVar[ItemKind]
    label: ClassVar[object]  # lazy text
    # The ItemSpec fields this kind uses besides title, due time, points and audience.
    fields: ClassVar[tuple[str, ...]] = ()
    # Whether the person says they have done it ("我已学习") — unless the item sets a minimum time,
    # which the reading time counted decides (plans.reading). A meeting is done by the attendance
    # recorded, a reflection by writing it and a test by taking it, each in its own feature.
    done_by_person: ClassVar[bool] = False

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        """Refuse what the kind cannot use; the fields of other kinds are cleared."""
        for name in ("body_html", "link_url", "place", "prompt"):
            if name not in self.fields:
                setattr(spec, name, "")
        for name in ("document_id", "min_seconds", "meeting_kind", "starts_at", "min_chars", "exam_id"):
            if name not in self.fields:
                setattr(spec, name, None)
        # Set in whole minutes (the editor's field), kept in seconds as reading time is counted.
        if spec.min_seconds is not None and not 60 <= spec.min_seconds <= MAX_MIN_SECONDS:
            raise ItemError(
                where,
                "min_seconds",
                _("the minimum time must be between 1 and %(n)d minutes.", n=MAX_MIN_SECONDS // 60),
            )
        if spec.document_id is not None:
            try:
                documents.check_attachable(session, spec.document_id, self.kind)
            except DomainError as refused:
                raise ItemError(where, "document_id", refused.message) from None


class Read(Kind):
    kind = ItemKind.READ
    label = _l("Read")
    fields = ("body_html", "document_id", "min_seconds")
    done_by_person = True

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        """The text is stored sanitised: plain paragraphs or simple HTML (see markup)."""
        super().check(session, spec, where)
        spec.body_html = markup.clean(spec.body_html)
        if not spec.body_html and spec.document_id is None:
            raise ItemError(where, "body_html", _("write the text or attach a document."))


class Watch(Kind):
    kind = ItemKind.WATCH
    label = _l("Watch")
    fields = ("document_id", "link_url", "min_seconds")
    done_by_person = True

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        super().check(session, spec, where)
        if spec.document_id is None and not spec.link_url.strip():
            raise ItemError(where, "link_url", _("upload the video or give its address."))
        if spec.link_url.strip() and not spec.link_url.strip().lower().startswith(("http://", "https://")):
            raise ItemError(where, "link_url", _("the address must start with http:// or https://."))
        if spec.document_id is None and spec.min_seconds is not None:
            # Time is counted on the item's own page; a video at another address plays elsewhere.
            raise ItemError(
                where,
                "min_seconds",
                _("a video at another address cannot be timed: upload it, or leave the minimum empty."),
            )


class Meeting(Kind):
    kind = ItemKind.MEETING
    label = _l("Meeting")
    fields = ("meeting_kind", "starts_at", "place")

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        super().check(session, spec, where)
        if spec.meeting_kind not in set(MeetingKind):
            raise ItemError(where, "meeting_kind", _("choose the kind of meeting."))
        if spec.starts_at is None:
            raise ItemError(where, "starts_at", _("give the meeting's time."))


class Reflection(Kind):
    kind = ItemKind.REFLECTION
    label = _l("Reflection")
    fields = ("prompt", "min_chars")

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        super().check(session, spec, where)
        if not spec.prompt.strip():
            raise ItemError(where, "prompt", _("say what to reflect on."))
        if spec.min_chars is not None and not 0 < spec.min_chars <= MAX_MIN_CHARS:
            raise ItemError(
                where,
                "min_chars",
                _("the minimum length must be between 1 and %(n)d characters.", n=MAX_MIN_CHARS),
            )


class TestLink(Kind):
    kind = ItemKind.TEST
    label = _l("Test")
    fields = ("exam_id",)

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        super().check(session, spec, where)
        if spec.exam_id is None or session.get(Exam, spec.exam_id) is None:
            raise ItemError(where, "exam_id", _("choose the test."))


KINDS: dict[ItemKind, Kind] = {
    kind.kind: kind for kind in (Read(), Watch(), Meeting(), Reflection(), TestLink())
}


def get(kind: ItemKind) -> Kind:
    return KINDS[kind]
