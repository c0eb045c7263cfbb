"""The kinds of panel a screen can rotate through, one entry each in PANELS.

A panel is a function that reads what it shows into plain JSON (or None: nothing to show now, so
the screen skips it) and, in static/js/display.js, one renderer of that JSON under the same kind.
Adding a kind is one function here and one renderer there.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhall import clock
from studyhall.accounts import levels
from studyhall.display.models import Display, Privacy
from studyhall.exams import service as exams
from studyhall.plans import kinds
from studyhall.plans import service as plans
from studyhall.points import boards, periods, publications
from studyhall.points.models import Period
from studyhall.xxqg import service as xxqg

TOP_PEOPLE = 10
TOP_BRANCHES = 12  # a 1080-line screen holds this many rows at a size read from three metres
NOTICE_ROWS = 8  # each column of the 积分公示 panel, under the notice's title

# Two-character surnames (复姓) common enough to meet in an organisation; any other name's surname
# is its first character.
_COMPOUND = "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 独孤 南宫 西门 轩辕 端木 百里 呼延 申屠 澹台 太史 闻人 公冶 宗政 濮阳 淳于 单于 钟离 赫连 万俟 第五 左丘"
COMPOUND_SURNAMES = frozenset(_COMPOUND.split())


def shown_name(name: str, privacy: Privacy) -> str:
    """A person's name as the screen says it: in full, or surname + 同志 (欧阳明 → 欧阳同志)."""
    name = name.strip()
    if privacy is Privacy.FULL_NAME:
        return name
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    return f"{surname}同志"


def shown_branch(path: str, privacy: Privacy) -> str:
    """Where a person is, as the screen says it: 党支部 / 党小组 with full names; with surnames only,
    the 党支部 alone, since a 党小组 of a few people would tell who it is."""
    return path if privacy is Privacy.FULL_NAME else path.split(" / ")[0]


class PanelKind(enum.StrEnum):
    PEOPLE = "people"  # top people this week
    BRANCHES = "branches"  # 党支部 by average points per member this week
    PUBLICATION = "publication"  # the latest 积分公示
    XUEXI = "xuexi"  # the 学习强国 ranking
    NEXT_EXAM = "next_exam"  # the next test, with a countdown
    NOTICE = "notice"  # the administrators' text
    PLAN = "plan"  # this week's study plan


@dataclass(frozen=True)
class Context:
    session: Session
    display: Display
    now: datetime

    @property
    def week(self) -> periods.Span:
        return periods.current(Period.WEEK, self.now, clock.local_zone())


Build = Callable[[Context], dict[str, object] | None]


@dataclass(frozen=True)
class Panel:
    kind: PanelKind
    label: str  # lazy: the admin form's choice and the panel's title on the screen
    build: Build | None  # None: a kind whose feature is still to come; not offered to administrators


def _people(context: Context) -> dict[str, object]:
    rows = boards.people(context.session, context.week, limit=TOP_PEOPLE)
    return {
        "week": context.week.start.isoformat(),
        "rows": [
            {
                "rank": row.rank,
                "name": shown_name(row.name, context.display.privacy),
                "branch": shown_branch(row.branch, context.display.privacy),
                "points": row.points,
            }
            for row in rows
            # A corridor celebrates: nobody is shown at 0, nor with a deduction (鞭策后进 is for the
            # printed notice, not a screen anyone passing reads).
            if row.points > 0
        ],
    }


def _branches(context: Context) -> dict[str, object]:
    rows = boards.branches(context.session, context.week, levels.Level.BRANCH)[:TOP_BRANCHES]
    return {
        "week": context.week.start.isoformat(),
        "rows": [
            {"rank": row.rank, "name": row.name, "members": row.members, "average": row.average}
            for row in rows
        ],
    }


