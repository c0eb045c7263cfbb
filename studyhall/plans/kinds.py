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


def _invalid(where: str, message: str) -> DomainError:
    return DomainError(_("%(where)s: %(message)s", where=where, message=message), ErrorCode.INVALID)


class Kind:
    kind: ClassVar[ItemKind]
    label: ClassVar[object]  # lazy text
    # The ItemSpec fields this kind uses besides title, due time, points and audience.
    fields: ClassVar[tuple[str, ...]] = ()

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        """Refuse what the kind cannot use; the fields of other kinds are cleared."""
        for name in ("body_html", "link_url", "place", "prompt"):
            if name not in self.fields:
                setattr(spec, name, "")
        for name in ("document_id", "min_seconds", "meeting_kind", "starts_at", "min_chars", "exam_id"):
            if name not in self.fields:
                setattr(spec, name, None)
        if spec.min_seconds is not None and not 0 < spec.min_seconds <= MAX_MIN_SECONDS:
            raise _invalid(where, _("the minimum time must be between 1 second and 4 hours."))


class Read(Kind):
    kind = ItemKind.READ
    label = _l("Read")
    fields = ("body_html", "document_id", "min_seconds")

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        super().check(session, spec, where)
        if not spec.body_html.strip() and spec.document_id is None:
            raise _invalid(where, _("write the text or attach a document."))


class Watch(Kind):
    kind = ItemKind.WATCH
    label = _l("Watch")
    fields = ("document_id", "link_url", "min_seconds")

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        super().check(session, spec, where)
        if spec.document_id is None and not spec.link_url.strip():
            raise _invalid(where, _("upload the video or give its address."))
        if spec.link_url.strip() and not spec.link_url.strip().lower().startswith(("http://", "https://")):
            raise _invalid(where, _("the address must start with http:// or https://."))


class Meeting(Kind):
    kind = ItemKind.MEETING
    label = _l("Meeting")
    fields = ("meeting_kind", "starts_at", "place")

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        super().check(session, spec, where)
        if spec.meeting_kind not in set(MeetingKind):
            raise _invalid(where, _("choose the kind of meeting."))
        if spec.starts_at is None:
            raise _invalid(where, _("give the meeting's time."))


class Reflection(Kind):
    kind = ItemKind.REFLECTION
    label = _l("Reflection")
    fields = ("prompt", "min_chars")

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        super().check(session, spec, where)
        if not spec.prompt.strip():
            raise _invalid(where, _("say what to reflect on."))
        if spec.min_chars is not None and not 0 < spec.min_chars <= MAX_MIN_CHARS:
            raise _invalid(
                where, _("the minimum length must be between 1 and %(n)d characters.", n=MAX_MIN_CHARS)
            )


class TestLink(Kind):
    kind = ItemKind.TEST
    label = _l("Test")
    fields = ("exam_id",)

    def check(self, session: Session, spec: ItemSpec, where: str) -> None:
        super().check(session, spec, where)
        if spec.exam_id is None or session.get(Exam, spec.exam_id) is None:
            raise _invalid(where, _("choose the test."))


KINDS: dict[ItemKind, Kind] = {
    kind.kind: kind for kind in (Read(), Watch(), Meeting(), Reflection(), TestLink())
}


def get(kind: ItemKind) -> Kind:
    return KINDS[kind]
