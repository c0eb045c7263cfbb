"""Writing, scheduling and publishing plans, who sees which item, and marking items done.

Administrators plan for the whole organisation (a plan without a branch), a secretary for their
own 党支部. A plan set to publish at Monday 08:00 appears then: a scheduled plan is shown once its time has
come, whether or not the scheduler's sweep has marked it published yet (a server that was down at
08:00 shows it as soon as it is back, and the sweep catches up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, CursorResult, and_, exists, inspect, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from studyhall import clock
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Branch, Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.plans import kinds
from studyhall.plans.models import (
    ItemAudience,
    ItemKind,
    Plan,
    PlanItem,
    PlanPeriod,
    PlanStatus,
    Progress,
    ProgressState,
)
from studyhall.points import service as points
from studyhall.points.service import RuleKey

MAX_ITEMS = 30
MAX_ITEM_POINTS = 100


@dataclass
class ItemSpec:
    kind: ItemKind
    title: str
    due_at: datetime
    points: int = 1
    body_html: str = ""
    document_id: int | None = None
    link_url: str = ""
    min_seconds: int | None = None
    meeting_kind: str | None = None
    starts_at: datetime | None = None
    place: str = ""
    prompt: str = ""
    min_chars: int | None = None
    exam_id: int | None = None
    branch_ids: list[int] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)


@dataclass
class PlanSpec:
    period: PlanPeriod
    start: date
    theme: str
    branch_id: int | None = None  # None: the whole organisation
    notes: str = ""
    items: list[ItemSpec] = field(default_factory=list)


def period_start(period: PlanPeriod, day: date) -> date:
    """The Monday of the day's week, or the 1st of its month."""
    return day - timedelta(days=day.weekday()) if period is PlanPeriod.WEEK else day.replace(day=1)


def _check_scope(session: Session, actor: User, branch_id: int | None) -> set[int] | None:
    """The branches the actor may plan for (None: all); refuses a plan outside them."""
    if actor.role == Role.ADMIN:
        if branch_id is not None and session.get(Branch, branch_id) is None:
            raise DomainError(_("No such branch."), ErrorCode.INVALID)
        return None
    own = accounts.visible_branch_ids(session, actor) or set()
    if actor.role != Role.SECRETARY or branch_id is None or branch_id != actor.branch_id:
        raise DomainError(_("A secretary plans for their own 党支部 only."), ErrorCode.FORBIDDEN)
    return own


def _items(session: Session, spec: PlanSpec, allowed: set[int] | None) -> list[PlanItem]:
    if len(spec.items) > MAX_ITEMS:
        raise DomainError(_("A plan holds at most %(n)d items.", n=MAX_ITEMS), ErrorCode.INVALID)
    items = []
    for position, item in enumerate(spec.items, start=1):
        where = _("Item %(n)d", n=position)
        if not item.title.strip():
            raise DomainError(_("%(where)s: give it a title.", where=where), ErrorCode.INVALID)
        if not 0 <= item.points <= MAX_ITEM_POINTS:
            raise DomainError(
                _("%(where)s: points must be between 0 and %(n)d.", where=where, n=MAX_ITEM_POINTS),
                ErrorCode.INVALID,
            )
        kinds.get(item.kind).check(session, item, where)
        audience = [ItemAudience(branch_id=branch_id) for branch_id in item.branch_ids]
        if allowed is not None and any(branch_id not in allowed for branch_id in item.branch_ids):
            raise DomainError(_("%(where)s: a branch outside your 党支部.", where=where), ErrorCode.FORBIDDEN)
        found = accounts.usernames(session, item.usernames)
        if missing := [name for name in item.usernames if name not in found]:
            raise DomainError(
                _("%(where)s: unknown 工号 %(names)s.", where=where, names="、".join(missing)),
                ErrorCode.INVALID,
            )
        if allowed is not None and any(person.branch_id not in allowed for person in found.values()):
            raise DomainError(_("%(where)s: a person outside your 党支部.", where=where), ErrorCode.FORBIDDEN)
        audience += [ItemAudience(user_id=person.id) for person in found.values()]
        items.append(
            PlanItem(
                position=position,
                kind=item.kind,
                title=item.title.strip(),
                due_at=item.due_at,
                points=item.points,
                body_html=item.body_html,
                document_id=item.document_id,
                link_url=item.link_url.strip(),
                min_seconds=item.min_seconds,
                meeting_kind=item.meeting_kind,
                starts_at=item.starts_at,
                place=item.place.strip(),
                prompt=item.prompt.strip(),
                min_chars=item.min_chars,
                exam_id=item.exam_id,
                audience=audience,
            )
        )
    return items


