"""三会一课 records: a meeting of a 党支部 or a 党小组, who was there, on leave or absent, its
minutes and photos, and each 党支部's count of meetings in a quarter against the rules.

Administrators record any branch's meetings, a secretary those of their own 党支部 and its 党小组
(accounts.visible_branch_ids); a meeting outside them is not found. Everyone of the meeting's branch
may read its record (not who else was absent, nor why). The attendance lists the branch's members:
everyone in the branch (or below it) now, and whoever was recorded before even if they have since
moved or left, so a record made later lists the people as they were at the meeting as far as the
app can know.

Attending earns the 三会一课 rule's points once per meeting and person, and completes the plan
item the meeting is linked to (its own points once, plans.service.mark_done, dated when the meeting
began). A meeting is the meeting of an item only if it is of the item's kind and held within the
item's time (window()): an old record cannot complete next month's item. A presence corrected
later to leave or absence takes those points back through the points service, dated as they were
given, and the item is to do again: the ledger and the plan then say what happened, not what was
first typed. Someone on leave (请假, a reason required) earns nothing, and their item shows 请假 and
is never overdue; someone absent (缺席) earns nothing, and their item shows 缺席: not done (behind
on 学习进度) but over, so they are not reminded of it.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from studyhall import clock
from studyhall.accounts import service as accounts
from studyhall.accounts.levels import Level, Tree
from studyhall.accounts.models import Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.pagination import Page, paginate
from studyhall.plans import dates, documents
from studyhall.plans import service as plans
from studyhall.plans.document_formats import DocumentKind
from studyhall.plans.documents import Document
from studyhall.plans.kinds import MEETING_LABELS
from studyhall.plans.meeting_models import Attendance, AttendanceStatus, Meeting, MeetingAttachment
from studyhall.plans.models import ItemKind, MeetingKind, Plan, PlanItem, ProgressState
from studyhall.points import service as points
from studyhall.points.service import RuleKey

MAX_TOPIC = 200
MAX_PLACE = 200
MAX_NAME = 100
MAX_REASON = 200
MAX_AGENDA = 5_000
MAX_MINUTES = 50_000
MAX_LENGTH = timedelta(hours=12)  # a meeting longer than this is a mistyped end
AHEAD = timedelta(days=366)  # a meeting recorded ahead of time is at most a year away
LATE = timedelta(days=2)  # a meeting put off a day or two (Sunday's held on Tuesday) is still the item's
MAX_PHOTOS = 30  # of one meeting
MEETINGS_PER_PAGE = 30
BRANCHES_PER_PAGE = 20
EDITORS = (Role.ADMIN, Role.SECRETARY)

STATUS_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LEAVE: _l("On leave"),
    AttendanceStatus.ABSENT: _l("Absent"),
}

# A meeting's fields as its form and its messages name them (MeetingSpec's names).
FIELD_LABELS = {
    "branch_id": _l("Held by"),
    "kind": _l("Kind of meeting"),
    "topic": _l("Topic"),
    "starts_at": _l("Start time"),
    "ends_at": _l("End time"),
    "place": _l("Meeting place"),
    "host": _l("Host"),
    "recorder": _l("Recorder"),
    "agenda": _l("Agenda"),
    "minutes": _l("Minutes"),
    "item_id": _l("Plan item"),
    "attendance": _l("Attendance"),
    "photos": _l("Photos"),
}


class MeetingError(DomainError):
    """What is wrong with one field of a meeting, naming it: "Topic: give the meeting's topic."."""

    def __init__(self, field_name: str, reason: str, code: ErrorCode = ErrorCode.INVALID) -> None:
        label = FIELD_LABELS[field_name]
        super().__init__(_("%(field)s: %(reason)s", field=label, reason=reason), code)
        self.field = field_name
        self.reason = reason


@dataclass
class MeetingSpec:
    branch_id: int | None
    kind: str | None
    topic: str
    starts_at: datetime | None
    ends_at: datetime | None = None
    place: str = ""
    host_id: int | None = None
    host_name: str = ""  # someone from outside the 党支部, by name
    recorder_id: int | None = None
    recorder_name: str = ""
    agenda: str = ""
    minutes: str = ""
    item_id: int | None = None


@dataclass(frozen=True)
class Mark:
    """One person's attendance as the form sends it; status None: not recorded (someone not expected
    at this meeting, such as a member who is not on the 支部委员会)."""

    user_id: int
    status: AttendanceStatus | None
    reason: str = ""


# ---- who may do what ---------------------------------------------------------------------------


def _editor_scope(session: Session, actor: User) -> set[int] | None:
    """The branches whose meetings the actor records (None: all); anyone else records none."""
    if actor.role not in EDITORS:
        raise DomainError(_("No such meeting."), ErrorCode.NOT_FOUND)
    return accounts.visible_branch_ids(session, actor)


def _in_scope(scope: set[int] | None) -> ColumnElement[bool]:
    return true() if scope is None else Meeting.branch_id.in_(scope)


def may_edit(session: Session, actor: User, meeting: Meeting) -> bool:
    if actor.role not in EDITORS:
        return False
    scope = accounts.visible_branch_ids(session, actor)
    return scope is None or meeting.branch_id in scope


def editable(session: Session, actor: User, meeting_id: int) -> Meeting:
    """A meeting the actor records: any for administrators, their 党支部's for a secretary."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not may_edit(session, actor, meeting):
        raise DomainError(_("No such meeting."), ErrorCode.NOT_FOUND)
    return meeting


