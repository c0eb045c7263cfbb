"""每周答题 and 专项答题: the sets administrators build from banks and categories, and publish.

A set is drawn when it is saved (and drawn again on request), so everyone answers the same
questions. Any bank may be drawn on, open for practice or not: a set is a deliberate choice. Once
someone has begun a round of the set (only possible while it is published and open) its questions
stay as they are: that round holds them, and everyone who comes later must get the same ones."""

from __future__ import annotations

import enum
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.banks.models import Bank, Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.pagination import Page, paginate
from studyhall.plans import dates
from studyhall.practice.models import PracticeRound, PracticeSet, SetKind

MOST_QUESTIONS = 50
WEEKLY_DAYS = 7
PER_PAGE = 30
KIND_LABELS = {SetKind.WEEKLY: _l("Weekly set (每周答题)"), SetKind.TOPIC: _l("Topic set (专项答题)")}
FIELD_LABELS = {
    "kind": _l("Kind"),
    "title": _l("Set title"),
    "first_day": _l("First day"),
    "last_day": _l("Last day"),
    "bank_ids": _l("Banks"),
    "categories": _l("Categories (知识点)"),
    "description": _l("Description"),
    "count": _l("Number of questions"),
}
_CATEGORY_SEPARATORS = re.compile(r"[,，、;；\n]+")


class SetStatus(enum.StrEnum):
    DRAFT = "draft"
    UPCOMING = "upcoming"
    OPEN = "open"
    ENDED = "ended"


class SetError(DomainError):
    """What is wrong with a set, by field, each named: "Last day: it is before the first day."."""

    def __init__(self, problems: dict[str, str], code: ErrorCode = ErrorCode.INVALID) -> None:
        message = " ".join(
            _("%(field)s: %(reason)s", field=FIELD_LABELS[name], reason=reason)
            for name, reason in problems.items()
        )
        super().__init__(message, code)
        self.problems = problems


@dataclass(frozen=True)
class SetSpec:
    kind: SetKind
    title: str
    first_day: date
    last_day: date
    bank_ids: list[int]
    count: int
    categories: list[str] = field(default_factory=list)
    description: str = ""

    def built_from(self) -> dict[str, object]:
        """What the draw takes: stored with the set, so an edit that keeps it keeps the questions."""
        return {"bank_ids": sorted(set(self.bank_ids)), "categories": self.categories, "count": self.count}


def category_list(text: str | None) -> list[str]:
    """The categories in a text, separated by commas (either width), 、 or lines, each once."""
    return list(
        dict.fromkeys(part.strip() for part in _CATEGORY_SEPARATORS.split(text or "") if part.strip())
    )


def this_week(day: date) -> tuple[date, date]:
    """Monday to Sunday of the ISO week holding `day`: a weekly set's default days."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def status(found: PracticeSet, day: date) -> SetStatus:
    if found.published_at is None:
        return SetStatus.DRAFT
    if day < found.first_day:
        return SetStatus.UPCOMING
    return SetStatus.OPEN if day <= found.last_day else SetStatus.ENDED


def set_or_error(session: Session, set_id: int) -> PracticeSet:
    found = session.get(PracticeSet, set_id)
    if found is None:
        raise DomainError(_("No such practice set."), ErrorCode.NOT_FOUND)
    return found


def listing(session: Session, page: int) -> Page[PracticeSet]:
    """Every set, the latest first."""
    query = select(PracticeSet).order_by(PracticeSet.first_day.desc(), PracticeSet.id.desc())
    return paginate(session, query, page, PER_PAGE)


def begun(session: Session, found: PracticeSet) -> bool:
    """Whether someone has begun a round of the set: its questions are fixed from then on."""
    return (
        session.scalar(select(PracticeRound.id).where(PracticeRound.set_id == found.id).limit(1)) is not None
    )


def people_begun(session: Session, found: PracticeSet) -> int:
    """How many people have begun a round of the set."""
    return (
        session.scalar(
            select(func.count(func.distinct(PracticeRound.user_id))).where(PracticeRound.set_id == found.id)
        )
        or 0
    )


def _fixed() -> str:
    return _("people have begun answering this set, so its questions stay as they are.")


MAX_DESCRIPTION = 500  # shown on every cadre's practice page: a few lines


def _problems(session: Session, spec: SetSpec) -> dict[str, str]:
    """Every field's first problem, by field, so one correction fixes the form."""
    problems: dict[str, str] = {}
    title = spec.title.strip()
    if not title:
        problems["title"] = _("give the set a title.")
    elif len(title) > 100:
        problems["title"] = _("at most %(n)d characters.", n=100)
    if len(spec.description.strip()) > MAX_DESCRIPTION:
        problems["description"] = _("at most %(n)d characters.", n=MAX_DESCRIPTION)
    for name in ("first_day", "last_day"):
        if not dates.day_ok(getattr(spec, name)):
            problems[name] = dates.out_of_range()
    days = "first_day" not in problems and "last_day" not in problems  # both real days
    if days and spec.last_day < spec.first_day:
        problems["last_day"] = _("it is before the first day.")
    elif days and spec.kind == SetKind.WEEKLY and (spec.last_day - spec.first_day).days >= WEEKLY_DAYS:
        problems["last_day"] = _("a weekly set lasts at most %(n)d days.", n=WEEKLY_DAYS)
    if not spec.bank_ids:
        problems["bank_ids"] = _("choose at least one bank.")
    elif set(session.scalars(select(Bank.id).where(Bank.id.in_(spec.bank_ids)))) != set(spec.bank_ids):
        problems["bank_ids"] = _("No such question bank.")
    if not 1 <= spec.count <= MOST_QUESTIONS:
        problems["count"] = _("choose from 1 to %(n)d.", n=MOST_QUESTIONS)
    return problems


