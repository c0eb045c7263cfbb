"""What administrators decide about practice: which banks are open to it, and the sets they publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.banks.models import Bank, Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import service as exams
from studyhall.practice import holding


@dataclass(frozen=True)
class BankState:
    bank: Bank
    questions: int  # current, not retired


def banks(session: Session) -> list[BankState]:
    counts = {
        row.bank_id: row.questions
        for row in session.execute(
            select(Question.bank_id, func.count().label("questions"))
            .where(Question.current, Question.retired.is_(False))
            .group_by(Question.bank_id)
        )
    }
    return [
        BankState(bank, counts.get(bank.id, 0)) for bank in session.scalars(select(Bank).order_by(Bank.name))
    ]


def held_by_bank(session: Session, *, now: datetime) -> dict[int, int]:
    """How many of each bank's questions practice holds back now (a test under way may ask them)."""
    lineages: dict[int, set[str]] = {}
    for bank_id, lineage in session.execute(
        select(Question.bank_id, Question.lineage).where(Question.current, Question.retired.is_(False))
    ):
        lineages.setdefault(bank_id, set()).add(lineage)
    held = holding.held(session, set().union(*lineages.values()), now=now)
    return {bank_id: len(mine & held) for bank_id, mine in lineages.items() if mine & held}


def tests_to_come(session: Session, bank: Bank, *, now: datetime) -> list[tuple[exams.StillOpen, int]]:
    """The tests still to be answered (open or coming) that may ask questions of this bank, with
    how many: practice would show those keys first."""
    lineages = set(
        session.scalars(
            select(Question.lineage).where(
                Question.bank_id == bank.id, Question.current, Question.retired.is_(False)
            )
        )
    )
    return tests_asking(session, lineages, now=now)


def tests_asking(session: Session, lineages: set[str], *, now: datetime) -> list[tuple[exams.StillOpen, int]]:
    """The tests still to be answered that may ask any of these questions, with how many of them,
    the first to end first."""
    counts: dict[exams.StillOpen, int] = {}
    for test in exams.still_answerable(session, lineages, now=now).values():
        counts[test] = counts.get(test, 0) + 1
    return sorted(counts.items(), key=lambda pair: pair[0].ends_at)


class ConfirmNeeded(DomainError):
    """Opening the bank would show keys that tests still to come may ask."""

    def __init__(self, tests: list[tuple[exams.StillOpen, int]]) -> None:
        super().__init__(
            _("Tests still to come draw on this bank: confirm that practice may show their keys."),
            ErrorCode.REFUSED,
        )
        self.tests = tests


def open_bank(session: Session, actor: User, bank: Bank, *, confirmed: bool, now: datetime) -> None:
    """Open a bank for practice. When tests still to come may ask its questions, only `confirmed`
    (the administrator has seen them listed): a test already open keeps its questions out of
    practice until it ends either way (service.pool)."""
    if bank.practice_since is not None:
        return
    coming = tests_to_come(session, bank, now=now)
    if coming and not confirmed:
        raise ConfirmNeeded(coming)
    bank.practice_since = now
    accounts.record(
        session,
        actor,
        "practice.bank_open",
        bank.name,
        now=now,
        bank_id=bank.id,
        tests=[test.title for test, _count in coming],
    )


def close_bank(session: Session, actor: User, bank: Bank, *, now: datetime) -> None:
    """Take a bank out of practice: no new round draws from it; rounds already drawn keep theirs."""
    if bank.practice_since is None:
        return
    bank.practice_since = None
    accounts.record(session, actor, "practice.bank_close", bank.name, now=now, bank_id=bank.id)


def bank_or_error(session: Session, bank_id: int) -> Bank:
    found = session.get(Bank, bank_id)
    if found is None:
        raise DomainError(_("No such question bank."), ErrorCode.NOT_FOUND)
    return found
