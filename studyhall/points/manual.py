"""Manual awards as administrators make them: one form names any number of people with one number
and one reason (service.award_by_hand gives them all the form's source), so the form's award is
listed, and can be taken back, as one batch. Taking back goes through service.reverse, person by
person, so a batch's reversal is the same compensating rows a single one is."""

from __future__ import annotations

from dataclasses import dataclass

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyhall.accounts.models import User
from studyhall.errors import DomainError, ErrorCode
from studyhall.points import service
from studyhall.points.models import PointAward
from studyhall.points.service import RuleKey

# How many people one form may name: a batch is checked and taken back in one request, and a
# longer list is a mistake (a pasted roster of the whole province), not an award.
# How many of the latest batches the administrators' page lists.
LISTED = 30


@dataclass(frozen=True)
class Member:
    """One person's award in a batch, and its reversal if it was taken back."""

    award: PointAward
    person: User
    reversal: PointAward | None
    reversed_by: User | None


@dataclass(frozen=True)
class Batch:
    members: list[Member]  # in the order they were awarded
    by: User | None

    @property
    def first(self) -> PointAward:
        return self.members[0].award

    @property
    def open(self) -> list[Member]:
        """Those whose award still stands."""
        return [member for member in self.members if member.reversal is None]

    @property
    def reversals(self) -> list[PointAward]:
        return [member.reversal for member in self.members if member.reversal is not None]


def named(people: list[User], *, shown: int = 3) -> str:
    """People as a list or the audit log names them: 王建国 (10001)、李晓燕 (10002)和张三 (20001), or
    for more than `shown`, the first and how many in all: 王建国 (10001)等 160 人."""
    names = [f"{person.display_name} ({person.username})" for person in people]
    if len(names) <= shown:
        return format_list(names, locale=get_locale()) if names else ""
    return _("%(first)s and others, %(n)d people", first=names[0], n=len(names))


def batches(session: Session, *, limit: int = LISTED) -> list[Batch]:
    """The latest batches, newest first."""
    manual = service.rule(session, RuleKey.MANUAL)
    sources = list(
        session.scalars(
            select(PointAward.source)
            .where(PointAward.rule_id == manual.id, PointAward.seq == 0)
            .group_by(PointAward.source)
            .order_by(func.max(PointAward.at).desc(), func.max(PointAward.id).desc())
            .limit(limit)
        )
    )
    found = _batches(session, manual.id, sources)
    return [found[source] for source in sources if source in found]


def batch(session: Session, award_id: int) -> Batch:
    """The batch of a manual award (any of its rows names it)."""
    manual = service.rule(session, RuleKey.MANUAL)
    found = session.get(PointAward, award_id)
    if found is None or found.rule_id != manual.id or found.seq != 0:
        raise DomainError(_("No such award."), ErrorCode.NOT_FOUND)
    return _batches(session, manual.id, [found.source])[found.source]


def _batches(session: Session, rule_id: int, sources: list[str]) -> dict[str, Batch]:
    if not sources:
        return {}
    rows = session.execute(
        select(PointAward, User)
        .join(User, User.id == PointAward.user_id)
        .where(PointAward.rule_id == rule_id, PointAward.source.in_(sources))
        .order_by(PointAward.id)
    ).all()
    awards: dict[str, list[tuple[PointAward, User]]] = {}
    reversals: dict[tuple[str, int], PointAward] = {}
    for award, person in rows:
        if award.seq == 0:
            awards.setdefault(award.source, []).append((award, person))
        else:  # a reversal sets the source back to 0 in one row; the latest says why
            reversals[(award.source, award.user_id)] = award
    deciders = {award.awarded_by_id for award, _person in rows} - {None}
    names: dict[int | None, User] = {
        user.id: user for user in session.scalars(select(User).where(User.id.in_(deciders)))
    }

    def member(award: PointAward, person: User) -> Member:
        reversal = reversals.get((award.source, person.id))
        return Member(award, person, reversal, names.get(reversal.awarded_by_id) if reversal else None)

    return {
        source: Batch([member(*row) for row in members], names.get(members[0][0].awarded_by_id))
        for source, members in awards.items()
    }


def reverse_batch(session: Session, actor: User, award_id: int, reason: str) -> list[PointAward]:
    """Take back the award of everyone in the batch whose award still stands, for one reason.
    The caller commits; a batch already taken back whole is refused."""
    found = batch(session, award_id)
    if not found.open:
        raise DomainError(_("This award has been taken back already."), ErrorCode.INVALID)
    return [service.reverse(session, actor, member.award.id, reason) for member in found.open]
