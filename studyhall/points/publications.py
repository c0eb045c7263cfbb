"""积分公示: a board frozen for a week or a month, by hand or on the schedule, never changed afterwards.

The schedule is a sweep (see studyhall.scheduler): on each run it publishes every period whose
moment (Monday 08:00 local for the week before, the 1st at 08:00 for the month before) has come
since the schedule was switched on and that has no publication yet, so a server that was down
catches up, and the unique schedule key makes a second run (or a second scheduler) add nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from studyhall import clock, i18n
from studyhall.accounts import levels
from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.errors import DomainError, ErrorCode
from studyhall.pagination import Page, paginate
from studyhall.points import boards, periods
from studyhall.points.models import Period, Publication, PublicationSchedule
from studyhall.points.periods import Span
from studyhall.xxqg import service as xxqg

PUBLISHABLE = (Period.WEEK, Period.MONTH)
PUBLISHED_AT = time(8)  # local time on the Monday (week) or the 1st (month) after the period
SCHEDULE_ID = 1  # the one schedule row


@dataclass(frozen=True)
class Highlights:
    """表彰先进、鞭策后进: the first `top_n` (with points) and those under `threshold` points stand
    out. Both off unless set."""

    top_n: int | None = None
    threshold: int | None = None


def period_of(publication: Publication) -> str:
    return periods.text(Span(Period(publication.period), publication.start))


def default_title(span: Span, branch_name: str) -> str:
    if branch_name:
        return _("Points notice, %(branch)s, %(period)s", branch=branch_name, period=periods.text(span))
    return _("Points notice, %(period)s", period=periods.text(span))


def live_key(span: Span, branch_id: int | None) -> str:
    return f"{span.period.value}:{span.start.isoformat()}:{branch_id or 0}"


def in_force(session: Session, key: str) -> Publication | None:
    """The notice in force for a period and scope, if any."""
    return session.scalars(select(Publication).where(Publication.live_key == key)).first()


def _published_already(earlier: Publication | None) -> DomainError:
    if earlier is None:  # withdrawn in the meantime: publishing again is for a fresh try
        return DomainError(
            _("Someone published this at the same moment: reload the list."), ErrorCode.REFUSED
        )
    return DomainError(
        _(
            "“%(title)s” (published %(when)s) is in force for this period: withdraw it first to publish it again.",
            title=earlier.title,
            when=i18n.day_text(periods.local_day(earlier.published_at, clock.local_zone())),
        ),
        ErrorCode.REFUSED,
    )


def publish(
    session: Session,
    actor: User | None,
    span: Span,
    branch_id: int | None,
    highlights: Highlights,
    *,
    now: datetime,
    title: str = "",
    schedule_key: str | None = None,
    with_xxqg: bool = False,
) -> Publication:
    """Freeze the board of `span` for the whole organisation (branch_id None) or one 党支部, as it
    stands now: everyone active in it, those without points too, and each 党支部's totals; with
    `with_xxqg`, each person's 学习强国 figures in the latest export too. `actor` None is the
    schedule. One transaction: the caller commits."""
    if span.period not in PUBLISHABLE:
        raise DomainError(_("Only a week or a month can be published."), ErrorCode.INVALID)
    if span.start < periods.ALL_TIME_START:
        raise DomainError(_("There are no points from that long ago."), ErrorCode.INVALID)
    today = periods.local_day(now, clock.local_zone())
    if span.start >= today or span.end > today:  # the start first: the end of year 9999 overflows
        raise DomainError(_("That period has not ended yet: publish it once it is over."), ErrorCode.INVALID)
    tree = levels.Tree.read(session)
    if branch_id is not None and branch_id not in tree.branches:
        raise DomainError(_("No such 党支部."), ErrorCode.NOT_FOUND)
    key = live_key(span, branch_id)
    if (earlier := in_force(session, key)) is not None:
        raise _published_already(earlier)
    # The export as it stood when the period ended: a notice for an old period shows none after it.
    snapshot = xxqg.latest_snapshot(session, span.end - timedelta(days=1)) if with_xxqg else None
    if with_xxqg and snapshot is None and actor is not None:
        # By hand it is a mistake to point out; the schedule publishes without them, saying so.
        raise DomainError(
            _("No 学习强国 export has been imported yet: publish without its figures, or import one first."),
            ErrorCode.INVALID,
        )
    within = accounts.subtree_ids(session, branch_id) if branch_id is not None else None
    people = [_frozen_person(row, tree) for row in boards.roll(session, span, branch_ids=within)]
    previous = None
    if snapshot is not None:
        previous = xxqg.previous_snapshot(session, snapshot)
        _add_figures(people, xxqg.figures_in(session, snapshot))
    places: dict[int | None, int] = {}
    for person in people:
        places[person["section"]] = places.get(person["section"], 0) + 1
        person["section_rank"] = places[person["section"]]
    sections = _frozen_sections(session, span, tree, branch_id)
    branch_name = tree.names[branch_id] if branch_id is not None else ""
    publication = Publication(
        title=(title.strip() or default_title(span, branch_name))[:200],
        period=span.period.value,
        start=span.start,
        branch_id=branch_id,
        branch_name=branch_name,
        published_at=now,
        published_by_id=actor.id if actor else None,
        schedule_key=schedule_key,
        top_n=highlights.top_n,
        threshold=highlights.threshold,
        people=people,
        sections=sections,
        issuer=issuer(tree),
        objection_days=max(1, int(current_app.config["PUBLICATION_OBJECTION_DAYS"])),
        live_key=key,
        with_xxqg=with_xxqg,
        xxqg_exported_on=snapshot.exported_on if snapshot is not None else None,
        xxqg_previous_on=previous.exported_on if previous is not None else None,
    )
    try:
        with session.begin_nested():  # a second publisher got here first: refused as above
            session.add(publication)
    except IntegrityError:
        raise _published_already(in_force(session, key)) from None
    accounts.record(
        session,
        actor,
        "publication.publish",
        publication.title,
        now=now,
        publication_id=publication.id,
        period=span.period.value,
        start=span.start.isoformat(),
        branch_id=branch_id,
        top_n=highlights.top_n,
        threshold=highlights.threshold,
        with_xxqg=with_xxqg,
    )
    return publication


def issuer(tree: levels.Tree) -> str:
    """Who signs a notice: the configured name (中共某某人民检察院机关委员会), else the top branch's."""
    tops = [branch_id for branch_id, parent in tree.parent.items() if parent is None]
    return (current_app.config["PUBLICATION_ISSUER"] or (tree.names[min(tops)] if tops else ""))[:200]


