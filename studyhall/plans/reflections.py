"""心得体会: writing a reflection for a plan's reflection item, and reviewing it.

A cadre's draft is saved as they type, each save numbered by the page (`seq`, milliseconds on the
server's clock, as the test autosave numbers answers): a save numbered at or below the stored one
changes nothing, so a late, replayed or reordered save never overwrites newer text; a draft saved
marks the item started (本周学习 shows it under way). A save also names the stored version its page
started from (`base`): one made while another page or device has saved other text since is
refused (Stale), with the stored text, so that the person chooses and nothing typed is lost. Submitting checks the minimum length
(characters other than whitespace) and marks the item done, its points once. A secretary (for the people of their 党支部) or an administrator approves it, with an optional
comment, or returns it with a required one; a returned reflection is revised and submitted again,
and every review is kept. Approval earns the reflection rule's points, once per reflection; the
best are marked 优秀 and shown to the author's 党支部.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, CursorResult, Select, and_, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from studyhall.accounts import levels
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.notifications import service as notifications
from studyhall.pagination import Page, paginate
from studyhall.plans import service as plans
from studyhall.plans.models import ItemKind, Plan, PlanItem, PlanPeriod
from studyhall.plans.reflection_models import Decision, Reflection, ReflectionReview, ReflectionState
from studyhall.points import service as points
from studyhall.points.service import RuleKey

MAX_TEXT = 20_000  # characters, whitespace included: twice the longest minimum an item may ask
MAX_COMMENT = 2_000
REVIEWED = "reflection_reviewed"  # the notification of a review
MAX_SEQ = 2**53 - 1  # the largest integer a browser's JSON numbers hold exactly
SEQ_AHEAD = timedelta(days=1)  # how far past the server's clock a page's clock may number a save
EDITABLE = (ReflectionState.DRAFT, ReflectionState.RETURNED)
SENT = (ReflectionState.SUBMITTED, ReflectionState.APPROVED)
# What a browser's /\s/ matches, so that the page's live count and the server's agree.
_WHITESPACE = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def characters(text: str) -> int:
    """The length that counts against an item's minimum: every character but whitespace, so a
    Chinese text counts its 汉字 and punctuation, and spaces and line breaks count nothing."""
    return len(_WHITESPACE.sub("", text))


def clock_ms(now: datetime) -> int:
    """The clock the page numbers its saves by: milliseconds since 1970 on the server's clock."""
    return (now - _EPOCH) // timedelta(milliseconds=1)


def next_seq(stored_seq: int, *, now: datetime) -> int:
    """The number of a save made now, on the page's clock and after the stored one (a form sent
    without JavaScript, which numbers nothing)."""
    return max(stored_seq + 1, clock_ms(now))


def minimum(item: PlanItem) -> int:
    return item.min_chars or 1  # without a minimum, something must be written


# ---- the author ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mine:
    """A reflection item of the person's, and what they have written for it (None: nothing yet)."""

    item: PlanItem
    plan: Plan
    reflection: Reflection | None


def mine(session: Session, user: User, item_id: int, *, now: datetime) -> Mine:
    """The person's reflection item; an item not theirs, or of another kind, is not found."""
    found = plans.item_for(session, user, item_id, now=now)
    if found.item.kind is not ItemKind.REFLECTION:
        raise DomainError(_("No such item."), ErrorCode.NOT_FOUND)
    reflection = session.scalars(
        select(Reflection).where(Reflection.item_id == item_id, Reflection.user_id == user.id)
    ).first()
    return Mine(found.item, found.plan, reflection)


def _checked_text(text: object) -> str:
    if not isinstance(text, str):
        raise DomainError(_("The save has no text."), ErrorCode.INVALID)
    text = text.replace("\r\n", "\n")  # a form's line breaks, as the page's script sends them
    if len(text) > MAX_TEXT:
        raise DomainError(_("A reflection holds at most %(n)d characters.", n=MAX_TEXT), ErrorCode.INVALID)
    return text


def _checked_seq(seq: object, *, now: datetime) -> int:
    """A save's number: the page's clock, so never far past the server's (a number years ahead
    would keep every later save from being stored)."""
    if (
        not isinstance(seq, int)
        or isinstance(seq, bool)
        or not 1 <= seq <= min(MAX_SEQ, clock_ms(now + SEQ_AHEAD))
    ):
        raise DomainError(_("The save has no valid sequence number."), ErrorCode.INVALID_SEQ)
    return seq