def _belongs(session: Session, user: User, meeting: Meeting) -> bool:
    """Whether the person is of the meeting's branch (or below it), or was recorded at it."""
    if user.branch_id is not None and user.branch_id in accounts.subtree_ids(session, meeting.branch_id):
        return True
    return bool(
        session.scalar(
            select(exists().where(Attendance.meeting_id == meeting.id, Attendance.user_id == user.id))
        )
    )


def viewable(session: Session, user: User, meeting_id: int) -> Meeting:
    """A meeting the person may read: one they record, one of their own branch, or one they were
    recorded at. Anyone else's is not found."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not (may_edit(session, user, meeting) or _belongs(session, user, meeting)):
        raise DomainError(_("No such meeting."), ErrorCode.NOT_FOUND)
    return meeting


def branches(session: Session, actor: User) -> list[tuple[int, str]]:
    """The branches whose meetings the actor records, each 党支部 followed by its 党小组: (id, name
    as a path, 第一党支部 / 第一党小组)."""
    scope = _editor_scope(session, actor)
    tree = Tree.read(session)
    found = []
    for branch_id in tree.branches:
        for unit in [branch_id, *(group for group in tree.groups if tree.parent[group] == branch_id)]:
            if scope is None or unit in scope:
                found.append((unit, tree.path(unit)))
    return found


# ---- the attendance list ---------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    person: User
    where: str  # the person's 党小组 (or 党支部), as a path
    attendance: Attendance | None


def roster(session: Session, branch_id: int, meeting: Meeting | None = None) -> list[RosterRow]:
    """Who a meeting of the branch lists: the active people of the branch and below it, and anyone
    the meeting has recorded (moved or left since), by 党小组 and 工号."""
    recorded = {row.user_id: row for row in meeting.attendance} if meeting is not None else {}
    members = accounts.subtree_ids(session, branch_id)
    people = session.scalars(
        select(User).where(
            or_(
                and_(User.branch_id.in_(members), User.active),
                User.id.in_(list(recorded)) if recorded else false(),
            )
        )
    )
    tree = Tree.read(session)
    rows = [RosterRow(person, tree.path(person.branch_id), recorded.get(person.id)) for person in people]
    return sorted(rows, key=lambda row: (row.where, row.person.username))


@dataclass(frozen=True)
class Counts:
    present: int = 0
    leave: int = 0
    absent: int = 0

    @property
    def recorded(self) -> int:
        """应到: everyone recorded."""
        return self.present + self.leave + self.absent


def counts(meeting: Meeting) -> Counts:
    statuses = [row.status for row in meeting.attendance]
    return Counts(*(statuses.count(status) for status in AttendanceStatus))


def _counts_of(session: Session, meeting_ids: list[int]) -> dict[int, Counts]:
    found: dict[int, dict[AttendanceStatus, int]] = {}
    if meeting_ids:
        for meeting_id, status, number in session.execute(
            select(Attendance.meeting_id, Attendance.status, func.count())
            .where(Attendance.meeting_id.in_(meeting_ids))
            .group_by(Attendance.meeting_id, Attendance.status)
        ):
            found.setdefault(meeting_id, {})[status] = number
    return {
        meeting_id: Counts(*(found.get(meeting_id, {}).get(status, 0) for status in AttendanceStatus))
        for meeting_id in meeting_ids
    }


# ---- checking what is sent ---------------------------------------------------------------------


def _kind(value: str | None) -> MeetingKind:
    try:
        return MeetingKind(value or "")
    except ValueError:
        raise MeetingError("kind", _("choose the kind of meeting.")) from None


def _branch(tree: Tree, scope: set[int] | None, branch_id: int | None, kind: MeetingKind) -> int:
    """A branch that holds this kind of meeting: a 党小组 (or a 党支部 without any) its 党小组会,
    a 党支部 the rest (第十一条 to 第十三条 of the 支部工作条例)."""
    if branch_id is None or branch_id not in tree.names:
        raise MeetingError("branch_id", _("choose the 党支部 or 党小组."))
    if scope is not None and branch_id not in scope:
        raise MeetingError("branch_id", _("a branch outside your 党支部."), ErrorCode.FORBIDDEN)
    has_groups = any(tree.parent[group] == branch_id for group in tree.groups)
    if kind is MeetingKind.GROUP:
        if branch_id in tree.groups or (branch_id in tree.branches and not has_groups):
            return branch_id
        raise MeetingError("branch_id", _("a 党小组会 is held by a 党小组: choose one."))
    if branch_id in tree.branches:
        return branch_id
    raise MeetingError(
        "branch_id", _("a %(kind)s is held by a 党支部, not a 党小组.", kind=MEETING_LABELS[kind])
    )


def _text(value: str, field_name: str, limit: int, *, required: str | None = None) -> str:
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        raise MeetingError(field_name, required)
    if len(value) > limit:
        raise MeetingError(field_name, _("at most %(n)d characters.", n=limit))
    return value


def _person(
    session: Session,
    tree: Tree,
    branch_id: int,
    user_id: int | None,
    name: str,
    field_name: str,
    recorded: int | None,
) -> tuple[int | None, str]:
    """Someone of the meeting's 党支部 (an id), or anyone else by name. The person the record names
    already stays, though they have since moved or left."""
    if user_id is not None and user_id == recorded:
        return user_id, ""
    if user_id is not None:
        unit = tree.unit_of(branch_id, Level.BRANCH) or branch_id
        person = session.get(User, user_id)
        if person is None or person.branch_id not in accounts.subtree_ids(session, unit):
            raise MeetingError(
                field_name, _("choose someone of the 党支部, or write the name of someone from outside.")
            )
        return person.id, ""
    name = _text(name, field_name, MAX_NAME, required=_("choose someone, or write their name."))
    return None, name


def window(item: PlanItem) -> tuple[datetime, datetime]:
    """When a meeting must begin to be the meeting of the item: from the first local midnight of its
    plan's period to LATE after the item's planned time or due time, whichever is later, but never
    more than LATE after the period ends. The item's points and completion are dated when its
    meeting began, so they fall in the item's time too, never months before the plan."""
    zone = clock.local_zone()
    plan = item.plan
    opens = datetime.combine(plan.start, time.min, zone)
    period_ends = datetime.combine(
        plans.period_end(plan.period, plan.start) + timedelta(days=1), time.min, zone
    )
    planned = max(item.due_at, item.starts_at or item.due_at)
    return opens, min(planned, period_ends) + LATE


