"""Writing, scheduling and publishing plans, who sees which item, and marking items done.

Administrators plan for the whole organisation (a plan without a branch), a secretary for their
own 党支部. A plan set to publish at Monday 08:00 appears then: a scheduled plan is shown once its time has
come, whether or not the scheduler's sweep has marked it published yet (a server that was down at
08:00 shows it as soon as it is back, and the sweep catches up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    SQLColumnExpression,
    and_,
    case,
    exists,
    false,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from studyhall import clock, i18n
from studyhall.accounts import service as accounts
from studyhall.accounts.levels import Tree
from studyhall.accounts.models import Branch, Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams.models import Answer, Attempt, AttemptState, Exam
from studyhall.pagination import Page, paginate
from studyhall.plans import dates, kinds
from studyhall.plans.kinds import ItemError
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
MAX_ITEM_POINTS = 20  # the completion rule's daily cap as shipped
DUE_AFTER_END = timedelta(weeks=8)  # the latest an item may be due, after its week or month


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


def period_end(period: PlanPeriod, start: date) -> date:
    """The last day: the Sunday of the week, or the month's last day."""
    if period is PlanPeriod.WEEK:
        return start + timedelta(days=6)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def period_name(period: PlanPeriod, start: date) -> str:
    """第12周 (2026年3月16日至3月22日), 2026年3月."""
    if period is PlanPeriod.MONTH:
        return i18n.month_text(start)
    return _(
        "Week %(n)d (%(days)s)",
        n=start.isocalendar().week,
        days=i18n.period_text(start, period_end(period, start)),
    )


def _local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), clock.local_zone())


def default_due(period: PlanPeriod, start: date) -> datetime:
    """An item's due time unless its editor chooses one: the plan's last day (Sunday), 22:00 local."""
    return _local(period_end(period, start), 22)


def default_publish_at(plan: Plan) -> datetime:
    """When a plan is offered to appear: its first morning (Monday), 08:00 local."""
    return _local(plan.start, 8)


def item_name(position: int, title: str) -> str:
    """How messages name an item: by its place in the plan, and its title once it has one."""
    if title.strip():
        return _("Item %(n)d “%(title)s”", n=position, title=title.strip())
    return _("Item %(n)d", n=position)


def is_level(session: Session, branch_id: int | None) -> bool:
    """Whether plans may be made at this level: the whole organisation's (None) or a 党支部's,
    never the 机关党委's own nor a 党小组's (their people study their 党支部's plans)."""
    return branch_id is None or branch_id in Tree.read(session).branches


def _check_scope(session: Session, actor: User, branch_id: int | None) -> set[int] | None:
    """The branches the actor may plan for (None: all); refuses a plan outside them."""
    own = None
    if actor.role != Role.ADMIN:
        if actor.role != Role.SECRETARY or branch_id is None or branch_id != actor.branch_id:
            raise DomainError(_("A secretary plans for their own 党支部 only."), ErrorCode.FORBIDDEN)
        own = accounts.visible_branch_ids(session, actor) or set()
    if not is_level(session, branch_id):
        raise DomainError(_("A plan is the whole organisation's or a 党支部's."), ErrorCode.INVALID)
    return own


def check_period(period: PlanPeriod, day: date) -> date:
    """The start of the week or month holding `day`, if the plans feature takes it (dates)."""
    start = period_start(period, day) if dates.day_ok(day) else None
    if start is None or not (dates.day_ok(start) and dates.day_ok(period_end(period, start))):
        raise DomainError(_("Week or month: %(reason)s", reason=dates.out_of_range()), ErrorCode.INVALID)
    return start


