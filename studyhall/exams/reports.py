"""What administrators see of a test: the list of tests, one test's settings and a sample paper, the
live monitor, the 参考名单, the results table, the contest ranking and one attempt in detail.
Secretaries see the 参考名单 and results of their branch subtree (`visible`), and a cadre's result
page the outcome of their attempt. The .xlsx downloads are in exams.export, the item analysis in
exams.analysis and the regrade after a key is fixed in exams.regrade.

Plain functions over a session, like every service: no Flask request objects. Branches are grouped
by 党支部: a person counts under the branch just below the top of the tree (a 党小组 under its 党支部);
someone placed directly at the top counts under the top branch itself.
"""

from __future__ import annotations

import enum
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from studyhall.accounts import branch_order
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Branch, User
from studyhall.banks.models import Bank, Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import paper, service
from studyhall.exams.models import (
    Attempt,
    AttemptEvent,
    AttemptItem,
    AttemptState,
    EndedBy,
    Exam,
    ExamExtension,
    ExamItem,
    ExamMode,
    ExamRule,
    ExamStatus,
)
from studyhall.questions import types

ENDED_BY = {
    EndedBy.CADRE: _l("By the cadre"),
    EndedBy.TIMER: _l("Time ran out (page)"),
    EndedBy.SWEEP: _l("Time ran out (server)"),
    EndedBy.TAB_SWITCHES: _l("Tab-switch limit"),
}


# ---- the list of tests and one test's settings -----------------------------------------------


def status(exam: Exam, now: datetime) -> ExamStatus:
    """By the exam's own window (individual later closes aside)."""
    if exam.published_at is None:
        return ExamStatus.DRAFT
    if now < exam.opens_at:
        return ExamStatus.UPCOMING
    return ExamStatus.OPEN if now < exam.closes_at else ExamStatus.CLOSED


@dataclass(frozen=True)
class ExamRow:
    exam: Exam
    status: ExamStatus
    started: int  # attempts started (submitted ones included)
    submitted: int


def exam_rows(session: Session, *, now: datetime) -> list[ExamRow]:
    """Every test, newest window first, with its attempt counts."""
    counts = {
        exam_id: (started, submitted or 0)
        for exam_id, started, submitted in session.execute(
            select(
                Attempt.exam_id,
                func.count(),
                func.sum(case((Attempt.state == AttemptState.SUBMITTED, 1), else_=0)),
            ).group_by(Attempt.exam_id)
        )
    }
    exams = session.scalars(select(Exam).order_by(Exam.opens_at.desc(), Exam.id.desc()))
    return [ExamRow(exam, status(exam, now), *counts.get(exam.id, (0, 0))) for exam in exams]


def total_score(exam: Exam) -> float:
    """The paper's maximum: the hand-picked scores plus each rule's count × score."""
    return math.fsum([item.score for item in exam.items] + [rule.count * rule.score for rule in exam.rules])


def current_versions(session: Session, lineages: Iterable[str]) -> dict[str, Question]:
    """The newest version of each of these question lineages (a lineage that has gone is left out)."""
    lineages = list(lineages)
    if not lineages:
        return {}
    return {
        q.lineage: q
        for q in session.scalars(select(Question).where(Question.lineage.in_(lineages), Question.current))
    }


@dataclass(frozen=True)
class PaperLine:
    item: ExamItem
    question: Question | None  # the newest version; None if the lineage has gone


@dataclass(frozen=True)
class RuleLine:
    rule: ExamRule
    bank: Bank | None


def paper_lines(session: Session, exam: Exam) -> tuple[list[PaperLine], list[RuleLine]]:
    current = current_versions(session, [item.lineage for item in exam.items])
    bank_names = {
        bank.id: bank
        for bank in session.scalars(select(Bank).where(Bank.id.in_([rule.bank_id for rule in exam.rules])))
    }
    return (
        [PaperLine(item, current.get(item.lineage)) for item in exam.items],
        [RuleLine(rule, bank_names.get(rule.bank_id)) for rule in exam.rules],
    )