def _publication(context: Context) -> dict[str, object] | None:
    publication = publications.latest(context.session)
    if publication is None:
        return None
    privacy = context.display.privacy
    ranked = sorted(publication.sections, key=lambda section: section["rank"])
    return {
        "notice_title": publication.title,
        "period": publications.period_of(publication),
        # A notice of one 党支部 has no ranking of 党支部 to show.
        "branches": [
            {"rank": section["rank"], "name": section["name"], "average": section["average"]}
            for section in ranked[:NOTICE_ROWS]
        ]
        if len(ranked) > 1
        else [],
        "people_title": _("First %(n)d", n=publication.top_n) if publication.top_n else _("Leading people"),
        "people": [
            {
                "rank": person["rank"],
                "name": shown_name(person["name"], privacy),
                "branch": shown_branch(
                    " / ".join(filter(None, (person["branch"], person["group"]))), privacy
                ),
                "points": person["points"],
            }
            for person in publications.leaders(publication, NOTICE_ROWS)
        ],
    }


def _xuexi(context: Context) -> dict[str, object] | None:
    snapshot = xxqg.latest_snapshot(context.session)
    if snapshot is None:
        return None
    rows = xxqg.board(context.session, snapshot, limit=TOP_PEOPLE)
    if not rows:
        return None
    previous = xxqg.previous_snapshot(context.session, snapshot)
    privacy = context.display.privacy
    return {
        # Headed as everywhere else: whose export the totals are, and since which one a gain counts.
        "total_label": xxqg.total_label(snapshot.exported_on),
        "gain_label": xxqg.gain_label(previous.exported_on if previous else None),
        "rows": [
            {
                "rank": row.rank,
                "name": shown_name(row.name, privacy),
                "branch": shown_branch(row.branch, privacy),
                "total": row.total,
                "gain": row.gain,
            }
            for row in rows
        ],
    }


def _next_exam(context: Context) -> dict[str, object] | None:
    exam = exams.next_for_everyone(context.session, now=context.now)
    if exam is None:
        return None
    # Times, not seconds left: the payload must stay the same between polls for its ETag to hold.
    return {
        "exam": exam.title,
        "opens_at": exam.opens_at.isoformat(),
        "closes_at": exam.closes_at.isoformat(),
        "minutes": exam.time_limit_minutes,
    }


def _plan(context: Context) -> dict[str, object] | None:
    """The organisation's study plan this week: its theme and the items meant for everyone, with
    their kinds and due times (times, not time left: the payload stays the same between polls). An
    item for some branches or people is theirs, not a corridor's, which anyone may read."""
    plan = plans.organisation_week(context.session, context.week.start, now=context.now)
    everyone = [item for item in plan.items if not item.audience] if plan is not None else []
    if plan is None or not everyone:
        return None
    return {
        "theme": plan.theme,
        "items": [
            {"title": item.title, "kind": str(kinds.get(item.kind).label), "due_at": item.due_at.isoformat()}
            for item in everyone
        ],
    }


def _notice(context: Context) -> dict[str, object] | None:
    text = context.display.notice.strip()
    return {"text": text} if text else None


# Keyed by kind; a PanelKind is its value as a str, so a stored kind finds its panel directly.
PANELS: dict[str, Panel] = {
    panel.kind: panel
    for panel in (
        Panel(PanelKind.PEOPLE, _l("Top people this week"), _people),
        Panel(PanelKind.BRANCHES, _l("党支部 ranking this week"), _branches),
        Panel(PanelKind.PUBLICATION, _l("Latest 积分公示"), _publication),
        Panel(PanelKind.XUEXI, _l("学习强国 ranking"), _xuexi),
        Panel(PanelKind.NEXT_EXAM, _l("Next test"), _next_exam),
        Panel(PanelKind.NOTICE, _l("Notice"), _notice),
        Panel(PanelKind.PLAN, _l("This week’s study plan"), _plan),
    )
}


def offered() -> list[Panel]:
    """The kinds an administrator can put on a screen now."""
    return [panel for panel in PANELS.values() if panel.build is not None]