def check_times(item: ItemSpec, period: PlanPeriod, start: date, where: str) -> None:
    """An item's due time and meeting time: on days the plans feature takes, and due neither before
    its plan's week or month begins (it would be overdue the moment it appeared) nor more than
    DUE_AFTER_END after it ends (an item belongs to its week or month: a typo in the year would
    otherwise leave it due in another)."""
    for name in ("due_at", "starts_at"):
        value = getattr(item, name)
        if value is not None and not dates.moment_ok(value):
            raise ItemError(where, name, dates.out_of_range())
    due = item.due_at.astimezone(clock.local_zone()).date()
    if item.due_at < _local(start, 0):
        reason = _(
            "%(day)s is before %(period)s begins.", day=due.isoformat(), period=period_name(period, start)
        )
        raise ItemError(where, "due_at", reason)
    if item.due_at > _local(period_end(period, start) + timedelta(days=1), 0) + DUE_AFTER_END:
        reason = _(
            "%(day)s is more than %(n)d weeks after %(period)s ends: an item belongs to its week or month.",
            day=due.isoformat(),
            n=DUE_AFTER_END.days // 7,
            period=period_name(period, start),
        )
        raise ItemError(where, "due_at", reason)


def _items(session: Session, spec: PlanSpec, start: date, allowed: set[int] | None) -> list[PlanItem]:
    if len(spec.items) > MAX_ITEMS:
        raise DomainError(_("A plan holds at most %(n)d items.", n=MAX_ITEMS), ErrorCode.INVALID)
    items = []
    for position, item in enumerate(spec.items, start=1):
        where = item_name(position, item.title)
        if not item.title.strip():
            raise ItemError(where, "title", _("give it a title."))
        if not 0 <= item.points <= MAX_ITEM_POINTS:
            raise ItemError(where, "points", _("points must be between 0 and %(n)d.", n=MAX_ITEM_POINTS))
        kinds.get(item.kind).check(session, item, where)
        check_times(item, spec.period, start, where)
        if item.exam_id is not None and _closed_before(session.get(Exam, item.exam_id), start):
            raise ItemError(
                where,
                "exam_id",
                _("that test closed before this plan's period begins: nobody could take it."),
            )
        audience = [ItemAudience(branch_id=branch_id) for branch_id in item.branch_ids]
        if allowed is not None and any(branch_id not in allowed for branch_id in item.branch_ids):
            raise ItemError(where, "branch_ids", _("a branch outside your 党支部."), ErrorCode.FORBIDDEN)
        found = accounts.usernames(session, item.usernames)
        if missing := [name for name in item.usernames if name not in found]:
            raise ItemError(where, "usernames", _("unknown 工号 %(names)s.", names="、".join(missing)))
        if allowed is not None and any(person.branch_id not in allowed for person in found.values()):
            raise ItemError(where, "usernames", _("a person outside your 党支部."), ErrorCode.FORBIDDEN)
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
    start = check_period(spec.period, spec.start)
    existing = None if plan_id is None else editable(session, actor, plan_id)
    if existing is not None:
        _keep_period(existing, spec.period, start, now)
    items = _items(session, spec, start, allowed)
    if existing is None:
        plan = Plan(created_by_id=actor.id, created_at=now)
        session.add(plan)
    else:
        plan = existing
        _keep_done(session, plan, len(items))
        _keep_terms(session, plan, items)
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


def _keep_period(plan: Plan, period: PlanPeriod, start: date, now: datetime) -> None:
    """A plan people see keeps its week or month: their completions belong to it."""
    if (plan.period, plan.start) == (period, start) or plan.status is PlanStatus.DRAFT:
        return
    if appeared(plan, now):
        raise DomainError(
            _(
                "This plan has been published: what people did belongs to its week or month, so it "
                "cannot move to another. Make a new plan for that one instead."
            ),
            ErrorCode.REFUSED,
        )
    raise DomainError(
        _("This plan is scheduled: unschedule it before moving it to another week or month."),
        ErrorCode.REFUSED,
    )


def _keep_done(session: Session, plan: Plan, keep: int) -> None:
    removed = [item.id for item in plan.items[keep:]]
    if removed and session.scalar(select(exists().where(Progress.item_id.in_(removed)))):
        raise DomainError(
            _("Someone has already started an item this would remove: keep it, or change it instead."),
            ErrorCode.REFUSED,
        )