def objection_period(publication: Publication) -> tuple[date, date]:
    """The 公示期: from the day it was published, for its number of days (both days included)."""
    first = publication.published_at.astimezone(clock.local_zone()).date()
    return first, first + timedelta(days=publication.objection_days - 1)


def _frozen_sections(
    session: Session, span: Span, tree: levels.Tree, branch_id: int | None
) -> list[dict[str, Any]]:
    """Each 党支部 in scope with its rank by average, in branch order."""
    ranked = boards.branches(
        session, span, levels.Level.BRANCH, within=None if branch_id is None else {branch_id}
    )
    order = {unit: index for index, unit in enumerate(tree.branches)}
    sections: list[dict[str, Any]] = [
        {
            "branch_id": row.branch_id,
            "name": row.name,
            "rank": row.rank,
            "members": row.members,
            "total": row.total,
            "average": row.average,
        }
        for row in sorted(ranked, key=lambda row: order[row.branch_id])
    ]
    return sections


def _frozen_person(row: boards.PersonRow, tree: levels.Tree) -> dict[str, Any]:
    branch = tree.unit_of(row.branch_id, levels.Level.BRANCH) if row.branch_id is not None else None
    group = tree.unit_of(row.branch_id, levels.Level.GROUP) if row.branch_id is not None else None
    return {
        "rank": row.rank,
        "user_id": row.user_id,
        "name": row.name,
        "username": row.username,
        "branch": tree.names[branch] if branch is not None else "",
        "group": tree.names[group] if group is not None else "",
        "section": branch,
        "points": row.points,
    }