def item_references(session: Session, exam: Exam) -> list[tuple[str, float]]:
    """The hand-picked questions as (reference, points) for the form: the 编号 where it names one
    question alone, else the lineage (setup.save_exam accepts either)."""
    current = current_versions(session, [item.lineage for item in exam.items])
    ids = [question.external_id for question in current.values() if question.external_id]
    taken = (
        Counter(
            session.scalars(
                select(Question.external_id).where(Question.current, Question.external_id.in_(ids))
            )
        )
        if ids
        else {}
    )
    references = []
    for item in exam.items:
        question = current.get(item.lineage)
        unique = question is not None and question.external_id and taken.get(question.external_id) == 1
        references.append((question.external_id if unique else item.lineage, item.score))  # type: ignore[union-attr]
    return references


@dataclass(frozen=True)
class AudienceLines:
    branches: list[Branch]
    people: list[User]
    expected: int  # everyone the test expects: service.audience_users


def audience_lines(session: Session, exam: Exam) -> AudienceLines:
    branch_ids = [member.branch_id for member in exam.audience if member.branch_id is not None]
    user_ids = [member.user_id for member in exam.audience if member.user_id is not None]
    branches = branch_order.ordered(session.scalars(select(Branch).where(Branch.id.in_(branch_ids))))
    people = (
        list(session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.username)))
        if user_ids
        else []
    )
    return AudienceLines(branches, people, len(service.audience_users(session, exam)))


def arrangements(session: Session, exam: Exam) -> list[tuple[ExamExtension, User]]:
    """Individual extensions of this test, by 工号."""
    return [
        (arrangement, user)
        for arrangement, user in session.execute(
            select(ExamExtension, User)
            .join(User, ExamExtension.user_id == User.id)
            .where(ExamExtension.exam_id == exam.id)
            .order_by(User.username)
        )
    ]


@dataclass(frozen=True)
class PreviewQuestion:
    shown: dict[str, object]  # exactly what a cadre's paper holds (paper.shown_question)
    key: object  # the key in the letters shown, for the administrator only
    explanation: str
    external_id: str


def preview(session: Session, exam: Exam, rng) -> list[PreviewQuestion]:  # type: ignore[no-untyped-def]
    """One paper drawn as a cadre's would be (setup.preview's drawing), each question with its key."""
    rows = []
    for position, drawn in enumerate(paper.draw(session, exam, rng), start=1):
        item = AttemptItem(position=position, score=drawn.score, option_order=drawn.option_order)
        rows.append(
            PreviewQuestion(
                paper.shown_question(drawn.question, item),
                types.get(drawn.question.type).to_shown(item.option_order, drawn.question.answer),
                drawn.question.explanation,
                drawn.question.external_id,
            )
        )
    return rows


# ---- who is expected, grouped by 党支部 --------------------------------------------------------


@dataclass(frozen=True)
class Groups:
    """Branches in tree order, and for each branch the 党支部 it counts under."""

    order: list[Branch]
    group_of: dict[int, Branch]

    def of(self, user: User) -> Branch | None:
        return self.group_of.get(user.branch_id) if user.branch_id is not None else None

    def sort(self, keys: Iterable[Branch | None]) -> list[Branch | None]:
        rank = {branch.id: index for index, branch in enumerate(self.order)}
        return sorted(set(keys), key=lambda b: rank.get(b.id, len(rank)) if b else len(rank) + 1)


def groups(session: Session) -> Groups:
    tree = accounts.branch_tree(session)
    by_id = {node.branch.id: node.branch for node in tree}
    group_of = {}
    for node in tree:
        chain = [node.branch]
        while chain[-1].parent_id is not None and chain[-1].parent_id in by_id:
            chain.append(by_id[chain[-1].parent_id])
        group_of[node.branch.id] = chain[-2] if len(chain) >= 2 else chain[-1]
    return Groups([node.branch for node in tree], group_of)


class Progress(enum.StrEnum):
    """Where someone expected stands with a test, in the order the roster lists them: who still has
    to take the test first."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


PROGRESS = {
    Progress.NOT_STARTED: _l("Not started"),
    Progress.IN_PROGRESS: _l("In progress"),
    Progress.SUBMITTED: _l("Submitted"),
}


@dataclass(frozen=True)
class RosterLine:
    user: User
    branch: str  # the person's branch path
    progress: Progress


@dataclass(frozen=True)
class RosterGroup:
    """One 党支部's people expected to take the test (None: people in no branch)."""

    branch: Branch | None
    lines: list[RosterLine]

    @property
    def audience(self) -> int:
        return len(self.lines)

    def count(self, progress: Progress) -> int:
        return sum(1 for line in self.lines if line.progress == progress)