def save_plan(
    session: Session, actor: User, spec: PlanSpec, *, plan_id: int | None = None, now: datetime
) -> Plan:
    """Create a draft plan, or replace a plan's settings and items. A published plan's items keep
    their progress: an item someone has done cannot be taken out (see _keep_done)."""
    allowed = _check_scope(session, actor, spec.branch_id)
    if not spec.theme.strip():
        raise DomainError(_("Give the plan a theme."), ErrorCode.INVALID)
    start = period_start(spec.period, spec.start)
    items = _items(session, spec, allowed)
    if plan_id is None:
        plan = Plan(created_by_id=actor.id, created_at=now)
        session.add(plan)
    else:
        plan = editable(session, actor, plan_id)
        _keep_done(session, plan, len(items))
    plan.period, plan.start, plan.branch_id = spec.period, start, spec.branch_id
    plan.theme, plan.notes, plan.updated_at = spec.theme.strip(), spec.notes.strip(), now
    _replace_items(plan, items)
    session.flush()
    accounts.record(
        session, actor, "plan.save", f"{plan.start.isoformat()} {plan.theme}", now=now, plan=plan.id
    )
    return plan


def _replace_items(plan: Plan, items: list[PlanItem]) -> None:
    """Items keep their rows (and so their progress) by position; extra ones are added."""
    for existing, new in zip(plan.items, items, strict=False):
        for attribute in inspect(PlanItem).column_attrs:
            if attribute.key not in {"id", "plan_id"}:
                setattr(existing, attribute.key, getattr(new, attribute.key))
        existing.audience = new.audience
    if len(items) > len(plan.items):
        plan.items.extend(items[len(plan.items) :])
    else:
        del plan.items[len(items) :]


def _keep_done(session: Session, plan: Plan, keep: int) -> None:
    removed = [item.id for item in plan.items[keep:]]
    if removed and session.scalar(select(exists().where(Progress.item_id.in_(removed)))):
        raise DomainError(
            _("Someone has already started an item this would remove: keep it, or change it instead."),
            ErrorCode.REFUSED,
        )