# What a completion was measured and paid by. Once someone has done the item, a change would leave
# its page, the week's points and the points ledger telling different stories (done at 2 积分 and a
# 1-minute minimum, shown as 5 积分 and 30 minutes).
TERMS = ("points", "min_seconds", "min_chars")


def completed_by_anyone(session: Session, item_ids: list[int]) -> set[int]:
    """Which of the items someone has done: their terms (TERMS) can no longer change."""
    if not item_ids:
        return set()
    done = Progress.item_id.in_(item_ids), Progress.state == ProgressState.DONE
    return set(session.scalars(select(Progress.item_id).where(*done).distinct()))


def _keep_terms(session: Session, plan: Plan, items: list[PlanItem]) -> None:
    """Refuse to change the terms of an item someone has done (items are kept by position)."""
    done = completed_by_anyone(session, [item.id for item in plan.items])
    for existing, new in zip(plan.items, items, strict=False):
        changed = [name for name in TERMS if getattr(existing, name) != getattr(new, name)]
        if existing.id in done and changed:
            raise ItemError(
                item_name(new.position, new.title),
                changed[0],
                _("someone has already completed this item, so its points and minimum cannot change."),
                ErrorCode.REFUSED,
            )


def editable(session: Session, actor: User, plan_id: int) -> Plan:
    """A plan the actor may change: any for administrators, their 党支部's for a secretary."""
    plan = session.get(Plan, plan_id)
    if plan is None or not may_edit(actor, plan):
        raise DomainError(_("No such plan."), ErrorCode.NOT_FOUND)
    return plan


def may_edit(actor: User, plan: Plan) -> bool:
    return actor.role == Role.ADMIN or (actor.role == Role.SECRETARY and plan.branch_id == actor.branch_id)


def readable(session: Session, actor: User, plan_id: int, *, now: datetime) -> Plan:
    """A plan the actor may preview: one they may edit, or for a secretary the organisation's
    once it shows (their 党支部 studies it; administrators write it)."""
    plan = session.get(Plan, plan_id)
    if plan is not None and actor.role == Role.SECRETARY and plan.branch_id is None and appeared(plan, now):
        return plan
    return editable(session, actor, plan_id)


def schedule(
    session: Session, actor: User, plan_id: int, publish_at: datetime | None, *, now: datetime
) -> Plan:
    """Publish at `publish_at`, or now (None). A plan published already stays as it is."""
    plan = editable(session, actor, plan_id)
    if appeared(plan, now):
        raise DomainError(_("This plan is published already."), ErrorCode.REFUSED)
    if not plan.items:
        raise DomainError(_("Add at least one item before publishing."), ErrorCode.INVALID)
    if publish_at is not None and not dates.moment_ok(publish_at):
        raise DomainError(_("Publish at: %(reason)s", reason=dates.out_of_range()), ErrorCode.INVALID)
    if publish_at is not None and publish_at < now:
        raise DomainError(_("That time has passed: choose a later one, or publish now."), ErrorCode.INVALID)
    if publish_at is None:
        plan.status, plan.publish_at, plan.published_at = PlanStatus.PUBLISHED, now, now
    else:
        plan.status, plan.publish_at = PlanStatus.SCHEDULED, publish_at
    accounts.record(
        session, actor, "plan.schedule", plan.theme, now=now, plan=plan.id, at=plan.publish_at.isoformat()
    )
    return plan


def unschedule(session: Session, actor: User, plan_id: int, *, now: datetime) -> Plan:
    """Back to a draft, before it appears: once its time has come people may have seen it."""
    plan = editable(session, actor, plan_id)
    if appeared(plan, now):
        raise DomainError(_("This plan is published already."), ErrorCode.REFUSED)
    plan.status, plan.publish_at = PlanStatus.DRAFT, None
    accounts.record(session, actor, "plan.unschedule", plan.theme, now=now, plan=plan.id)
    return plan


def appeared(plan: Plan, now: datetime) -> bool:
    """Whether people see the plan: published, or scheduled for a time that has come (as visible())."""
    if plan.status is PlanStatus.SCHEDULED:
        return plan.publish_at is not None and plan.publish_at <= now
    return plan.status is PlanStatus.PUBLISHED


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