def _checked_base(base: object) -> int | None:
    """The stored version a save was made from: None for a page that names none (kept as before)."""
    if base is None:
        return None
    if not isinstance(base, int) or isinstance(base, bool) or not 0 <= base <= MAX_SEQ:
        raise DomainError(_("The save has no valid sequence number."), ErrorCode.INVALID_SEQ)
    return base


class Stale(DomainError):
    """A save or submission made from a version older than the stored draft, whose text is other:
    refused, with the stored draft, for the page to show beside its own."""

    def __init__(self, text: str, seq: int) -> None:
        super().__init__(_("This reflection has been changed on another page or device."), ErrorCode.STALE)
        self.text, self.seq = text, seq


def _ensure(session: Session, item: PlanItem, user: User, now: datetime) -> None:
    """The person's row for the item, made once whoever asks first (two tabs, two devices)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(Reflection)
        .values(
            item_id=item.id,
            user_id=user.id,
            text="",
            seq=0,
            saved_at=now,
            state=ReflectionState.DRAFT,
            comment="",
            excellent=False,
            submissions=0,
        )
        .on_conflict_do_nothing(index_elements=["item_id", "user_id"])
    )


def _ours(item: PlanItem, user: User) -> ColumnElement[bool]:
    return and_(Reflection.item_id == item.id, Reflection.user_id == user.id)


@dataclass(frozen=True)
class Saved:
    seq: int  # the stored draft's
    kept: bool  # whether the stored draft is this save's (False: a newer one is stored)
    count: int  # the stored draft's characters, as counted against the minimum


def save_draft(
    session: Session,
    user: User,
    item_id: int,
    text: object,
    seq: object,
    *,
    base: object = None,
    now: datetime,
) -> Saved:
    """Store the draft unless one numbered the same or higher is stored already; idempotent. A save
    made from the stored version `base` is refused (Stale) once other text is stored numbered above
    it; a save naming no base is not checked. A reflection submitted (or approved) takes no more
    saves. The caller commits."""
    found = mine(session, user, item_id, now=now)
    text, seq, base = _checked_text(text), _checked_seq(seq, now=now), _checked_base(base)
    _ensure(session, found.item, user, now)
    writable = and_(_ours(found.item, user), Reflection.seq < seq, Reflection.state.in_(EDITABLE))
    if base is not None:  # in the one statement, so that of two devices at once one is refused
        writable = and_(writable, or_(Reflection.seq <= base, Reflection.text == text))
    written = session.execute(
        update(Reflection)
        .where(writable)
        .values(text=text, seq=seq, saved_at=now)
        .execution_options(synchronize_session=False)
    )
    stored = session.execute(
        select(Reflection.state, Reflection.seq, Reflection.text).where(_ours(found.item, user))
    ).one()
    if not cast(CursorResult[Any], written).rowcount:
        if stored.state in SENT:
            raise _sent()
        _fresh(stored.text, stored.seq, text, base)
    # Writing has begun: 本周学习 shows the item under way (a row once made, never a DONE undone).
    plans.progress_for(session, user, found.item, now)
    return Saved(stored.seq, stored.seq == seq and stored.text == text, characters(stored.text))


def _fresh(stored_text: str, stored_seq: int, text: str, base: int | None) -> None:
    """Refuse text made from the stored version `base` when other text has been stored since."""
    if base is not None and stored_seq > base and stored_text != text:
        raise Stale(stored_text, stored_seq)


def _sent() -> DomainError:
    return DomainError(_("This reflection has been submitted; it can no longer change."), ErrorCode.SUBMITTED)


def submit(
    session: Session,
    user: User,
    item_id: int,
    *,
    text: object = None,
    seq: object = None,
    base: object = None,
    now: datetime,
) -> Reflection:
    """Submit the reflection, with `text` as its last save if given (numbered `seq`, or now when
    a form without JavaScript sends it; made from the stored version `base`, checked as a save's).
    Refused under the item's minimum length, with the count. Marks the item done (its points
    once). Submitting again is harmless. The caller commits."""
    found = mine(session, user, item_id, now=now)
    _ensure(session, found.item, user, now)
    reflection = session.scalars(
        select(Reflection)
        .where(_ours(found.item, user))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if reflection.state in SENT:
        return reflection  # a resend, or another device's submission
    if text is not None:
        text = _checked_text(text)
        _fresh(reflection.text, reflection.seq, text, _checked_base(base))
        number = next_seq(reflection.seq, now=now) if seq is None else _checked_seq(seq, now=now)
        if number > reflection.seq:
            reflection.text, reflection.seq, reflection.saved_at = text, number, now
    count, needed = characters(reflection.text), minimum(found.item)
    if count < needed:
        raise DomainError(
            _(
                "Write at least %(min)d characters before submitting: %(n)d so far.",
                min=needed,
                n=count,
            ),
            ErrorCode.INVALID,
        )
    reflection.state, reflection.submitted_at = ReflectionState.SUBMITTED, now
    reflection.submissions += 1
    plans.mark_done(session, user, found.item, now=now)
    return reflection


# ---- reviewers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    reflection: Reflection
    item: PlanItem
    plan: Plan
    author: User


def _rows() -> Select[Reflection, PlanItem, Plan, User]:
    return (
        select(Reflection, PlanItem, Plan, User)
        .join(PlanItem, PlanItem.id == Reflection.item_id)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .join(User, User.id == Reflection.user_id)
    )


def _scope(session: Session, actor: User) -> ColumnElement[bool]:
    """Whose reflections the actor reviews: everyone's for an administrator, the people of their
    党支部 for a secretary (accounts.visible_branch_ids), nobody's for anyone else."""
    visible = accounts.visible_branch_ids(session, actor)
    return true() if visible is None else User.branch_id.in_(visible)