def roster(session: Session, exam: Exam, *, visible: set[int] | None = None) -> list[RosterGroup]:
    """The 参考名单 per 党支部: everyone expected (service.audience_users), each with where they
    stand, those not started first (then by 工号). Someone with a later attempt in progress is in
    progress. `visible`: only people in these branches (a secretary's subtree); None: everyone."""
    states: dict[int, set[AttemptState]] = defaultdict(set)
    query = select(Attempt.user_id, Attempt.state).where(Attempt.exam_id == exam.id)
    for user_id, state in session.execute(query):
        states[user_id].add(state)
    grouping = groups(session)
    lines: dict[Branch | None, list[RosterLine]] = defaultdict(list)
    for user in service.audience_users(session, exam):
        if visible is not None and user.branch_id not in visible:
            continue
        mine = states.get(user.id, set())
        progress = (
            Progress.IN_PROGRESS
            if AttemptState.OPEN in mine
            else Progress.SUBMITTED
            if AttemptState.SUBMITTED in mine
            else Progress.NOT_STARTED
        )
        lines[grouping.of(user)].append(RosterLine(user, accounts.branch_path(user.branch), progress))
    order = list(PROGRESS)
    return [
        RosterGroup(branch, sorted(lines[branch], key=lambda line: order.index(line.progress)))
        for branch in grouping.sort(lines)
    ]


@dataclass(frozen=True)
class MonitorRow:
    branch: Branch | None  # None: people in no branch
    audience: int
    not_started: int
    in_progress: int
    submitted: int


@dataclass(frozen=True)
class Monitor:
    rows: list[MonitorRow]
    total: MonitorRow


def monitor(session: Session, exam: Exam) -> Monitor:
    """Per 党支部: how many are expected, and how many have not started, are in progress, have
    submitted (the roster's counts)."""
    rows = [
        MonitorRow(
            group.branch,
            group.audience,
            group.count(Progress.NOT_STARTED),
            group.count(Progress.IN_PROGRESS),
            group.count(Progress.SUBMITTED),
        )
        for group in roster(session, exam)
    ]
    total = MonitorRow(
        None,
        *(
            sum(getattr(row, name) for row in rows)
            for name in ("audience", "not_started", "in_progress", "submitted")
        ),
    )
    return Monitor(rows, total)


# ---- results and ranking ---------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    attempt: Attempt
    user: User
    branch: str  # the person's branch path
    time_used: int | None  # seconds from start to submission; None while in progress
    counted: bool  # the attempt whose score counts, as the exam's grading says


def results(session: Session, exam: Exam) -> list[ResultRow]:
    """Every attempt, by branch in tree order, then 工号, then attempt number."""
    attempts = session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)).all()
    users = {
        user.id: user
        for user in session.scalars(
            select(User).where(User.id.in_({attempt.user_id for attempt in attempts}))
        )
    }
    by_user: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        by_user[attempt.user_id].append(attempt)
    counted = {
        attempt.id
        for attempt in (service.counted_attempt(exam, mine) for mine in by_user.values())
        if attempt is not None
    }
    rows = [
        ResultRow(
            attempt,
            users[attempt.user_id],
            accounts.branch_path(users[attempt.user_id].branch),
            time_used(attempt),
            attempt.id in counted,
        )
        for attempt in attempts
    ]
    rank = {node.branch.id: index for index, node in enumerate(accounts.branch_tree(session))}
    return sorted(
        rows,
        key=lambda row: (rank.get(row.user.branch_id, len(rank)), row.user.username, row.attempt.number),
    )


def time_used(attempt: Attempt) -> int | None:
    if attempt.submitted_at is None:
        return None
    return max(0, int((attempt.submitted_at - attempt.started_at).total_seconds()))


@dataclass(frozen=True)
class RankRow:
    rank: int
    row: ResultRow