def copy_spec(plan: Plan, start: date, *, people: bool = False) -> PlanSpec:
    """A plan's spec for `start`: its theme and items, their times moved by as much as the start.
    A copy for another week leaves out the people named one by one (it is for the plan's
    branches); the plan itself moved or edited (people=True) keeps them."""
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
                usernames=[member.user.username for member in item.audience if member.user and people],
            )
            for item in plan.items
            # Another period's copy leaves out a test that is over by then (last week's quiz).
            if start == plan.start or not _closed_before(item.exam, start)
        ],
    )


def _closed_before(exam: Exam | None, start: date) -> bool:
    return exam is not None and exam.closes_at <= _local(start, 0)


def start_from_previous(
    session: Session, actor: User, period: PlanPeriod, day: date, branch_id: int | None, *, now: datetime
) -> Plan:
    """A new draft for the period holding `day`, copied from the latest earlier plan at its level."""
    start = check_period(period, day)  # before items are moved to it: a far one overflows
    found = previous(session, actor, period, start, branch_id)
    if found is None and branch_id is not None:  # a 党支部 that has studied only the organisation's
        raise DomainError(
            _(
                "There is no earlier plan of this 党支部 to start from: the organisation’s plans are made "
                "by administrators, and a 党支部’s plan starts from its own."
            ),
            ErrorCode.NOT_FOUND,
        )
    if found is None:
        raise DomainError(_("There is no earlier plan to start from."), ErrorCode.NOT_FOUND)
    return save_plan(session, actor, copy_spec(found, start), now=now)


# ---- editing a plan a part at a time ---------------------------------------------------------
# Each goes through save_plan, so an item is checked and kept (with its progress) in one way; only
# taking an item out is done here, as save_plan keeps items by position.


def save_settings(
    session: Session,
    actor: User,
    plan_id: int,
    period: PlanPeriod,
    day: date,
    theme: str,
    notes: str,
    *,
    now: datetime,
) -> Plan:
    """Change a plan's period, its week (or month), theme and notes; its items move with its start."""
    plan = editable(session, actor, plan_id)
    start = check_period(period, day)
    _keep_period(plan, period, start, now)
    spec = copy_spec(plan, start, people=True)
    spec.period, spec.theme, spec.notes = period, theme, notes
    return save_plan(session, actor, spec, plan_id=plan.id, now=now)


def save_item(
    session: Session, actor: User, plan_id: int, item: ItemSpec, *, item_id: int | None = None, now: datetime
) -> PlanItem:
    """Add an item at the end of a plan (item_id None), or change one, the others as they were."""
    plan = editable(session, actor, plan_id)
    spec = copy_spec(plan, plan.start, people=True)
    if item_id is None:
        spec.items.append(item)
        index = len(spec.items) - 1
    else:
        index = plan.items.index(item_of(plan, item_id))
        spec.items[index] = item
    return save_plan(session, actor, spec, plan_id=plan.id, now=now).items[index]


def remove_item(session: Session, actor: User, plan_id: int, item_id: int, *, now: datetime) -> PlanItem:
    """Take an item out of a plan, unless someone has started it; the rest close up."""
    plan = editable(session, actor, plan_id)
    item = item_of(plan, item_id)
    if session.scalar(select(exists().where(Progress.item_id == item.id))):
        raise DomainError(
            _("Someone has already started this item: change it instead of removing it."), ErrorCode.REFUSED
        )
    plan.items.remove(item)
    for position, rest in enumerate(plan.items, start=1):
        rest.position = position
    plan.updated_at = now
    session.flush()
    accounts.record(session, actor, "plan.remove_item", f"{plan.theme}: {item.title}", now=now, plan=plan.id)
    return item


def item_of(plan: Plan, item_id: int) -> PlanItem:
    for item in plan.items:
        if item.id == item_id:
            return item
    raise DomainError(_("No such item."), ErrorCode.NOT_FOUND)