def _draw(session: Session, built_from: dict, rng: random.Random) -> list[str]:
    """`count` lineages at random among the current questions of the banks in any of the
    categories (any category when none is given); retired ones are never drawn."""
    wanted = set(built_from["categories"])
    rows = session.execute(
        select(Question.lineage, Question.categories)
        .where(Question.bank_id.in_(built_from["bank_ids"]), Question.current, Question.retired.is_(False))
        .order_by(Question.id)
    ).all()
    seen = {category for _lineage, categories in rows for category in categories or []}
    problems = {}
    unknown = sorted(wanted - seen)
    if unknown:  # a typo would otherwise narrow the draw without a word
        names = "、".join(f"“{name}”" for name in unknown)
        problems["categories"] = _("no question of the banks chosen is in %(names)s.", names=names)
    found = [lineage for lineage, categories in rows if not wanted or wanted & set(categories or [])]
    if len(found) < built_from["count"]:
        problems["count"] = (
            _("only %(n)d questions of the banks chosen are in those categories.", n=len(found))
            if wanted
            else _("the banks chosen hold only %(n)d questions.", n=len(found))
        )
    if problems:
        raise SetError(problems)
    return rng.sample(found, built_from["count"])


def save(
    session: Session,
    actor: User,
    spec: SetSpec,
    *,
    set_id: int | None = None,
    now: datetime,
    rng: random.Random | None = None,
) -> PracticeSet:
    """Create a set, or change one; its questions are drawn when it is new or what they are drawn
    from (banks, categories, number) changes — refused once people have begun it. Every field's
    problem is named at once, the draw's (categories, number) included."""
    found = set_or_error(session, set_id) if set_id is not None else None
    problems = _problems(session, spec)
    fixed = found is not None and begun(session, found)
    if fixed and found is not None and found.kind != spec.kind:
        problems["kind"] = _fixed()
    if found is not None and found.published_at is not None and "last_day" not in problems:
        other = _weekly_alongside(session, spec.kind, spec.first_day, spec.last_day, found.id)
        if other is not None:
            problems["first_day"] = _alongside_message(other)
    built_from = spec.built_from()
    lineages = None
    if found is None or found.built_from != built_from:
        if fixed:
            problems["bank_ids"] = _fixed()
        elif "bank_ids" not in problems and "count" not in problems:
            try:
                lineages = _draw(session, built_from, rng or random.Random())
            except SetError as error:
                problems.update(error.problems)
    if problems:
        raise SetError(problems)
    if found is None:
        found = PracticeSet(created_by_id=actor.id, created_at=now, lineages=[], built_from={})
    if lineages is not None:
        found.lineages = lineages
        found.built_from = built_from
    found.kind = spec.kind
    found.title = spec.title.strip()
    found.description = spec.description.strip()
    found.first_day = spec.first_day
    found.last_day = spec.last_day
    session.add(found)
    session.flush()
    _record_save(session, actor, found, now=now)
    return found