def _add_figures(people: list[dict[str, Any]], figures: dict[int, xxqg.Figure]) -> None:
    """Each person's 学习强国 total and gain, None where the export does not hold them."""
    for person in people:
        figure = figures.get(person["user_id"])
        person["xxqg_total"] = figure.total if figure else None
        person["xxqg_gain"] = figure.gain if figure else None


def xxqg_labels(publication: Publication) -> tuple[str, str] | None:
    """The headings of its 学习强国 columns, naming the days of the exports it froze; None: it has
    no such columns."""
    if publication.xxqg_exported_on is None:
        return None
    return xxqg.total_label(publication.xxqg_exported_on), xxqg.gain_label(publication.xxqg_previous_on)


def highlight(publication: Publication, person: dict[str, Any]) -> str:
    """ "top", "below" or "": how a person's row stands out under the publication's highlights."""
    top_n, threshold = publication.top_n, publication.threshold
    if top_n is not None and person["rank"] <= top_n and person["points"] > 0:
        return "top"
    if threshold is not None and person["points"] < threshold:
        return "below"
    return ""


def leaders(publication: Publication, limit: int) -> list[dict[str, Any]]:
    """The first people of a notice, in rank order, as a public screen may name them: those with
    points; with highlights on, only the first N it marks (表彰先进), and never anyone under its
    threshold: 鞭策后进 is for the notice itself, not for a corridor."""
    found: list[dict[str, Any]] = []
    for person in publication.people:
        if len(found) == limit:
            break
        mark = highlight(publication, person)
        if (mark == "top") if publication.top_n is not None else (mark != "below" and person["points"] > 0):
            found.append(person)
    return found