# ---- the editors' list -----------------------------------------------------------------------

PLANS_PER_PAGE = 50


def plans_page(session: Session, actor: User, *, now: datetime, page: int = 1) -> Page[tuple[Plan, int]]:
    """The plans the actor may edit with their item counts, and for a secretary the organisation's
    their 党支部 studies beside its own (to read, see readable()): this and coming weeks (and
    months) first, soonest first, then earlier ones, latest first."""
    today = local_today(now)
    current = or_(
        and_(Plan.period == PlanPeriod.WEEK, Plan.start >= period_start(PlanPeriod.WEEK, today)),
        and_(Plan.period == PlanPeriod.MONTH, Plan.start >= period_start(PlanPeriod.MONTH, today)),
    )
    counts = select(func.count()).where(PlanItem.plan_id == Plan.id).correlate(Plan).scalar_subquery()
    query = select(Plan, counts).order_by(
        case((current, 0), else_=1),
        case((current, Plan.start), else_=None),
        Plan.start.desc(),
        Plan.period.desc(),  # a week before its month
        Plan.id,
    )
    if actor.role == Role.SECRETARY:  # as readable(): their own 党支部's, and the organisation's shown
        query = query.where(
            or_(Plan.branch_id == actor.branch_id, and_(Plan.branch_id.is_(None), visible(now)))
        )
    elif actor.role != Role.ADMIN:
        query = query.where(false())
    return paginate(session, query, page, PLANS_PER_PAGE, rows=True)


def levels(session: Session) -> list[tuple[int, str]]:
    """The 党支部 an administrator may plan for besides the whole organisation: (id, name)."""
    tree = Tree.read(session)
    return [(branch_id, tree.names[branch_id]) for branch_id in tree.branches]


def audience_tree(session: Session, actor: User) -> list[accounts.BranchNode]:
    """The branches an item may be meant for: all for administrators, a secretary's own subtree."""
    allowed = accounts.visible_branch_ids(session, actor)
    return [node for node in accounts.branch_tree(session) if allowed is None or node.branch.id in allowed]


def tests_to_link(session: Session, actor: User, *, closing_after: datetime | None = None) -> list[Exam]:
    """The tests a test item may point to: every one for administrators, the published ones for a
    secretary (a draft is only the administrators' to see), latest first; the editor offers those
    still to close (`closing_after` now): a plan's people must be able to take it."""
    query = select(Exam).order_by(Exam.opens_at.desc(), Exam.id.desc())
    if closing_after is not None:
        query = query.where(Exam.closes_at > closing_after)
    if actor.role != Role.ADMIN:
        query = query.where(Exam.published_at.is_not(None))
    return list(session.scalars(query))


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


# An item due before someone's account was made is not theirs: people added later (an import in
# November, someone transferred in) are not behind on, shown, nor reminded of what ended before
# they came. The rule in its three shapes, for one person, for people in a query, and in memory:


def due_since_joining(user: User) -> ColumnElement[bool]:
    """Items due once the person's account was made."""
    return PlanItem.due_at >= user.created_at


def joined_by(due_at: datetime | SQLColumnExpression[datetime]) -> ColumnElement[bool]:
    """People whose account was made by `due_at` (an item's due time, or the column)."""
    return User.created_at <= due_at


def joined_in_time(created_at: datetime, due_at: datetime) -> bool:
    return created_at <= due_at


def for_person(session: Session, user: User, now: datetime) -> ColumnElement[bool]:
    """Items of a visible plan meant for this person: named in the audience, in a branch it
    names, or (an item without audience) covered by its plan; and due since they joined."""
    above = _ancestors(session, user.branch_id)
    named = exists().where(
        ItemAudience.item_id == PlanItem.id,
        or_(ItemAudience.user_id == user.id, ItemAudience.branch_id.in_(above)),
    )
    anyone = ~exists().where(ItemAudience.item_id == PlanItem.id)
    covered = or_(Plan.branch_id.is_(None), Plan.branch_id.in_(above))
    return and_(visible(now), due_since_joining(user), or_(named, and_(anyone, covered)))