def _record_save(
    session: Session, actor: User, found: PracticeSet, *, now: datetime, redrawn: bool = False
) -> None:
    accounts.record(
        session,
        actor,
        "practice.set_save",
        found.title,
        now=now,
        set_id=found.id,
        questions=len(found.lineages),
        redrawn=redrawn,
    )


def redraw(
    session: Session, actor: User, found: PracticeSet, *, now: datetime, rng: random.Random | None = None
) -> None:
    """Draw the set's questions again from what it is built from (重新抽取)."""
    if begun(session, found):
        raise DomainError(_fixed(), ErrorCode.STARTED)
    found.lineages = _draw(session, found.built_from, rng or random.Random())
    _record_save(session, actor, found, now=now, redrawn=True)


def _weekly_alongside(
    session: Session, kind: SetKind, first_day: date, last_day: date, set_id: int | None
) -> PracticeSet | None:
    """Another published weekly set sharing a day with these: one weekly set at a time, as its
    points rule counts the week's answers (two would give twice the questions for the same cap)."""
    if kind != SetKind.WEEKLY:
        return None
    query = select(PracticeSet).where(
        PracticeSet.kind == SetKind.WEEKLY,
        PracticeSet.published_at.is_not(None),
        PracticeSet.first_day <= last_day,
        PracticeSet.last_day >= first_day,
    )
    if set_id is not None:
        query = query.where(PracticeSet.id != set_id)
    return session.scalars(query.order_by(PracticeSet.first_day).limit(1)).first()


def _alongside_message(other: PracticeSet) -> str:
    return _(
        "the weekly set “%(title)s” (%(first)s to %(last)s) is published for some of these days: one weekly set at a time.",
        title=other.title,
        first=other.first_day.isoformat(),
        last=other.last_day.isoformat(),
    )


def publish(session: Session, actor: User, found: PracticeSet, *, now: datetime) -> None:
    """Cadres see the set from its first day to its last."""
    if found.published_at is not None:
        return
    other = _weekly_alongside(session, found.kind, found.first_day, found.last_day, found.id)
    if other is not None:
        raise DomainError(_alongside_message(other), ErrorCode.REFUSED)
    found.published_at = now
    accounts.record(session, actor, "practice.set_publish", found.title, now=now, set_id=found.id)


def unpublish(session: Session, actor: User, found: PracticeSet, *, now: datetime) -> None:
    """Back to a draft: nobody starts it or answers in it any more; answers given stay."""
    if found.published_at is None:
        return
    found.published_at = None
    accounts.record(session, actor, "practice.set_unpublish", found.title, now=now, set_id=found.id)


def categories_by_bank(session: Session) -> dict[int, list[tuple[str, int]]]:
    """Each bank's categories with how many questions a set could draw from each, for the form."""
    counts: dict[int, dict[str, int]] = {}
    for bank_id, categories in session.execute(
        select(Question.bank_id, Question.categories).where(Question.current, Question.retired.is_(False))
    ):
        mine = counts.setdefault(bank_id, {})
        for name in set(categories or []):
            mine[name] = mine.get(name, 0) + 1
    # The largest first: those are what a set is usually built from.
    return {
        bank_id: sorted(found.items(), key=lambda pair: (-pair[1], pair[0]))
        for bank_id, found in counts.items()
    }


def bank_names(session: Session, found: PracticeSet) -> list[str]:
    """The banks the set is drawn from."""
    ids = found.built_from.get("bank_ids", [])
    return list(session.scalars(select(Bank.name).where(Bank.id.in_(ids)).order_by(Bank.name)))


@dataclass(frozen=True)
class SetQuestion:
    question: Question  # the newest version, as a round starting now would ask it
    bank: str


def questions(session: Session, found: PracticeSet) -> list[SetQuestion]:
    """The set's questions in the order asked, each in its newest version (a retired one is shown
    as such: rounds leave it out)."""
    rows = session.execute(
        select(Question, Bank.name)
        .join(Bank, Bank.id == Question.bank_id)
        .where(Question.lineage.in_(found.lineages), Question.current)
    )
    by_lineage = {question.lineage: SetQuestion(question, bank) for question, bank in rows}
    return [by_lineage[lineage] for lineage in found.lineages if lineage in by_lineage]