def linkable_items(
    session: Session,
    actor: User,
    *,
    now: datetime,
    kind: MeetingKind | None = None,
    starts_at: datetime | None = None,
    limit: int = 100,
) -> list[PlanItem]:
    """The meeting items a meeting may complete: of published plans the actor may see as a planner
    (the organisation's and their 党支部's), latest first; once the meeting's kind and start are
    known, only items of that kind whose window() holds the start."""
    scope = _editor_scope(session, actor)
    query = (
        select(PlanItem)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(PlanItem.kind == ItemKind.MEETING, plans.visible(now))
        .order_by(Plan.start.desc(), PlanItem.position)
        .options(selectinload(PlanItem.plan))
    )
    if scope is not None:
        query = query.where(or_(Plan.branch_id.is_(None), Plan.branch_id.in_(scope)))
    if kind is not None:
        query = query.where(PlanItem.meeting_kind == kind)
    if starts_at is None:
        return list(session.scalars(query.limit(limit)))
    # The plans that can hold the start (begun by then, within a month and LATE of it), then exactly.
    day = starts_at.astimezone(clock.local_zone()).date()
    query = query.where(Plan.start <= day, Plan.start >= day - timedelta(days=31) - LATE)
    found = [item for item in session.scalars(query) if _holds(window(item), starts_at)]
    return found[:limit]


def _holds(bounds: tuple[datetime, datetime], moment: datetime) -> bool:
    return bounds[0] <= moment <= bounds[1]