def ranking(rows: Sequence[ResultRow]) -> list[RankRow]:
    """Contest ranking: each person's counted attempt, higher score first, then less time used.
    Equal score and equal time share a rank (1, 2, 2, 4)."""
    counted = sorted(
        (row for row in rows if row.counted),
        key=lambda row: (-(row.attempt.score or 0), row.time_used or 0, row.user.username),
    )
    ranked: list[RankRow] = []
    for index, row in enumerate(counted):
        previous = ranked[-1] if ranked else None
        tied = previous is not None and (previous.row.attempt.score, previous.row.time_used) == (
            row.attempt.score,
            row.time_used,
        )
        ranked.append(RankRow(previous.rank if tied else index + 1, row))
    return ranked


@dataclass(frozen=True)
class Outcome:
    """What a cadre's result page says of one attempt besides its score."""

    time_used: int | None  # seconds
    correct: int  # questions given full marks
    questions: int
    rank: int | None  # in a contest: the person's rank, by their counted attempt
    ranked: int  # in a contest: how many people are ranked


def outcome(session: Session, exam: Exam, attempt: Attempt) -> Outcome:
    correct = sum(1 for item in attempt.items if item.awarded is not None and item.awarded >= item.score)
    ranked = ranking(results(session, exam)) if exam.mode == ExamMode.CONTEST else []
    rank = next((entry.rank for entry in ranked if entry.row.user.id == attempt.user_id), None)
    return Outcome(time_used(attempt), correct, len(attempt.items), rank, len(ranked))


def results_and_ranking(
    session: Session, exam: Exam, *, visible: set[int] | None = None
) -> tuple[list[ResultRow], list[RankRow]]:
    """The results and, for a contest, the ranking, of people in the `visible` branches (None:
    everyone). Ranks are among everyone who took the test, whoever is shown."""
    rows = results(session, exam)
    ranked = ranking(rows) if exam.mode == ExamMode.CONTEST else []
    if visible is not None:
        rows = [row for row in rows if row.user.branch_id in visible]
        ranked = [entry for entry in ranked if entry.row.user.branch_id in visible]
    return rows, ranked


def branch_exam_rows(session: Session, visible: set[int], *, now: datetime) -> list[ExamRow]:
    """The tests a secretary sees: the published ones expecting someone of the `visible` branches."""
    return [row for row in exam_rows(session, now=now) if visible_to(session, row.exam, visible)]


def scores_final(session: Session, exam: Exam, *, now: datetime) -> bool:
    """Whether the test's scores may be shown to those who sit it alongside others (a branch
    secretary, who may sit it too): once nobody can answer it any more and no other live test may put
    its questions on a paper. Earlier, their own or a colleague's hidden score would tell a key."""
    if now <= service.answering_ends_at(session, exam):
        return False
    on_papers = select(AttemptItem.lineage).where(AttemptItem.exam_id == exam.id).distinct()
    lineages = set(session.scalars(on_papers))
    return not lineages or not service.still_open_elsewhere(session, exam, lineages, now=now)


def visible_to(session: Session, exam: Exam, visible: set[int]) -> bool:
    """Whether the test is published and expects anyone of the `visible` branches."""
    if exam.published_at is None:
        return False
    return any(user.branch_id in visible for user in service.audience_users(session, exam))


@dataclass(frozen=True)
class AttemptDetail:
    attempt: Attempt
    user: User
    branch: str
    events: list[AttemptEvent]
    questions: list[dict[str, object]]  # service.review's rows, each with its lineage and 编号 added
    attempts: list[Attempt]  # all of this person's attempts at the test


def attempt_detail(session: Session, exam: Exam, attempt_id: int) -> AttemptDetail:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.exam_id != exam.id:
        raise DomainError(_("No such attempt."), ErrorCode.NOT_FOUND)
    user = session.get(User, attempt.user_id)
    events = list(
        session.scalars(
            select(AttemptEvent)
            .where(AttemptEvent.attempt_id == attempt.id)
            .order_by(AttemptEvent.at, AttemptEvent.id)
        )
    )
    rows = service.review(session, attempt, owner_at=None)
    external = dict(
        session.execute(
            select(Question.id, Question.external_id).where(
                Question.id.in_([item.question_id for item in attempt.items])
            )
        ).all()
    )
    for row, item in zip(rows, attempt.items, strict=True):
        row["lineage"], row["external_id"] = item.lineage, external.get(item.question_id, "")
    mine = list(
        session.scalars(
            select(Attempt)
            .where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)
            .order_by(Attempt.number)
        )
    )
    return AttemptDetail(attempt, user, accounts.branch_path(user.branch), events, rows, mine)