@dataclass(frozen=True)
class MyItem:
    item: PlanItem
    plan: Plan
    progress: Progress | None

    @property
    def done(self) -> bool:
        return self.progress is not None and self.progress.state is ProgressState.DONE

    @property
    def excused(self) -> bool:
        """On leave (请假) from the item's meeting: not done, and never overdue."""
        return self.progress is not None and self.progress.state is ProgressState.EXCUSED

    @property
    def absent(self) -> bool:
        """Absent (缺席) from the item's meeting: not done, and no longer to be done."""
        return self.progress is not None and self.progress.state is ProgressState.ABSENT

    def late(self, now: datetime) -> bool:
        return not self.done and not self.excused and not self.absent and self.item.due_at < now


@dataclass(frozen=True)
class Weekdays:
    """A week by its Monday, with the days a page showing it names and links to."""

    monday: date

    @property
    def sunday(self) -> date:
        return period_end(PlanPeriod.WEEK, self.monday)

    @property
    def previous_monday(self) -> date:
        return self.monday - timedelta(weeks=1)

    @property
    def next_monday(self) -> date:
        return self.monday + timedelta(weeks=1)


@dataclass(frozen=True)
class Week(Weekdays):
    """A person's week: its items, and (this week only) what is still undone from earlier weeks."""

    items: list[MyItem]
    overdue: list[MyItem]
    current: bool  # this week, not one browsed to

    @property
    def plans(self) -> list[Plan]:
        """The plans of the week's items (the organisation's, the 党支部's), each once."""
        return list({mine.plan.id: mine.plan for mine in self.items}.values())

    @property
    def done(self) -> int:
        return sum(mine.done for mine in self.items)

    @property
    def points(self) -> int:
        """The points of the week's items done (their awards may differ: a rule switched off)."""
        return sum(mine.item.points for mine in self.items if mine.done)

    @property
    def points_offered(self) -> int:
        return sum(mine.item.points for mine in self.items)


def study_week(session: Session, user: User, day: date, *, now: datetime) -> Week:
    """The week holding `day` as the person studies it: "本周学习", or an earlier week."""
    monday = period_start(PlanPeriod.WEEK, day)
    this_week = monday == period_start(PlanPeriod.WEEK, local_today(now))
    return Week(
        monday,
        week_of(session, user, monday, now=now),
        overdue(session, user, monday, now=now) if this_week else [],
        this_week,
    )


def organisation_week(session: Session, day: date, *, now: datetime) -> Plan | None:
    """The whole organisation's plan for the week holding `day`, once it shows: what a corridor
    screen shows."""
    return session.scalars(
        select(Plan)
        .where(
            Plan.branch_id.is_(None),
            Plan.period == PlanPeriod.WEEK,
            Plan.start == period_start(PlanPeriod.WEEK, day),
            visible(now),
        )
        .order_by(Plan.id)
        .limit(1)
    ).first()


def week_of(session: Session, user: User, day: date, *, now: datetime) -> list[MyItem]:
    """The person's items of the week holding `day` (and of its month's plan), by due time."""
    monday = period_start(PlanPeriod.WEEK, day)
    in_week = or_(
        and_(Plan.period == PlanPeriod.WEEK, Plan.start == monday),
        and_(Plan.period == PlanPeriod.MONTH, Plan.start == period_start(PlanPeriod.MONTH, day)),
    )
    return _mine(session, user, in_week, now)


def overdue(session: Session, user: User, before: date, *, now: datetime) -> list[MyItem]:
    """Items from earlier weeks still not done (nor excused) and past their due time."""
    monday = period_start(PlanPeriod.WEEK, before)
    earlier = and_(Plan.start < monday, PlanItem.due_at < now)
    return [mine for mine in _mine(session, user, earlier, now) if mine.late(now)]