def _item(
    session: Session,
    scope: set[int] | None,
    item_id: int | None,
    kind: MeetingKind,
    starts_at: datetime,
    now: datetime,
) -> PlanItem | None:
    if item_id is None:
        return None
    item = session.get(PlanItem, item_id)
    plan = item.plan if item is not None else None
    if (
        item is None
        or plan is None
        or item.kind is not ItemKind.MEETING
        or (scope is not None and plan.branch_id is not None and plan.branch_id not in scope)
    ):
        raise MeetingError("item_id", _("choose a meeting item of a plan."))
    if not plans.appeared(plan, now):
        raise MeetingError("item_id", _("its plan is not published yet."))
    if item.meeting_kind is not kind:
        raise MeetingError(
            "item_id",
            _(
                "the item is for a %(item_kind)s, and this meeting is a %(kind)s.",
                item_kind=MEETING_LABELS[item.meeting_kind] if item.meeting_kind else "—",
                kind=MEETING_LABELS[kind],
            ),
        )
    bounds = window(item)
    if not _holds(bounds, starts_at):
        raise MeetingError(
            "item_id",
            _(
                "the item is for a meeting held from %(opens)s to %(closes)s (its plan's period, and a"
                " day or two after its time), and this meeting began %(start)s.",
                opens=format_datetime(bounds[0], "yyyy-MM-dd HH:mm"),
                closes=format_datetime(bounds[1], "yyyy-MM-dd HH:mm"),
                start=format_datetime(starts_at, "yyyy-MM-dd HH:mm"),
            ),
        )
    return item


def _marks(
    session: Session,
    branch_id: int,
    meeting: Meeting | None,
    marks: list[Mark],
    starts_at: datetime,
    now: datetime,
) -> list[Mark]:
    """The marks checked against the list: each listed person once, a reason for leave, and no
    attendance before the meeting has begun."""
    listed = {row.person.id: row.person for row in roster(session, branch_id, meeting)}
    seen: set[int] = set()
    checked = []
    for mark in marks:
        person = listed.get(mark.user_id)
        if person is None or mark.user_id in seen:
            raise MeetingError("attendance", _("someone who is not on the meeting's list."))
        seen.add(mark.user_id)
        reason = (
            mark.reason.replace("\r\n", "\n").strip() if mark.status is not AttendanceStatus.PRESENT else ""
        )
        who = f"{person.display_name} ({person.username})"
        if mark.status is AttendanceStatus.LEAVE and not reason:
            raise MeetingError("attendance", _("%(who)s is on leave: give the reason.", who=who))
        if len(reason) > MAX_REASON:
            raise MeetingError(
                "attendance", _("%(who)s: the reason holds at most %(n)d characters.", who=who, n=MAX_REASON)
            )
        checked.append(Mark(mark.user_id, mark.status, reason))
    if any(mark.status is not None for mark in checked):
        check_begun(starts_at, now)
    return checked


def check_begun(starts_at: datetime | None, now: datetime) -> None:
    """Attendance is recorded once the meeting has begun (a meeting without a time yet: the save
    names the time it lacks)."""
    if starts_at is not None and starts_at > now:
        raise MeetingError("attendance", _("attendance is recorded once the meeting has begun."))


# ---- saving ------------------------------------------------------------------------------------