def grouped(publication: Publication) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each section with its people, in rank order: one printed page per 党支部."""
    members: dict[int | None, list[dict[str, Any]]] = {}
    for person in publication.people:
        members.setdefault(person["section"], []).append(person)
    return [(section, members.get(section["branch_id"], [])) for section in publication.sections]


def latest(session: Session) -> Publication | None:
    """What a corridor shows: the notice in force for the latest period (of weeks and months, the
    one that ended last; a week and the month ending with it: the month) — the whole
    organisation's if it has one, else a 党支部's. A notice published late for an old period, or
    one 党支部's beside the organisation's, does not take its place."""
    for whole in (True, False):
        scope = Publication.branch_id.is_(None) if whole else Publication.branch_id.is_not(None)
        notices = [
            notice
            for kind in PUBLISHABLE
            if (
                notice := session.scalars(
                    select(Publication)
                    .where(Publication.live_key.is_not(None), scope, Publication.period == kind.value)
                    .order_by(Publication.start.desc(), Publication.id.desc())
                    .limit(1)
                ).first()
            )
            is not None
        ]
        if notices:
            return max(
                notices,
                key=lambda notice: (
                    Span(Period(notice.period), notice.start).end,
                    notice.period == Period.MONTH,
                ),
            )
    return None


def get(session: Session, publication_id: int) -> Publication:
    found = session.get(Publication, publication_id)
    if found is None:
        raise DomainError(_("No such publication."), ErrorCode.NOT_FOUND)
    return found


def listing(session: Session, page: int) -> Page[Publication]:
    """Newest first, withdrawn ones included (marked)."""
    query = (
        select(Publication)
        .options(defer(Publication.people), defer(Publication.sections))  # a list shows no rows
        .order_by(Publication.published_at.desc(), Publication.id.desc())
    )
    return paginate(session, query, page)


def withdraw(
    session: Session, actor: User, publication_id: int, reason: str, *, now: datetime
) -> Publication:
    """撤回: the publication stays, marked withdrawn with the reason; nothing of it is edited.

    Of two withdrawals at once, one writes it and the other is told it was withdrawn already: the
    UPDATE itself requires that it is not, so the second, even having read it before the first
    committed, changes no row (SQLite runs the two one after the other; PostgreSQL makes the second
    wait for the first's row and then finds it withdrawn)."""
    if not reason.strip():
        raise DomainError(_("Give the reason for withdrawing it."), ErrorCode.INVALID)
    found = session.get(Publication, publication_id)
    if found is None:
        raise DomainError(_("No such publication."), ErrorCode.NOT_FOUND)
    withdrawn = session.connection().execute(
        update(Publication)
        .where(Publication.id == publication_id, Publication.withdrawn_at.is_(None))
        .values(withdrawn_at=now, withdrawn_by_id=actor.id, withdrawal_reason=reason.strip(), live_key=None)
    )
    if withdrawn.rowcount == 0:
        raise DomainError(_("This publication was withdrawn already."), ErrorCode.REFUSED)
    session.refresh(found)
    accounts.record(session, actor, "publication.withdraw", found.title, now=now, reason=reason.strip())
    return found


# ---- the schedule --------------------------------------------------------------------------------


def schedule(session: Session) -> PublicationSchedule | None:
    return session.get(PublicationSchedule, SCHEDULE_ID)


def set_schedule(
    session: Session,
    actor: User,
    *,
    weekly: bool,
    monthly: bool,
    highlights: Highlights,
    with_xxqg: bool = False,
    now: datetime,
) -> PublicationSchedule:
    """Switch the weekly and monthly publications on or off, and say whether they carry the
    学习强国 figures. Switching one on publishes from the next period's moment; periods due before
    it are the administrators' to publish by hand."""
    row = session.get(PublicationSchedule, SCHEDULE_ID, with_for_update=True)
    if row is None:
        row = PublicationSchedule(id=SCHEDULE_ID)
        session.add(row)
    row.weekly_since = (row.weekly_since or now) if weekly else None
    row.monthly_since = (row.monthly_since or now) if monthly else None
    row.top_n, row.threshold = highlights.top_n, highlights.threshold
    row.with_xxqg = with_xxqg
    row.updated_at, row.updated_by_id = now, actor.id
    accounts.record(
        session,
        actor,
        "publication.schedule",
        "",
        now=now,
        weekly=weekly,
        monthly=monthly,
        top_n=highlights.top_n,
        threshold=highlights.threshold,
        with_xxqg=with_xxqg,
    )
    return row


def moment(span: Span, zone: ZoneInfo) -> datetime:
    """When the schedule publishes a period: 08:00 local on the day after it ends."""
    return datetime.combine(span.end, PUBLISHED_AT, tzinfo=zone)


def _due(kind: Period, since: datetime, now: datetime, zone: ZoneInfo) -> list[Span]:
    """The periods whose moment came after `since` and by `now`, latest first."""
    found: list[Span] = []
    span = periods.current(kind, now, zone)
    while True:
        span = span.previous()
        at = moment(span, zone)
        if at <= since:
            return found
        if at <= now:
            found.append(span)


def publish_due(session: Session, *, now: datetime) -> list[Publication]:
    """The scheduler's sweep: publish, for the whole organisation, each period due and not yet
    published by the schedule. Nothing while the schedule is off."""
    plan = schedule(session)
    if plan is None:
        return []
    zone = clock.local_zone()
    due = {
        f"{span.period}:{span.start.isoformat()}": span
        for kind, since in ((Period.WEEK, plan.weekly_since), (Period.MONTH, plan.monthly_since))
        if since is not None
        for span in _due(kind, since, now, zone)
    }
    if not due:
        return []
    # Published by the schedule before (even if withdrawn since), or in force by hand: not again.
    made = set(
        session.scalars(select(Publication.schedule_key).where(Publication.schedule_key.in_(list(due))))
    ) | {key for key, span in due.items() if in_force(session, live_key(span, None)) is not None}
    highlights = Highlights(plan.top_n, plan.threshold)
    return [
        publish(session, None, span, None, highlights, now=now, schedule_key=key, with_xxqg=plan.with_xxqg)
        for key, span in sorted(due.items(), key=lambda item: item[1].start)
        if key not in made
    ]