def reviewable(session: Session, actor: User, reflection_id: int) -> Row:
    """A reflection the actor may review; a draft, or one outside their 党支部, is not found."""
    found = session.execute(
        _rows().where(
            Reflection.id == reflection_id,
            Reflection.state != ReflectionState.DRAFT,  # a draft is its author's own
            _scope(session, actor),
        )
    ).first()
    if found is None:
        raise DomainError(_("No such reflection."), ErrorCode.NOT_FOUND)
    return Row(*found)


def queue(
    session: Session,
    actor: User,
    *,
    state: ReflectionState | None = ReflectionState.SUBMITTED,
    plan_id: int | None = None,
    week: date | None = None,
    page: int = 1,
) -> Page[Row]:
    """Reflections to review, newest submission first: in `state` (None: every one submitted at
    least once), of one plan, or of the plans of the week holding `week`."""
    query = _rows().where(Reflection.state != ReflectionState.DRAFT, _scope(session, actor))
    if state is not None:
        query = query.where(Reflection.state == state)
    if plan_id is not None:
        query = query.where(Plan.id == plan_id)
    if week is not None:
        query = query.where(_of_week(week))
    query = query.order_by(Reflection.submitted_at.desc(), Reflection.id.desc())
    found = paginate(session, query, page, rows=True)
    return Page([Row(*row) for row in found.items], found.total, found.page, found.per_page)


def _of_week(day: date) -> ColumnElement[bool]:
    """The plans of the week holding `day`, and of its month (as a cadre's week shows them)."""
    return or_(
        and_(Plan.period == PlanPeriod.WEEK, Plan.start == plans.period_start(PlanPeriod.WEEK, day)),
        and_(Plan.period == PlanPeriod.MONTH, Plan.start == plans.period_start(PlanPeriod.MONTH, day)),
    )


def reviewed_plans(session: Session, actor: User) -> list[Plan]:
    """The latest plans with reflections the actor reviews, newest first: the list's plan filter."""
    theirs = (
        _rows()
        .with_only_columns(Plan.id)
        .where(Reflection.state != ReflectionState.DRAFT, _scope(session, actor))
    )
    return list(
        session.scalars(
            select(Plan).where(Plan.id.in_(theirs)).order_by(Plan.start.desc(), Plan.id.desc()).limit(100)
        )
    )


def _not_own(row: Row, actor: User) -> Row:
    if row.author.id == actor.id:
        raise DomainError(_("Your own reflection is reviewed by someone else."), ErrorCode.SELF)
    return row