def save(
    session: Session,
    actor: User,
    spec: MeetingSpec,
    marks: list[Mark] | None = None,
    *,
    meeting_id: int | None = None,
    now: datetime,
) -> Meeting:
    """Record a new meeting, or change one, with its attendance (marks None: as it was). Everything
    is checked before anything is written, so a refusal changes nothing; the caller commits (and
    rolls back on a refusal). Saving the same again changes nothing and awards nothing more."""
    scope = _editor_scope(session, actor)
    meeting = None
    if meeting_id is not None:
        meeting = editable(session, actor, meeting_id)
        _lock(session, meeting)
    tree = Tree.read(session)
    kind = _kind(spec.kind)
    branch_id = _branch(tree, scope, spec.branch_id, kind)
    if meeting is not None and meeting.branch_id != branch_id and meeting.attendance:
        raise MeetingError(
            "branch_id", _("its attendance is recorded: the branch can no longer change."), ErrorCode.REFUSED
        )
    topic = _text(spec.topic, "topic", MAX_TOPIC, required=_("give the meeting's topic."))
    if spec.starts_at is None:
        raise MeetingError("starts_at", _("give the time the meeting began."))
    for name in ("starts_at", "ends_at"):
        value = getattr(spec, name)
        if value is not None and not dates.moment_ok(value):
            raise MeetingError(name, dates.out_of_range())
    if spec.starts_at > now + AHEAD:
        raise MeetingError("starts_at", _("a meeting is recorded at most a year ahead: check the year."))
    if spec.ends_at is not None and not spec.starts_at < spec.ends_at <= spec.starts_at + MAX_LENGTH:
        raise MeetingError("ends_at", _("the end must be after the start, on the same day."))
    place = _text(spec.place, "place", MAX_PLACE)
    host = _person(
        session, tree, branch_id, spec.host_id, spec.host_name, "host", meeting.host_id if meeting else None
    )
    recorder = _person(
        session,
        tree,
        branch_id,
        spec.recorder_id,
        spec.recorder_name,
        "recorder",
        meeting.recorder_id if meeting else None,
    )
    agenda = _text(spec.agenda, "agenda", MAX_AGENDA)
    minutes = _text(spec.minutes, "minutes", MAX_MINUTES)
    item = _item(session, scope, spec.item_id, kind, spec.starts_at, now)
    checked = None if marks is None else _marks(session, branch_id, meeting, marks, spec.starts_at, now)
    if meeting is None:
        meeting = Meeting(created_by_id=actor.id, created_at=now)
    elif meeting.attendance and meeting.starts_at != spec.starts_at and spec.starts_at > now:
        raise MeetingError(
            "starts_at",
            _("its attendance is recorded: it cannot move to a time still to come."),
            ErrorCode.REFUSED,
        )
    previous_item = meeting.item
    meeting.branch_id, meeting.kind, meeting.topic = branch_id, kind, topic
    meeting.starts_at, meeting.ends_at, meeting.place = spec.starts_at, spec.ends_at, place
    meeting.host_id, meeting.host_name = host
    meeting.recorder_id, meeting.recorder_name = recorder
    meeting.agenda, meeting.minutes = agenda, minutes
    meeting.item = item
    meeting.updated_by_id, meeting.updated_at = actor.id, now
    _flush_once(session, meeting)
    changed = _record(session, actor, meeting, checked, now) if checked else set()
    # Those whose item may change: the people changed, or everyone once the meeting completes
    # another item (or none).
    touched = changed if previous_item is item else changed | {row.user_id for row in meeting.attendance}
    if previous_item is not None and previous_item is not item:
        _sync_item(session, previous_item, touched, now)
    if item is not None:
        _sync_item(session, item, touched, now)
    accounts.record(
        session,
        actor,
        "plan.meeting_save",
        f"{tree.path(branch_id)} {topic}",
        now=now,
        meeting=meeting.id,
        kind=kind.value,
        attendance=len(changed),
    )
    return meeting


def _lock(session: Session, meeting: Meeting) -> None:
    """Hold the meeting's row until the caller commits, and read it afresh: of two saves at once (a
    double click, two secretaries), the second waits for the first and then sees its attendance.
    An UPDATE locks the row on PostgreSQL and takes SQLite's one write lock."""
    session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id)
        .values(updated_at=Meeting.updated_at)
        .execution_options(synchronize_session=False)
    )
    session.refresh(meeting)
    session.scalars(
        select(Attendance)
        .where(Attendance.meeting_id == meeting.id)
        .execution_options(populate_existing=True)
    ).all()
    session.expire(meeting, ["attendance"])


def _flush_once(session: Session, meeting: Meeting) -> None:
    """Write the meeting. A branch holds one meeting of a kind at a time: the same form sent twice
    (a double click on 保存) finds the first and is refused, rather than recording the meeting twice."""
    if meeting.id is None:
        session.add(meeting)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise MeetingError(
            "starts_at",
            _("a meeting of this kind at this time is recorded already: open it in the list to change it."),
            ErrorCode.DUPLICATE,
        ) from None


def source(meeting: Meeting) -> str:
    """The ledger source of a meeting's 三会一课 points."""
    return f"meeting:{meeting.id}"


def _record(session: Session, actor: User, meeting: Meeting, marks: list[Mark], now: datetime) -> set[int]:
    """Write the attendance and settle the 三会一课 points of each change; the people changed."""
    existing = {row.user_id: row for row in meeting.attendance}
    rule = points.rule(session, RuleKey.MEETING)
    changed: set[int] = set()
    for mark in marks:
        row = existing.get(mark.user_id)
        was = row.status if row is not None else None
        if was is mark.status and (row is None or row.reason == mark.reason):
            continue
        changed.add(mark.user_id)
        if was is AttendanceStatus.PRESENT and row is not None:
            # A presence corrected: what it earned is taken back, in the periods it was given in.
            points.settle(
                session,
                mark.user_id,
                RuleKey.MEETING,
                source(meeting),
                0,
                at=row.points_at or meeting.starts_at,
                reason=meeting.topic,
                by=actor,
            )
            row.points_at = None
        if mark.status is None:
            if row is not None:
                meeting.attendance.remove(row)
            continue
        if row is None:
            row = Attendance(user_id=mark.user_id, status=mark.status)
            meeting.attendance.append(row)
        row.status, row.reason = mark.status, mark.reason
        row.recorded_by_id, row.recorded_at = actor.id, now
        if mark.status is AttendanceStatus.PRESENT and was is not AttendanceStatus.PRESENT:
            row.points_at = meeting.starts_at
            if rule.enabled:
                # Settled, not awarded: a presence corrected away and back has left its rows.
                points.settle(
                    session,
                    mark.user_id,
                    RuleKey.MEETING,
                    source(meeting),
                    rule.points,
                    at=meeting.starts_at,
                    reason=meeting.topic,
                )
    meeting.recorded_at = (meeting.recorded_at or now) if meeting.attendance else None
    session.flush()
    return changed