def dated_between(
    session: Session, user: User, since: datetime, until: datetime, *, now: datetime
) -> list[MyItem]:
    """The person's items whose time (a meeting's start, else the due time) is in [since, until)."""
    when = func.coalesce(PlanItem.starts_at, PlanItem.due_at)
    return _mine(session, user, and_(when >= since, when < until), now)


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


@dataclass(frozen=True)
class Completion:
    first: bool  # this report did it; False: it was done before (a second device, a resend)
    points: int  # given by this report: the item's, or none (a repeat, the rule switched off)


def mark_done(session: Session, user: User, item: PlanItem, *, now: datetime) -> Completion:
    """The item is done: its points once, however often this is reported (two devices, a resend).
    Done again after a reopen() took it back, it gives its points again. The caller commits."""
    progress = progress_for(session, user, item, now)
    if progress.state is ProgressState.DONE:
        return Completion(first=False, points=0)
    progress.state, progress.done_at = ProgressState.DONE, now
    if not item.points or not points.rule(session, RuleKey.PLAN_ITEM).enabled:
        return Completion(first=True, points=0)
    # Settled rather than awarded: a completion taken back has left its rows on the ledger, and
    # an award would see them and give nothing.
    award = points.settle(
        session, user.id, RuleKey.PLAN_ITEM, _item_source(item), item.points, at=now, reason=item.title
    )
    return Completion(first=True, points=award.points if award else 0)


def _item_source(item: PlanItem) -> str:
    return f"plan_item:{item.id}"


def reopen(
    session: Session,
    user: User,
    item: PlanItem,
    *,
    state: ProgressState = ProgressState.STARTED,
    now: datetime,
) -> None:
    """Take back what was recorded of the person and the item (a meeting's attendance corrected):
    the item is to do again (STARTED), or excused (请假: not done, never overdue), or missed (缺席:
    not done, and over). Points it gave are settled back to 0, dated as they were given, so the
    correction counts in the periods the award did. The caller commits."""
    found = session.scalar(
        select(Progress.id).where(Progress.item_id == item.id, Progress.user_id == user.id)
    )
    if found is None and state is ProgressState.STARTED:
        return  # nothing recorded: nothing to take back
    progress = progress_for(session, user, item, now)
    if progress.state is ProgressState.DONE:
        points.settle(
            session,
            user.id,
            RuleKey.PLAN_ITEM,
            _item_source(item),
            0,
            at=progress.done_at or now,
            reason=item.title,
        )
    progress.state, progress.done_at = state, None


def report_done(session: Session, user: User, item_id: int, *, now: datetime) -> Completion:
    """The person says they have done one of their items (我已学习): only a kind done that way."""
    mine = item_for(session, user, item_id, now=now)
    if not kinds.get(mine.item.kind).done_by_person or mine.item.min_seconds:
        raise DomainError(_("This item is not marked done by hand."), ErrorCode.REFUSED)
    return mark_done(session, user, mine.item, now=now)


def complete_tests(session: Session, *, now: datetime) -> int:
    """The scheduler's sweep: a test item is done for each person in its audience who has handed
    in the test with at least one answer (within a minute of submitting; late or twice,
    harmless). Returns how many."""
    pending = session.execute(
        select(PlanItem, User)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .join(
            Attempt,
            and_(
                Attempt.exam_id == PlanItem.exam_id,
                Attempt.state == AttemptState.SUBMITTED,
                # A paper handed in blank is not taking the test (as for its 参加 points).
                exists().where(Answer.attempt_id == Attempt.id),
            ),
        )
        .join(User, User.id == Attempt.user_id)
        .where(
            PlanItem.kind == ItemKind.TEST,
            visible(now),
            ~exists().where(
                Progress.item_id == PlanItem.id,
                Progress.user_id == User.id,
                Progress.state == ProgressState.DONE,
            ),
        )
        .distinct()
    ).all()
    done = 0
    for item, person in pending:
        if _mine(session, person, PlanItem.id == item.id, now):  # theirs: in the item's audience
            done += mark_done(session, person, item, now=now).first
    return done


def progress_for(session: Session, user: User, item: PlanItem, now: datetime) -> Progress:
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
