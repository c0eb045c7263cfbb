"""Reminding people of a plan's items they have not done, through the notifications service.

- On a click (提醒未完成的人 on the progress page): everyone behind on the plan among the people the
  secretary or administrator sees, each told which items and when they are due; once per person,
  plan and day, whoever clicks and however often. A meeting someone was absent from (缺席) is
  over: it is not named, and someone behind on nothing else is not reminded.
- Before each due time (the scheduler's `remind_due_items` sweep): once an item is due within
  STUDYHALL_REMIND_HOURS (24) hours, each person it is for who has not done it, once per person
  and item. The sweep catches up after downtime: an item whose due time came while the scheduler
  was stopped is still reminded (as overdue) up to that many hours after its due time, never
  later, so a server started after a long stop does not remind anyone of last month's items.

Notifications are written in the organisation's language (the default locale), whoever clicks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from studyhall import i18n
from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.notifications import service as notifications
from studyhall.notifications.service import Message
from studyhall.plans import progress
from studyhall.plans import service as plans
from studyhall.plans.models import Plan, PlanItem, Progress, ProgressState

# The notifications' kinds.
BEHIND = "plan_behind"
DUE = "plan_due"


def _due(item: PlanItem) -> str:
    return i18n.due_text(item.due_at)


# ---- on a click ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminded:
    behind: int  # people behind on the plan, among those the actor sees
    reminded: int  # of them, reminded now; the others had been today already


def remind_behind(
    session: Session, actor: User, plan_id: int, branch_id: int | None, *, now: datetime
) -> Reminded:
    """Remind everyone behind on the plan in the actor's scope (progress.scope_for: `branch_id`
    None is the actor's default). The caller commits."""
    scope = progress.scope_for(session, actor, branch_id)
    plan = progress.plan_in(session, scope, plan_id, now=now)
    found = progress.table(session, scope, plan, now=now)
    key = f"plan-remind:{plan.id}:{plans.local_today(now).isoformat()}"
    with notifications.organisation_language():
        messages = [_behind_message(found, row, key) for row in found.remind_rows]
    written = notifications.send(session, messages, now=now)
    if written:
        accounts.record(
            session,
            actor,
            "plan.remind",
            f"{plan.start.isoformat()} {plan.theme}",
            now=now,
            plan=plan.id,
            branch_id=scope.branch_id,
            reminded=written,
        )
    return Reminded(len(messages), written)


def _behind_message(found: progress.Table, row: progress.Row, key: str) -> Message:
    owed = [(item, cell) for item, cell in zip(found.items, row.cells, strict=True) if cell.to_remind]
    lines = [
        _("“%(title)s”, overdue since %(time)s", title=item.title, time=_due(item))
        if cell.state is progress.CellState.OVERDUE
        else _("“%(title)s”, due %(time)s", title=item.title, time=_due(item))
        for item, cell in owed
    ]
    plan = found.plan
    link = (
        notifications.path("study.item", item_id=owed[0][0].id)
        if len(owed) == 1
        else notifications.path("study.week", week=plan.start.isoformat())
    )
    return Message(
        row.user_id,
        BEHIND,
        _("Study reminder: %(theme)s", theme=plan.theme),
        "\n".join([_("Still to do:"), *(f"· {line}" for line in lines)]),
        link,
        key,
    )


# ---- before due times ------------------------------------------------------------------------


def remind_due(session: Session, *, now: datetime, within: timedelta) -> int:
    """The scheduler's sweep: remind the people of each item due within `within` of now (ahead,
    or behind after downtime) who have not done it and have not been reminded of it. One query
    per item in that window, each over the people at once; returns how many were reminded."""
    due = session.execute(
        select(PlanItem, Plan)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(plans.visible(now), PlanItem.due_at > now - within, PlanItem.due_at <= now + within)
        .order_by(PlanItem.due_at, PlanItem.id)
        .options(selectinload(PlanItem.audience))
    ).all()
    if not due:
        return 0
    below = accounts.subtrees(session)
    reminded = 0
    with notifications.organisation_language():
        for item, plan in due:
            key = f"plan-item-due:{item.id}"
            pending = list(
                session.scalars(
                    select(User.id).where(
                        User.active,
                        progress.audience_of(item, plan, below).condition(),
                        ~exists().where(
                            Progress.item_id == item.id,
                            Progress.user_id == User.id,
                            # Absent (缺席) from its meeting: it is over, not to be done now.
                            Progress.state.in_([ProgressState.DONE, ProgressState.ABSENT]),
                        ),
                        notifications.not_notified(User.id, key),
                    )
                )
            )
            off = progress.excused(session, [item], pending)
            overdue = item.due_at <= now
            reminded += notifications.notify(
                session,
                [person for person in pending if (item.id, person) not in off],
                kind=DUE,
                title=_("Overdue: %(title)s", title=item.title)
                if overdue
                else _("Due soon: %(title)s", title=item.title),
                body=_(
                    "“%(title)s” (%(theme)s) was due %(time)s and is not done yet.",
                    title=item.title,
                    theme=plan.theme,
                    time=_due(item),
                )
                if overdue
                else _(
                    "“%(title)s” (%(theme)s) is due %(time)s.",
                    title=item.title,
                    theme=plan.theme,
                    time=_due(item),
                ),
                link=notifications.path("study.item", item_id=item.id),
                key=key,
                now=now,
            )
    return reminded