def _sync_item(session: Session, item: PlanItem, people: Iterable[int], now: datetime) -> None:
    """Bring the item's completion in line with the attendance of every meeting linked to it: done
    for someone present at one of them (its points once), 请假 for someone on leave, 缺席 for
    someone only absent, to do again for anyone else who had it from a meeting. Only for those the item is for."""
    people = set(people)
    if not people or item.kind is not ItemKind.MEETING:
        return
    statuses: dict[int, dict[AttendanceStatus, datetime]] = {}
    for user_id, status, starts_at in session.execute(
        select(Attendance.user_id, Attendance.status, Meeting.starts_at)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Meeting.item_id == item.id, Attendance.user_id.in_(people))
        .order_by(Meeting.starts_at)
    ):
        statuses.setdefault(user_id, {}).setdefault(status, starts_at)
    for person in session.scalars(select(User).where(User.id.in_(people)).order_by(User.id)):
        try:
            plans.item_for(session, person, item.id, now=now)
        except DomainError:
            continue  # not in the item's audience: the meeting counts for its points only
        found = statuses.get(person.id, {})
        if AttendanceStatus.PRESENT in found:
            plans.mark_done(session, person, item, now=found[AttendanceStatus.PRESENT])
        elif AttendanceStatus.LEAVE in found:
            plans.reopen(session, person, item, state=ProgressState.EXCUSED, now=now)
        elif AttendanceStatus.ABSENT in found:
            plans.reopen(session, person, item, state=ProgressState.ABSENT, now=now)
        else:
            plans.reopen(session, person, item, now=now)


def delete(session: Session, actor: User, meeting_id: int, *, now: datetime) -> None:
    """Delete a meeting recorded by mistake: the points its attendance gave are taken back and its
    item's completions with them, then the record goes. The caller commits."""
    meeting = editable(session, actor, meeting_id)
    _lock(session, meeting)
    recorded = {row.user_id for row in meeting.attendance}
    _record(session, actor, meeting, [Mark(user_id, None) for user_id in recorded], now)
    item = meeting.item
    meeting.item = None
    session.flush()
    if item is not None:
        _sync_item(session, item, recorded, now)
    accounts.record(
        session,
        actor,
        "plan.meeting_delete",
        f"{Tree.read(session).path(meeting.branch_id)} {meeting.topic}",
        now=now,
        meeting=meeting.id,
    )
    session.delete(meeting)
    session.flush()


# ---- photos ------------------------------------------------------------------------------------


def add_photos(
    session: Session,
    actor: User,
    meeting_id: int,
    files: list[tuple[str, IO[bytes]]],
    *,
    root: Path,
    limit: int,
    now: datetime,
) -> list[Document]:
    """Keep photos of the meeting, each checked and drawn again as plans.document_formats.Photo
    says; a refused one names its file, and none of the upload is kept. The caller commits."""
    meeting = editable(session, actor, meeting_id)
    if not files:
        raise MeetingError("photos", _("choose one or more photos."))
    if len(meeting.attachments) + len(files) > MAX_PHOTOS:
        raise MeetingError("photos", _("a meeting keeps at most %(n)d photos.", n=MAX_PHOTOS))
    kept = []
    for filename, stream in files:
        try:
            document = documents.store(
                session,
                actor,
                filename,
                stream,
                root=root,
                limits={DocumentKind.IMAGE: limit},
                image_url=lambda _document_id, _name: "",  # a photo has no pictures inside
                now=now,
                action="plan.meeting_photo_add",
                about={"meeting": meeting.id},
            )
        except DomainError as refused:
            raise MeetingError("photos", f"{filename}: {refused.message}", refused.code) from None
        meeting.attachments.append(MeetingAttachment(document=document, added_by_id=actor.id, added_at=now))
        kept.append(document)
    meeting.updated_by_id, meeting.updated_at = actor.id, now
    session.flush()
    return kept


def photo(session: Session, user: User, meeting_id: int, document_id: int) -> Document:
    """A photo of a meeting the person may read; any other is not found."""
    meeting = viewable(session, user, meeting_id)
    for attachment in meeting.attachments:
        if attachment.document_id == document_id:
            return attachment.document
    raise DomainError(_("No such photo."), ErrorCode.NOT_FOUND)


