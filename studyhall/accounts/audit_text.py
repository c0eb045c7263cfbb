"""The audit log in words: action codes (`user.import`) and detail keys (`branch_id: 2`) as a
reader says them. The stored events keep their codes; an action or key not listed here (a
newer feature's) is shown as stored rather than hidden."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from babel.lists import format_list
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhall import i18n
from studyhall.accounts.forms import ROLE_LABELS
from studyhall.accounts.models import AuditEvent, Branch, Role
from studyhall.plans.kinds import MEETING_LABELS
from studyhall.plans.models import MeetingKind

ACTIONS = {
    "bank.create": _l("Question bank created"),
    "bank.import": _l("Questions imported"),
    "branch.create": _l("Branch created"),
    "branch.delete": _l("Branch deleted"),
    "branch.move": _l("Branch moved"),
    "branch.order": _l("Branch order set"),
    "branch.rename": _l("Branch renamed"),
    "display.new_address": _l("Screen given a new address"),
    "display.register": _l("Screen registered"),
    "display.revoke": _l("Screen revoked"),
    "display.update": _l("Screen changed"),
    "document.upload": _l("Study document uploaded"),
    "exam.access_code_wrong": _l("Wrong access code"),
    "exam.create": _l("Test created"),
    "exam.extension": _l("Individual arrangement"),
    "exam.publish": _l("Test published"),
    "exam.regrade": _l("Key corrected and regraded"),
    "exam.unpublish": _l("Test back to draft"),
    "exam.update": _l("Test changed"),
    "password.change": _l("Password changed"),
    "plan.calendar_issue": _l("Calendar address made (the one before stops)"),
    "plan.calendar_revoke": _l("Calendar address stopped"),
    "plan.import": _l("Year plan imported as drafts"),
    "plan.meeting_delete": _l("三会一课 meeting record deleted"),
    "plan.meeting_photo_add": _l("三会一课 meeting photo uploaded"),
    "plan.meeting_photo_remove": _l("三会一课 meeting photo removed"),
    "plan.meeting_save": _l("三会一课 meeting recorded or changed"),
    "plan.remind": _l("Reminders sent to those behind on a study plan"),
    "plan.remove_item": _l("Study plan item removed"),
    "plan.save": _l("Study plan saved"),
    "plan.schedule": _l("Study plan set to publish"),
    "plan.unschedule": _l("Study plan back to draft"),
    "points.award": _l("Points awarded or deducted by hand"),
    "practice.bank_close": _l("Question bank closed to practice"),
    "practice.bank_open": _l("Question bank opened for practice"),
    "practice.set_publish": _l("Practice set published"),
    "practice.set_save": _l("Practice set saved or drawn again"),
    "practice.set_unpublish": _l("Practice set back to draft"),
    "publication.publish": _l("Points notice published"),
    "publication.schedule": _l("Points notice schedule set"),
    "publication.withdraw": _l("Points notice withdrawn"),
    "points.reverse": _l("Manual points taken back"),
    "points.reverse_batch": _l("Manual award taken back from everyone in it"),
    "points.rule": _l("Point rule changed"),
    "question.edit": _l("Question edited"),
    "reflection.approve": _l("Reflection approved"),
    "reflection.excellent": _l("Reflection marked excellent, or the mark taken off"),
    "reflection.return": _l("Reflection returned for revision"),
    "question.restore": _l("Question restored"),
    "question.retire": _l("Question retired"),
    "user.activate": _l("Account activated"),
    "user.create": _l("Person created"),
    "user.deactivate": _l("Account deactivated"),
    "user.import": _l("People imported"),
    "user.reset_password": _l("Password reset"),
    "user.update": _l("Person changed"),
    "xxqg.delete": _l("学习强国 export deleted"),
    "xxqg.import": _l("学习强国 points imported"),
}

KEYS = {
    "at": _l("Publishes at"),
    "attendance": _l("Attendance changed (people)"),
    "award": _l("Award's reason"),
    "award_id": _l("Award number"),
    "bank": _l("Bank"),
    "bank_id": _l("Bank number"),
    "branch_id": _l("Branch"),
    "branches_created": _l("Branches created"),
    "changes": _l("Scores changed"),
    "closes_at": _l("Closes for this person"),
    "created": _l("Created"),
    "daily_cap": _l("Daily cap"),
    "display_id": _l("Screen number"),
    "display_name": _l("Full name"),
    "document_id": _l("Document number"),
    "enabled": _l("In use"),
    "excellent": _l("Excellent (优秀)"),
    "exam_id": _l("Test number"),
    "exported_on": _l("Exported on"),
    "extra_minutes": _l("Extra minutes"),
    "feed": _l("Calendar address number"),
    "format": _l("Format"),
    "items": _l("Items"),
    "kind": _l("Kind of meeting"),
    "matched": _l("Matched"),
    "meeting": _l("Meeting number"),
    "monthly": _l("Monthly notice on schedule"),
    "new": _l("New questions"),
    "new_name": _l("New name"),
    "new_order": _l("New order"),
    "new_parent_id": _l("Now under"),
    "old_order": _l("Old order"),
    "old_parent_id": _l("Was under"),
    "parent_id": _l("Under"),
    "per_action": _l("Points per action"),
    "people": _l("People"),
    "period": _l("Period"),
    "plan": _l("Plan number"),
    "points": _l("Points"),
    "publication_id": _l("Notice number"),
    "question": _l("Question"),
    "questions": _l("Questions"),
    "reason": _l("Reason"),
    "redrawn": _l("Drawn again"),
    "replaced": _l("Drafts replaced"),
    "reminded": _l("People reminded"),
    "reflection": _l("Reflection number"),
    "replaces_feed": _l("Replaces calendar address number"),
    "role": _l("Role"),
    "set_id": _l("Practice set number"),
    "size": _l("Size in bytes"),
    "start": _l("Starting"),
    "tests": _l("Tests still to come"),
    "threshold": _l("Highlight under"),
    "top_n": _l("Highlight the first"),
    "unchanged": _l("Unchanged"),
    "unmatched": _l("Not matched"),
    "updated": _l("Updated"),
    "user": _l("工号"),
    "version": _l("Version"),
    "versions": _l("New versions"),
    "weekly": _l("Weekly notice on schedule"),
    "weekly_cap": _l("Weekly cap"),
    "with_xxqg": _l("With the 学习强国 figures"),
    "year": _l("Year"),
}

_BRANCH_KEYS = {"branch_id", "parent_id", "old_parent_id", "new_parent_id"}
_CAPS = {"daily_cap", "weekly_cap"}
_DAYS = {"exported_on", "start"}
_SWITCHES = {"weekly", "monthly"}  # a schedule switched on or off


def _path(parents: Mapping[int, tuple[str, int | None]], branch_id: int) -> str:
    names: list[str] = []
    current: int | None = branch_id
    while current is not None and current in parents and len(names) < len(parents):  # a cycle ends
        name, current = parents[current]
        names.append(name)
    return " / ".join(reversed(names))


def _period(kind: str, start: date) -> str:
    """A published week or month (points.models.Period's values) from the kind and first day an
    event records, as the pages say it: 2026年11月30日至12月6日, 2026年11月."""
    if kind == "week":
        return i18n.period_text(start, start + timedelta(days=6))
    if kind == "month":
        return i18n.period_text(
            start, (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        )
    return f"{kind} {start.isoformat()}"  # nothing else is published


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


class Describer:
    """Turns events' details into (label, text) pairs; branch ids become paths (机关党委 / 第三党支部 /
    第二党小组: every 党支部 may have a 第二党小组), from one query of the small branch table a page."""

    def __init__(self, session: Session, events: list[AuditEvent]) -> None:
        named = any(key in _BRANCH_KEYS for event in events for key in event.detail)
        rows = session.execute(select(Branch.id, Branch.name, Branch.parent_id)).all() if named else []
        parents = {row.id: (row.name, row.parent_id) for row in rows}
        self.branch_names: Mapping[int, str] = {branch_id: _path(parents, branch_id) for branch_id in parents}

    def __call__(self, event: AuditEvent) -> list[tuple[str, str]]:
        detail = dict(event.detail)
        if event.action.startswith("publication.") and "period" in detail and "start" in detail:
            # A notice's period is one thing: its kind and first day, said as its dates.
            start = detail.pop("start")
            detail["period"] = _period(str(detail["period"]), date.fromisoformat(str(start)))
        return [
            (str(KEYS.get(key, key)), self._text(event.action, key, value)) for key, value in detail.items()
        ]

    def _text(self, action: str, key: str, value: object) -> str:
        if key in ("people", "tests") and isinstance(value, list):  # 工号, or titles of tests
            return format_list([str(item) for item in value], locale=get_locale()) if value else "—"
        if isinstance(value, list) and key != "changes":  # user.update: [old, new]
            return " → ".join(self._text(action, key, item) for item in value)
        if isinstance(value, bool):
            if key in _SWITCHES:
                return _("On") if value else _("Off")
            return _("Yes") if value else _("No")
        if value is None or value == "None":
            if key in _CAPS:
                return _("No cap")
            if key == "branch_id" and action.startswith(("publication.", "plan.remind")):
                return _("The whole organisation")
            return "—"
        if key in _BRANCH_KEYS and str(value).isdigit():
            return self.branch_names.get(int(str(value)), f"#{value}")
        if key in _DAYS and isinstance(value, str):
            try:
                return i18n.long_day_text(date.fromisoformat(value))
            except ValueError:
                return value
        if key == "role" and value in ROLE_LABELS:  # Role is a StrEnum: "cadre" finds Role.CADRE
            return str(ROLE_LABELS[Role(str(value))])
        if key == "kind" and action == "plan.meeting_save" and value in MEETING_LABELS:
            return str(MEETING_LABELS[MeetingKind(str(value))])
        if key in {"closes_at", "at"} and isinstance(value, str):
            return format_datetime(datetime.fromisoformat(value), "yyyy-MM-dd HH:mm")
        if key == "changes" and isinstance(value, list):
            return "; ".join(
                f"{change['user']} #{change['attempt']}: {change['old']} → {change['new']}"
                for change in value
            )
        return str(value)