def review(
    session: Session,
    actor: User,
    reflection_id: int,
    decision: Decision,
    comment: str,
    *,
    submission: int,
    excellent: bool = False,
    now: datetime,
) -> bool:
    """Approve (an optional comment; 优秀 if asked) or return (a comment required) the reflection as
    submitted for the `submission`-th time. Returns whether this call decided: the same decision
    sent again (a double click, two secretaries at once) decides nothing more and awards nothing
    more; a reflection decided otherwise since, or submitted again, is refused. The caller commits."""
    row = _not_own(reviewable(session, actor, reflection_id), actor)
    comment = comment.strip()
    if decision is Decision.RETURN and not comment:
        raise DomainError(_("Say what to revise when returning a reflection."), ErrorCode.INVALID)
    if len(comment) > MAX_COMMENT:
        raise DomainError(_("A comment holds at most %(n)d characters.", n=MAX_COMMENT), ErrorCode.INVALID)
    target = ReflectionState.APPROVED if decision is Decision.APPROVE else ReflectionState.RETURNED
    # One statement decides, so of two reviews at once exactly one finds the reflection waiting.
    decided = session.execute(
        update(Reflection)
        .where(
            Reflection.id == reflection_id,
            Reflection.state == ReflectionState.SUBMITTED,
            Reflection.submissions == submission,
        )
        .values(
            state=target,
            comment=comment,
            reviewed_by_id=actor.id,
            reviewed_at=now,
            excellent=excellent and decision is Decision.APPROVE,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(row.reflection)
    reflection = row.reflection
    if not cast(CursorResult[Any], decided).rowcount:
        if reflection.state is target and reflection.submissions == submission:
            return False
        raise DomainError(
            _(
                "This reflection is no longer waiting for this review: it has been reviewed or submitted again."
            ),
            ErrorCode.STALE,
        )
    session.add(
        ReflectionReview(
            reflection_id=reflection.id,
            decision=decision,
            comment=comment,
            text=reflection.text,
            reviewed_by_id=actor.id,
            reviewed_at=now,
        )
    )
    if decision is Decision.RETURN:
        # To be revised: the item is under way again (学习进度 counts the person behind, reminders
        # find them) and its points are taken back until the revision is sent.
        plans.reopen(session, row.author, row.item, now=now)
    if decision is Decision.APPROVE:
        points.award(
            session,
            row.author.id,
            RuleKey.REFLECTION,
            f"reflection:{reflection.id}",
            at=now,
            reason=row.item.title,
        )
    _tell_author(session, row, decision, comment, now)
    accounts.record(
        session,
        actor,
        f"reflection.{decision.value}",
        f"{row.author.username} {row.item.title}",
        now=now,
        reflection=reflection.id,
        user=row.author.username,
        excellent=reflection.excellent,
    )
    return True


def _tell_author(session: Session, row: Row, decision: Decision, comment: str, now: datetime) -> None:
    """The author hears of the review in the app: a return asks for a revision, by when."""
    with notifications.organisation_language():
        if decision is Decision.RETURN:
            title = _("Your reflection “%(title)s” was returned for revision", title=row.item.title)
        else:
            title = _("Your reflection “%(title)s” was approved", title=row.item.title)
        notifications.notify(
            session,
            [row.author.id],
            kind=REVIEWED,
            title=title,
            body=comment,
            link=notifications.path("reflections.write", item_id=row.item.id),
            key=f"reflection-review:{row.reflection.id}:{row.reflection.submissions}",
            now=now,
        )


def set_excellent(
    session: Session, actor: User, reflection_id: int, excellent: bool, *, now: datetime
) -> Row:
    """Mark an approved reflection 优秀 (shown to its author's 党支部), or take the mark off."""
    row = _not_own(reviewable(session, actor, reflection_id), actor)
    if row.reflection.state is not ReflectionState.APPROVED:
        raise DomainError(_("Only an approved reflection can be marked excellent."), ErrorCode.REFUSED)
    if row.reflection.excellent != excellent:
        row.reflection.excellent = excellent
        accounts.record(
            session,
            actor,
            "reflection.excellent",
            f"{row.author.username} {row.item.title}",
            now=now,
            reflection=row.reflection.id,
            user=row.author.username,
            excellent=excellent,
        )
    return row


def reviews(session: Session, reflection: Reflection) -> list[tuple[ReflectionReview, str]]:
    """Every review of the reflection, oldest first, with its reviewer's name."""
    rows = session.execute(
        select(ReflectionReview, User.display_name)
        .outerjoin(User, User.id == ReflectionReview.reviewed_by_id)
        .where(ReflectionReview.reflection_id == reflection.id)
        .order_by(ReflectionReview.id)
    )
    return [(found, name or "") for found, name in rows]


# ---- 优秀 reflections, shown to the branch ---------------------------------------------------------


def excellent(session: Session, viewer: User, *, page: int = 1) -> Page[Row]:
    """The 优秀 reflections of the viewer's 党支部 (its 党小组 included), newest first; an
    administrator sees every branch's. Someone in no 党支部 has none to see."""
    query = _rows().where(Reflection.excellent, Reflection.state == ReflectionState.APPROVED)
    if viewer.role != Role.ADMIN:
        tree = levels.Tree.read(session)
        unit = tree.unit_of(viewer.branch_id, levels.Level.BRANCH) if viewer.branch_id is not None else None
        query = query.where(
            User.branch_id.in_(accounts.subtree_ids(session, unit) if unit is not None else set())
        )
    query = query.order_by(Reflection.reviewed_at.desc(), Reflection.id.desc())
    found = paginate(session, query, page, rows=True)
    return Page([Row(*row) for row in found.items], found.total, found.page, found.per_page)