def remove_photo(session: Session, actor: User, meeting_id: int, document_id: int, *, now: datetime) -> None:
    meeting = editable(session, actor, meeting_id)
    for attachment in meeting.attachments:
        if attachment.document_id == document_id:
            meeting.attachments.remove(attachment)
            accounts.record(
                session,
                actor,
                "plan.meeting_photo_remove",
                f"{meeting.topic}: {attachment.document.filename}",
                now=now,
                meeting=meeting.id,
                document_id=document_id,
            )
            session.flush()
            return
    raise DomainError(_("No such photo."), ErrorCode.NOT_FOUND)


# ---- quarters ----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str | None) -> Quarter | None:
        """2026Q2 (as the pages write it); None for anything else."""
        year, _separator, number = (text or "").upper().partition("Q")
        if dates.year_arg(year) is None or number not in {"1", "2", "3", "4"}:
            return None
        return cls(int(year), int(number))

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def last_day(self) -> date:
        return self.next.first_day - timedelta(days=1)

    def bounds(self) -> tuple[datetime, datetime]:
        """From its first local midnight to the next quarter's, in the organisation's zone."""
        zone = clock.local_zone()
        start = datetime.combine(self.first_day, datetime.min.time(), zone)
        return start, datetime.combine(self.next.first_day, datetime.min.time(), zone)


def _held_in(quarter: Quarter) -> ColumnElement[bool]:
    start, end = quarter.bounds()
    return and_(Meeting.recorded_at.is_not(None), Meeting.starts_at >= start, Meeting.starts_at < end)


# ---- the lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    meeting: Meeting
    counts: Counts


def meetings_page(
    session: Session,
    actor: User,
    *,
    branch_id: int | None = None,
    kind: MeetingKind | None = None,
    quarter: Quarter | None = None,
    page: int = 1,
) -> Page[Row]:
    """The meetings the actor records, latest first: of a branch (and its 党小组), of a kind, of a
    quarter."""
    scope = _editor_scope(session, actor)
    query = select(Meeting).where(_in_scope(scope)).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if branch_id is not None:
        query = query.where(Meeting.branch_id.in_(accounts.subtree_ids(session, branch_id)))
    if kind is not None:
        query = query.where(Meeting.kind == kind)
    if quarter is not None:
        start, end = quarter.bounds()
        query = query.where(Meeting.starts_at >= start, Meeting.starts_at < end)
    found = paginate(session, query, page, MEETINGS_PER_PAGE)
    tallies = _counts_of(session, [meeting.id for meeting in found.items])
    return Page(
        [Row(meeting, tallies[meeting.id]) for meeting in found.items],
        found.total,
        found.page,
        found.per_page,
    )


@dataclass(frozen=True)
class Requirement:
    kind: MeetingKind
    minimum: int | None  # in a quarter; None: counted, not required
    basis: object  # lazy text: where the rule comes from


# 《中国共产党支部工作条例（试行）》(2018): the 党员大会 once a quarter (第十一条), the 支部委员会 once a
# month (第十二条), each 党小组 once a month (第十三条). The 条例 has members attend 党课 regularly
# without a number; once a quarter is the rule party committees commonly set. 主题党日 are counted
# and shown, not checked: a branch often holds one together with one of the meetings above.
REQUIREMENTS = (
    Requirement(MeetingKind.ASSEMBLY, 1, _l("Article 11: the 党员大会 is held once a quarter as a rule.")),
    Requirement(MeetingKind.COMMITTEE, 3, _l("Article 12: the 支部委员会 meets once a month as a rule.")),
    Requirement(MeetingKind.GROUP, 3, _l("Article 13: each 党小组 meets once a month as a rule.")),
    Requirement(
        MeetingKind.LECTURE,
        1,
        _l(
            "At least once a quarter: the 条例 has members attend 党课 regularly; the number is the common rule."
        ),
    ),
    Requirement(
        MeetingKind.THEME_DAY,
        None,
        _l("Counted, not checked: held monthly, often with one of the meetings above."),
    ),
)


class Met(enum.StrEnum):
    MET = "met"
    SHORT = "short"
    COUNTED = "counted"  # nothing required


@dataclass(frozen=True)
class Line:
    kind: MeetingKind
    unit: str  # the 党小组's name for a 党小组会 of a 党支部 with 党小组, else ""
    held: int
    minimum: int | None

    @property
    def state(self) -> Met:
        if self.minimum is None:
            return Met.COUNTED
        return Met.MET if self.held >= self.minimum else Met.SHORT