def editable(session: Session, actor: User, plan_id: int) -> Plan:
    """A plan the actor may change: any for administrators, their 党支部's for a secretary."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise DomainError(_("No such plan."), ErrorCode.NOT_FOUND)
    if actor.role != Role.ADMIN and (actor.role != Role.SECRETARY or plan.branch_id != actor.branch_id):
        raise DomainError(_("No such plan."), ErrorCode.NOT_FOUND)
    return plan


def schedule(
    session: Session, actor: User, plan_id: int, publish_at: datetime | None, *, now: datetime
) -> Plan:
    """Publish at `publish_at` (None: now), or, for a plan already published, nothing to do."""
    plan = editable(session, actor, plan_id)
    if plan.status is PlanStatus.PUBLISHED:
        raise DomainError(_("This plan is published already."), ErrorCode.REFUSED)
    if not plan.items:
        raise DomainError(_("Add at least one item before publishing."), ErrorCode.INVALID)
    plan.status, plan.publish_at = PlanStatus.SCHEDULED, publish_at or now
    accounts.record(
        session, actor, "plan.schedule", plan.theme, now=now, plan=plan.id, at=plan.publish_at.isoformat()
    )
    return plan


def unschedule(session: Session, actor: User, plan_id: int, *, now: datetime) -> Plan:
    """Back to a draft, before it appears."""
    plan = editable(session, actor, plan_id)
    if plan.status is PlanStatus.PUBLISHED:
        raise DomainError(_("This plan is published already."), ErrorCode.REFUSED)
    plan.status, plan.publish_at = PlanStatus.DRAFT, None
    accounts.record(session, actor, "plan.unschedule", plan.theme, now=now, plan=plan.id)
    return plan


def publish_due(session: Session, *, now: datetime) -> int:
    """Publish every scheduled plan due by now (the scheduler's sweep; harmless twice or late)."""
    result = session.execute(
        update(Plan)
        .where(Plan.status == PlanStatus.SCHEDULED, Plan.publish_at <= now)
        .values(status=PlanStatus.PUBLISHED, published_at=Plan.publish_at)
        .execution_options(synchronize_session="fetch")
    )
    # An UPDATE's result is a CursorResult; Session.execute is typed as returning any Result.
    return cast(CursorResult[Any], result).rowcount


def previous(
    session: Session, actor: User, period: PlanPeriod, start: date, branch_id: int | None
) -> Plan | None:
    """The latest plan before `start` at the same level: "start from last week's plan"."""
    _check_scope(session, actor, branch_id)
    return session.scalars(
        select(Plan)
        .where(Plan.period == period, Plan.start < start, _same_branch(branch_id))
        .order_by(Plan.start.desc(), Plan.id.desc())
        .limit(1)
    ).first()


def _same_branch(branch_id: int | None) -> ColumnElement[bool]:
    return Plan.branch_id.is_(None) if branch_id is None else Plan.branch_id == branch_id


def copy_spec(plan: Plan, start: date) -> PlanSpec:
    """A new plan's spec from an old one: its theme and items, moved by whole weeks (or months)."""
    shift = start - plan.start
    return PlanSpec(
        plan.period,
        start,
        plan.theme,
        plan.branch_id,
        plan.notes,
        [
            ItemSpec(
                kind=item.kind,
                title=item.title,
                due_at=item.due_at + shift,
                points=item.points,
                body_html=item.body_html,
                document_id=item.document_id,
                link_url=item.link_url,
                min_seconds=item.min_seconds,
                meeting_kind=item.meeting_kind,
                starts_at=item.starts_at + shift if item.starts_at else None,
                place=item.place,
                prompt=item.prompt,
                min_chars=item.min_chars,
                exam_id=item.exam_id,
                branch_ids=[member.branch_id for member in item.audience if member.branch_id is not None],
            )
            for item in plan.items
        ],
    )


# ---- what a person sees ----------------------------------------------------------------------


def _ancestors(session: Session, branch_id: int | None) -> set[int]:
    """The person's branch and every branch above it: an audience naming any of them includes them."""
    parents: dict[int, int | None] = {
        row.id: row.parent_id for row in session.execute(select(Branch.id, Branch.parent_id))
    }
    found: set[int] = set()
    current = branch_id
    while current is not None and current not in found:
        found.add(current)
        current = parents.get(current)
    return found


def visible(now: datetime) -> ColumnElement[bool]:
    """A plan people see: published, or scheduled for a time that has come (the sweep may lag)."""
    return or_(
        Plan.status == PlanStatus.PUBLISHED, and_(Plan.status == PlanStatus.SCHEDULED, Plan.publish_at <= now)
    )


def for_person(session: Session, user: User, now: datetime) -> ColumnElement[bool]:
    """Items of a visible plan meant for this person: named in the audience, in a branch it
    names, or (an item without audience) covered by its plan."""
    above = _ancestors(session, user.branch_id)
    named = exists().where(
        ItemAudience.item_id == PlanItem.id,
        or_(ItemAudience.user_id == user.id, ItemAudience.branch_id.in_(above)),
    )
    anyone = ~exists().where(ItemAudience.item_id == PlanItem.id)
    covered = or_(Plan.branch_id.is_(None), Plan.branch_id.in_(above))
    return and_(visible(now), or_(named, and_(anyone, covered)))


@dataclass(frozen=True)
class MyItem:
    item: PlanItem
    plan: Plan
    progress: Progress | None

    @property
    def done(self) -> bool:
        return self.progress is not None and self.progress.state is ProgressState.DONE


def week_of(session: Session, user: User, day: date, *, now: datetime) -> list[MyItem]:
    """The person's items of the week holding `day` (and of its month's plan), by due time."""
    monday = period_start(PlanPeriod.WEEK, day)
    in_week = or_(
        and_(Plan.period == PlanPeriod.WEEK, Plan.start == monday),
        and_(Plan.period == PlanPeriod.MONTH, Plan.start == period_start(PlanPeriod.MONTH, day)),
    )
    return _mine(session, user, in_week, now)


def overdue(session: Session, user: User, before: date, *, now: datetime) -> list[MyItem]:
    """Items from earlier weeks still not done and past their due time."""
    monday = period_start(PlanPeriod.WEEK, before)
    earlier = and_(Plan.start < monday, PlanItem.due_at < now)
    return [mine for mine in _mine(session, user, earlier, now) if not mine.done]


def _mine(session: Session, user: User, which: ColumnElement[bool], now: datetime) -> list[MyItem]:
    rows = session.execute(
        select(PlanItem, Plan, Progress)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .outerjoin(Progress, and_(Progress.item_id == PlanItem.id, Progress.user_id == user.id))
        .where(which, for_person(session, user, now))
        .order_by(PlanItem.due_at, Plan.id, PlanItem.position)
    ).all()
    return [MyItem(item, plan, progress) for item, plan, progress in rows]


def item_for(session: Session, user: User, item_id: int, *, now: datetime) -> MyItem:
    """One of the person's items; anyone else's is not found."""
    found = _mine(session, user, PlanItem.id == item_id, now)
    if not found:
        raise DomainError(_("No such item."), ErrorCode.NOT_FOUND)
    return found[0]


def mark_done(session: Session, user: User, item: PlanItem, *, now: datetime) -> bool:
    """The item is done: its points once, however often this is reported (two devices, a resend).
    Returns whether this call did it. The caller commits."""
    progress = _progress(session, user, item, now)
    if progress.state is ProgressState.DONE:
        return False
    progress.state, progress.done_at = ProgressState.DONE, now
    if item.points:
        points.award(
            session,
            user.id,
            RuleKey.PLAN_ITEM,
            f"plan_item:{item.id}",
            at=now,
            points=item.points,
            reason=item.title,
        )
    return True


def _progress(session: Session, user: User, item: PlanItem, now: datetime) -> Progress:
    """The person's progress row on the item, made once and locked: of two reports at once (two
    devices), the second waits and then sees the first's."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(Progress)
        .values(item_id=item.id, user_id=user.id, started_at=now, state=ProgressState.STARTED, seconds=0)
        .on_conflict_do_nothing(index_elements=["item_id", "user_id"])
    )
    return session.scalars(
        select(Progress)
        .where(Progress.item_id == item.id, Progress.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def local_today(now: datetime) -> date:
    return now.astimezone(clock.local_zone()).date()