@dataclass(frozen=True)
class BranchCheck:
    branch_id: int
    name: str
    lines: list[Line] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(line.state is not Met.SHORT for line in self.lines)


@dataclass(frozen=True)
class Checklist:
    quarter: Quarter
    page: Page[BranchCheck]
    complete: int  # of all the 党支部 shown on every page


def checklist(session: Session, actor: User, quarter: Quarter, *, page: int = 1) -> Checklist:
    """Each 党支部's meetings held in the quarter (attendance recorded, begun within the quarter in
    the organisation's zone), by kind, against REQUIREMENTS; 党小组会 per 党小组 where it has them.
    Administrators see every 党支部, a secretary their own."""
    scope = _editor_scope(session, actor)
    tree = Tree.read(session)
    shown = [branch_id for branch_id in tree.branches if scope is None or branch_id in scope]
    held: dict[tuple[int, MeetingKind], int] = {}
    for branch_id, kind, number in session.execute(
        select(Meeting.branch_id, Meeting.kind, func.count())
        .where(_held_in(quarter), _in_scope(scope))
        .group_by(Meeting.branch_id, Meeting.kind)
    ):
        unit = branch_id if kind is MeetingKind.GROUP else tree.unit_of(branch_id, Level.BRANCH)
        if unit is not None:
            held[(unit, kind)] = held.get((unit, kind), 0) + number
    checks = []
    for branch_id in shown:
        groups = [group for group in tree.groups if tree.parent[group] == branch_id]
        lines = []
        for requirement in REQUIREMENTS:
            if requirement.kind is MeetingKind.GROUP and groups:
                lines += [
                    Line(
                        requirement.kind,
                        tree.names[group],
                        held.get((group, requirement.kind), 0),
                        requirement.minimum,
                    )
                    for group in groups
                ]
            else:
                lines.append(
                    Line(
                        requirement.kind, "", held.get((branch_id, requirement.kind), 0), requirement.minimum
                    )
                )
        checks.append(BranchCheck(branch_id, tree.names[branch_id], lines))
    number = max(1, min(page, -(-len(checks) // BRANCHES_PER_PAGE)))
    first = (number - 1) * BRANCHES_PER_PAGE
    return Checklist(
        quarter,
        Page(checks[first : first + BRANCHES_PER_PAGE], len(checks), number, BRANCHES_PER_PAGE),
        sum(check.complete for check in checks),
    )


# ---- what a person sees ------------------------------------------------------------------------


def attended(session: Session, user: User, year: int) -> list[Meeting]:
    """The meetings the person was recorded present at whose start falls in `year` (in the
    organisation's zone), earliest first: their record of 三会一课 (我的学习档案 reads it)."""
    zone = clock.local_zone()
    start = datetime.combine(date(year, 1, 1), datetime.min.time(), zone)
    end = datetime.combine(date(year + 1, 1, 1), datetime.min.time(), zone)
    return list(
        session.scalars(
            select(Meeting)
            .join(Attendance, Attendance.meeting_id == Meeting.id)
            .where(
                Attendance.user_id == user.id,
                Attendance.status == AttendanceStatus.PRESENT,
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .options(selectinload(Meeting.item).selectinload(PlanItem.plan))
        )
    )


@dataclass(frozen=True)
class Held:
    """When a plan's meeting item was actually held, as its 三会一课 record says."""

    starts_at: datetime
    ends_at: datetime | None
    updated_at: datetime


def held(session: Session, item_ids: Collection[int]) -> dict[int, Held]:
    """The record of each of these meeting items' meeting (the latest, if several name it)."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(Meeting.item_id, Meeting.starts_at, Meeting.ends_at, Meeting.updated_at)
        .where(Meeting.item_id.in_(list(item_ids)))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return {
        item_id: Held(starts_at, ends_at, updated_at)
        for item_id, starts_at, ends_at, updated_at in rows
        if item_id is not None  # the query asks for named items only; the column may be empty
    }


@dataclass(frozen=True)
class Seen:
    """A meeting linked to an item as the person sees it: their own attendance (None: not recorded)."""

    meeting: Meeting
    mine: Attendance | None
    counts: Counts


def for_item(session: Session, user: User, item: PlanItem) -> list[Seen]:
    """The meetings that complete the item which the person may read: those of their branch, or
    that recorded them."""
    meetings = session.scalars(select(Meeting).where(Meeting.item_id == item.id).order_by(Meeting.starts_at))
    seen = []
    for meeting in meetings:
        if may_edit(session, user, meeting) or _belongs(session, user, meeting):
            mine = next((row for row in meeting.attendance if row.user_id == user.id), None)
            seen.append(Seen(meeting, mine, counts(meeting)))
    return seen
