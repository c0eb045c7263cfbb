"""What administrators see of a test: the list of tests, the live monitor, the 参考名单, the results
table and their .xlsx exports, the contest ranking, one attempt in detail, the analysis (Moodle's item
statistics by question lineage, per-branch averages and participation) and the regrade after a key is
fixed. Secretaries see the 参考名单 and results of their branch subtree (`visible`), and a cadre's
result page the outcome of their attempt.

Plain functions over a session, like every service: no Flask request objects. Branches are grouped
by 党支部: a person counts under the branch just below the top of the tree (a 党小组 under its 党支部);
someone placed directly at the top counts under the top branch itself.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from types import SimpleNamespace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from studyhall.accounts import branch_order
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Branch, User
from studyhall.banks import lint as linting
from studyhall.banks import service as banks
from studyhall.banks.models import Bank, Question
from studyhall.errors import DomainError
from studyhall.exams import paper, service
from studyhall.exams import points as exam_points
from studyhall.exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    AttemptItem,
    Exam,
    ExamExtension,
    ExamItem,
    ExamRule,
)
from studyhall.exams.statistics import (
    ItemStatistics,
    TestStatistics,
    histogram,
    question_statistics,
    test_statistics,
)
from studyhall.questions import types
from studyhall.tabular import Sheet, xlsx_bytes

HISTOGRAM_BANDS = 10
ENDED_BY = {
    "cadre": _l("By the cadre"),
    "timer": _l("Time ran out (page)"),
    "sweep": _l("Time ran out (server)"),
    "tab_switches": _l("Tab-switch limit"),
}


# ---- the list of tests and one test's settings -----------------------------------------------


def status(exam: Exam, now: datetime) -> str:
    """draft / upcoming / open / closed, by the exam's own window (individual later closes aside)."""
    if exam.published_at is None:
        return "draft"
    if now < exam.opens_at:
        return "upcoming"
    return "open" if now < exam.closes_at else "closed"


@dataclass(frozen=True)
class ExamRow:
    exam: Exam
    status: str
    started: int  # attempts started (submitted ones included)
    submitted: int


def exam_rows(session: Session, *, now: datetime) -> list[ExamRow]:
    """Every test, newest window first, with its attempt counts."""
    counts = {
        exam_id: (started, submitted or 0)
        for exam_id, started, submitted in session.execute(
            select(
                Attempt.exam_id, func.count(), func.sum(case((Attempt.state == "submitted", 1), else_=0))
            ).group_by(Attempt.exam_id)
        )
    }
    exams = session.scalars(select(Exam).order_by(Exam.opens_at.desc(), Exam.id.desc()))
    return [ExamRow(exam, status(exam, now), *counts.get(exam.id, (0, 0))) for exam in exams]


def total_score(exam: Exam) -> float:
    """The paper's maximum: the hand-picked scores plus each rule's count × score."""
    return math.fsum([item.score for item in exam.items] + [rule.count * rule.score for rule in exam.rules])


@dataclass(frozen=True)
class PaperLine:
    item: ExamItem
    question: Question | None  # the newest version; None if the lineage has gone


@dataclass(frozen=True)
class RuleLine:
    rule: ExamRule
    bank: Bank | None


def paper_lines(session: Session, exam: Exam) -> tuple[list[PaperLine], list[RuleLine]]:
    current = _current_versions(session, [item.lineage for item in exam.items])
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
    current = _current_versions(session, [item.lineage for item in exam.items])
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


NOT_STARTED, IN_PROGRESS, SUBMITTED = "not_started", "in_progress", "submitted"
# In the order the roster lists them: who still has to take the test first.
PROGRESS = {NOT_STARTED: _l("Not started"), IN_PROGRESS: _l("In progress"), SUBMITTED: _l("Submitted")}


@dataclass(frozen=True)
class RosterLine:
    user: User
    branch: str  # the person's branch path
    progress: str  # NOT_STARTED / IN_PROGRESS / SUBMITTED


@dataclass(frozen=True)
class RosterGroup:
    """One 党支部's people expected to take the test (None: people in no branch)."""

    branch: Branch | None
    lines: list[RosterLine]

    @property
    def audience(self) -> int:
        return len(self.lines)

    def count(self, progress: str) -> int:
        return sum(1 for line in self.lines if line.progress == progress)


def roster(session: Session, exam: Exam, *, visible: set[int] | None = None) -> list[RosterGroup]:
    """The 参考名单 per 党支部: everyone expected (service.audience_users), each with where they
    stand, those not started first (then by 工号). Someone with a later attempt in progress is in
    progress. `visible`: only people in these branches (a secretary's subtree); None: everyone."""
    states: dict[int, set[str]] = defaultdict(set)
    query = select(Attempt.user_id, Attempt.state).where(Attempt.exam_id == exam.id)
    for user_id, state in session.execute(query):
        states[user_id].add(state)
    grouping = groups(session)
    lines: dict[Branch | None, list[RosterLine]] = defaultdict(list)
    for user in service.audience_users(session, exam):
        if visible is not None and user.branch_id not in visible:
            continue
        mine = states.get(user.id, set())
        progress = IN_PROGRESS if "open" in mine else SUBMITTED if "submitted" in mine else NOT_STARTED
        lines[grouping.of(user)].append(RosterLine(user, accounts.branch_path(user.branch), progress))
    order = list(PROGRESS)
    return [
        RosterGroup(branch, sorted(lines[branch], key=lambda line: order.index(line.progress)))
        for branch in grouping.sort(lines)
    ]


def roster_workbook(roster_groups: Sequence[RosterGroup]) -> bytes:
    """The 参考名单 as .xlsx: one row a person, and a sheet of the counts per 党支部."""
    header = [_("党支部"), _("Full name"), _("工号"), _("Branch"), _("Progress")]
    table = [
        [
            group.branch.name if group.branch else _("No branch"),
            line.user.display_name,
            line.user.username,
            line.branch,
            str(PROGRESS[line.progress]),
        ]
        for group in roster_groups
        for line in group.lines
    ]
    counts = [
        [
            group.branch.name if group.branch else _("No branch"),
            group.audience,
            group.count(NOT_STARTED),
            group.count(IN_PROGRESS),
            group.count(SUBMITTED),
        ]
        for group in roster_groups
    ]
    count_header = [_("党支部"), _("Expected"), *(str(label) for label in PROGRESS.values())]
    return xlsx_bytes(
        Sheet(_("Roster"), [header, *table]), Sheet(_("Per branch"), [count_header, *counts])
    )


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
            group.count(NOT_STARTED),
            group.count(IN_PROGRESS),
            group.count(SUBMITTED),
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
    ranked = ranking(results(session, exam)) if exam.mode == "contest" else []
    rank = next((entry.rank for entry in ranked if entry.row.user.id == attempt.user_id), None)
    return Outcome(time_used(attempt), correct, len(attempt.items), rank, len(ranked))


def results_and_ranking(
    session: Session, exam: Exam, *, visible: set[int] | None = None
) -> tuple[list[ResultRow], list[RankRow]]:
    """The results and, for a contest, the ranking, of people in the `visible` branches (None:
    everyone). Ranks are among everyone who took the test, whoever is shown."""
    rows = results(session, exam)
    ranked = ranking(rows) if exam.mode == "contest" else []
    if visible is not None:
        rows = [row for row in rows if row.user.branch_id in visible]
        ranked = [entry for entry in ranked if entry.row.user.branch_id in visible]
    return rows, ranked


def branch_exam_rows(session: Session, visible: set[int], *, now: datetime) -> list[ExamRow]:
    """The tests a secretary sees: the published ones expecting someone of the `visible` branches."""
    return [row for row in exam_rows(session, now=now) if visible_to(session, row.exam, visible)]


def visible_to(session: Session, exam: Exam, visible: set[int]) -> bool:
    """Whether the test is published and expects anyone of the `visible` branches."""
    if exam.published_at is None:
        return False
    return any(user.branch_id in visible for user in service.audience_users(session, exam))


def duration_text(seconds: int | None) -> str:
    """12 分 5 秒, or 1 小时 2 分 3 秒 past an hour (a bare 12:05 reads as a time of day); an em dash
    for none."""
    if seconds is None:
        return "—"
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)d min %(s)d s", h=hours, m=minutes, s=seconds)
    return _("%(m)d min %(s)d s", m=minutes, s=seconds)


def export_names(  # type: ignore[no-untyped-def]
    exam: Exam, what: str, slug: str, *, zone
) -> tuple[str, str]:
    """A download's file name: the test's title, what it holds (`what`, in the interface's language)
    and the day the test opened; and the ASCII name for clients that cannot take that one."""
    day = exam.opens_at.astimezone(zone).strftime("%Y-%m-%d")
    return f"{exam.title} {what} {day}.xlsx", f"exam-{exam.id}-{slug}-{day}.xlsx"


def passed_text(exam: Exam, attempt: Attempt) -> str | None:
    """是 / 否 against the test's pass mark; None without a pass mark or a score."""
    if exam.pass_mark is None or attempt.score is None:
        return None
    return _("yes") if attempt.score >= exam.pass_mark else _("no")


def results_export(  # type: ignore[no-untyped-def]
    session: Session, exam: Exam, *, zone, visible: set[int] | None = None
) -> tuple[bytes, str, str]:
    """The results .xlsx of the people in the `visible` branches (None: everyone), and its names."""
    data = results_workbook(exam, *results_and_ranking(session, exam, visible=visible), zone=zone)
    return (data, *export_names(exam, _("results"), "results", zone=zone))


def roster_export(  # type: ignore[no-untyped-def]
    session: Session, exam: Exam, *, zone, visible: set[int] | None = None
) -> tuple[bytes, str, str]:
    """The 参考名单 .xlsx of the people in the `visible` branches (None: everyone), and its names."""
    data = roster_workbook(roster(session, exam, visible=visible))
    return (data, *export_names(exam, _("roster"), "roster", zone=zone))


def results_workbook(  # type: ignore[no-untyped-def]
    exam: Exam, rows: Sequence[ResultRow], ranked: Sequence[RankRow], *, zone
) -> bytes:
    """The results table as .xlsx (and, for a contest, a second sheet with the ranking). Time used
    is a number of seconds, so that a spreadsheet can sort and sum it."""
    header = [
        _("Full name"),
        _("工号"),
        _("Branch"),
        _("Attempt"),
        _("Score"),
        _("Maximum"),
        _("Passed"),
        _("Started"),
        _("Time used (seconds)"),
        _("Tab switches"),
        _("Ended by"),
        _("Counts"),
    ]
    table = [
        [
            row.user.display_name,
            row.user.username,
            row.branch,
            row.attempt.number,
            row.attempt.score,
            row.attempt.max_score,
            passed_text(exam, row.attempt),
            row.attempt.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            row.time_used,
            row.attempt.tab_switches,
            str(ENDED_BY.get(row.attempt.ended_by, row.attempt.ended_by))
            if row.attempt.state == "submitted"
            else _("In progress"),
            _("yes") if row.counted else None,
        ]
        for row in rows
    ]
    sheets = [Sheet(_("Results"), [header, *table])]
    if exam.mode == "contest":
        ranked = [
            [
                entry.rank,
                entry.row.user.display_name,
                entry.row.user.username,
                entry.row.branch,
                entry.row.attempt.score,
                entry.row.time_used,
            ]
            for entry in ranked
        ]
        header = [_("Rank"), _("Full name"), _("工号"), _("Branch"), _("Score"), _("Time used (seconds)")]
        sheets.append(Sheet(_("Ranking"), [header, *ranked]))
    return xlsx_bytes(*sheets)


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
        raise DomainError(_("No such attempt."), "not_found")
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


# ---- analysis --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionAnalysis:
    lineage: str
    question: Question | None  # the newest version, for its stem and 编号
    attempts: int  # submitted attempts that had this question
    max_score: float
    drawn: bool  # drawn by a rule: its figures use the whole total, as Moodle's for a random slot's questions
    statistics: ItemStatistics


@dataclass(frozen=True)
class BranchResult:
    branch: Branch | None
    audience: int
    participants: int  # people with a submitted attempt
    participation: float | None  # percent of the audience
    average: float | None  # mean of the participants' counted scores


@dataclass(frozen=True)
class Analysis:
    attempts: int
    max_total: float
    totals: list[float]
    bands: list[tuple[float, float, int]]  # (from, to, how many totals) — the histogram
    test: TestStatistics
    same_paper: bool  # every attempt had the same questions (hand-picked papers)
    alpha_note: str  # why there is no alpha: "" / papers_differ / too_few / no_spread
    questions: list[QuestionAnalysis]
    branches: list[BranchResult]

    @property
    def flagged(self) -> list[QuestionAnalysis]:
        return [question for question in self.questions if question.statistics.flagged]


def analyse(session: Session, exam: Exam) -> Analysis:
    """Statistics over submitted attempts (all of them, as Moodle's "all attempts" setting).

    Each question is identified by its lineage, whatever its position and version on each paper. Its
    figures are computed over the attempts whose paper had it, against the rest of the test (that
    attempt's total minus this question) for a hand-picked question and against the whole total for a
    drawn one, as Moodle's report does for fixed and random slots' questions. Cronbach's alpha needs
    every attempt to have answered the same questions, so it is given only for papers without drawing
    rules' variety.
    """
    attempts = list(
        session.scalars(
            select(Attempt)
            .options(selectinload(Attempt.items))
            .where(Attempt.exam_id == exam.id, Attempt.state == "submitted")
            .order_by(Attempt.id)
        )
    )
    marks: list[dict[str, float]] = []
    item_max: dict[str, float] = {}
    for attempt in attempts:
        row = {}
        for item in attempt.items:
            row[item.lineage] = float(item.awarded or 0.0)
            item_max[item.lineage] = max(item_max.get(item.lineage, 0.0), item.score)
        marks.append(row)
    totals = [math.fsum(row.values()) for row in marks]
    order = _lineage_order(session, exam, item_max)
    same_paper = bool(marks) and all(row.keys() == marks[0].keys() for row in marks)
    if same_paper:
        test = test_statistics([[row[lineage] for lineage in order] for row in marks])
    else:  # only the totals are comparable; a one-column matrix gives mean, median and SD
        test = replace(test_statistics([[total] for total in totals]), cronbach_alpha=None)
    if test.cronbach_alpha is not None:
        alpha_note = ""
    elif marks and not same_paper:
        alpha_note = "papers_differ"
    elif len(marks) < 3 or len(order) < 2:
        alpha_note = "too_few"
    else:
        alpha_note = "no_spread"

    current = _current_versions(session, order)
    picked = {item.lineage for item in exam.items}
    questions = []
    for lineage in order:
        had = [row for row in marks if lineage in row]
        drawn = lineage not in picked
        # As Moodle: a hand-picked question (a fixed slot) against the rest of the test, a drawn one (a
        # random slot's question) against the whole total; fsum so equal sums compare equal.
        others = [math.fsum(mark for other, mark in row.items() if drawn or other != lineage) for row in had]
        figures = question_statistics([row[lineage] for row in had], others, item_max[lineage])
        questions.append(
            QuestionAnalysis(lineage, current.get(lineage), len(had), item_max[lineage], drawn, figures)
        )

    max_total = max((attempt.max_score for attempt in attempts), default=total_score(exam)) or 1.0
    counts = histogram([min(max(total, 0.0), max_total) for total in totals], max_total, HISTOGRAM_BANDS)
    width = max_total / HISTOGRAM_BANDS
    bands = [(band * width, (band + 1) * width, count) for band, count in enumerate(counts)]
    return Analysis(
        len(attempts),
        max_total,
        totals,
        bands,
        test,
        same_paper,
        alpha_note,
        questions,
        branch_results(session, exam),
    )


def _lineage_order(session: Session, exam: Exam, seen: Iterable[str]) -> list[str]:
    """Hand-picked questions in paper order, then the drawn ones by 编号."""
    picked = [item.lineage for item in exam.items]
    rest = set(seen) - set(picked)
    external = (
        dict(
            session.execute(
                select(Question.lineage, Question.external_id).where(
                    Question.lineage.in_(rest), Question.current
                )
            ).all()
        )
        if rest
        else {}
    )
    return [lineage for lineage in picked if lineage in seen] + sorted(
        rest, key=lambda lineage: (external.get(lineage) or "\uffff", lineage)
    )


def branch_results(session: Session, exam: Exam) -> list[BranchResult]:
    """Per 党支部: audience, people who submitted, participation and the mean of their counted scores."""
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)):
        attempts[attempt.user_id].append(attempt)
    grouping = groups(session)
    audience: dict[Branch | None, int] = defaultdict(int)
    scores: dict[Branch | None, list[float]] = defaultdict(list)
    for user in service.audience_users(session, exam):
        branch = grouping.of(user)
        audience[branch] += 1
        counted = service.counted_attempt(exam, attempts.get(user.id, []))
        if counted is not None:
            scores[branch].append(counted.score or 0.0)
    return [
        BranchResult(
            branch,
            audience[branch],
            len(scores[branch]),
            100 * len(scores[branch]) / audience[branch] if audience[branch] else None,
            math.fsum(scores[branch]) / len(scores[branch]) if scores[branch] else None,
        )
        for branch in grouping.sort(audience)
    ]


# ---- fixing a key and regrading --------------------------------------------------------------


def _current_versions(session: Session, lineages: Iterable[str]) -> dict[str, Question]:
    lineages = list(lineages)
    if not lineages:
        return {}
    return {
        q.lineage: q
        for q in session.scalars(select(Question).where(Question.lineage.in_(lineages), Question.current))
    }


def current_version(session: Session, exam: Exam, lineage: str) -> Question:
    """The newest version of a question this test uses."""
    used = (
        lineage in {item.lineage for item in exam.items}
        or session.scalars(
            select(AttemptItem.id).where(AttemptItem.exam_id == exam.id, AttemptItem.lineage == lineage)
        ).first()
    )
    question = _current_versions(session, [lineage]).get(lineage) if used else None
    if question is None:
        raise DomainError(_("No such question in this test."), "not_found")
    return question


def key_text(question: Question) -> str:
    """The key as the bank editor writes it."""
    return types.get(question.type).answer_text(question.answer)


def parse_key(question: Question, text: str) -> object:
    """Read a corrected key in the bank editor's syntax, checked as the bank editor checks a question."""
    answer = types.get(question.type).parse_answer(text)
    if answer is None:
        raise DomainError(
            _("The answer “%(answer)s” does not fit the question type.", answer=text.strip()), "invalid"
        )
    edited = banks.to_parsed(question)
    edited.answer = answer  # type: ignore[assignment]
    errors = linting.question_errors(edited, require_source=question.bank.require_source)
    if errors:
        raise DomainError(" ".join(errors), "invalid")
    return answer


@dataclass(frozen=True)
class Change:
    attempt_id: int
    name: str
    username: str
    number: int
    old_score: float
    new_score: float

    @classmethod
    def of(cls, attempt: Attempt, user: User, old: float | None, new: float | None) -> Change:
        return cls(attempt.id, user.display_name, user.username, attempt.number, old or 0.0, new or 0.0)


@dataclass(frozen=True)
class RegradePlan:
    question: Question  # the newest version before the fix
    changes: list[Change]  # submitted attempts whose score changes
    regraded: int  # submitted attempts marked again (changed or not)
    in_progress: int  # attempts still open: they will be marked with the corrected key when submitted
    skipped: int  # attempts that showed an older wording (other stem or options): left as they are


def _shown_alike(a: Question, b: Question) -> bool:
    return (a.type, a.stem, list(a.options)) == (b.type, b.stem, list(b.options))


def _affected(
    session: Session, exam: Exam, question: Question
) -> tuple[list[tuple[Attempt, AttemptItem]], int]:
    """The (attempt, item) pairs of this test showing this question as it reads now; and how many
    attempts showed it worded otherwise."""
    rows = session.execute(
        select(Attempt, AttemptItem, Question)
        .options(selectinload(Attempt.items))
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .join(Question, Question.id == AttemptItem.question_id)
        .where(Attempt.exam_id == exam.id, AttemptItem.lineage == question.lineage)
        .order_by(Attempt.id)
    ).all()
    alike = [(attempt, item) for attempt, item, shown in rows if _shown_alike(shown, question)]
    return alike, len(rows) - len(alike)


def regrade_preview(session: Session, exam: Exam, lineage: str, new_answer: object) -> RegradePlan:
    """A dry run: every submitted attempt whose score the corrected key would change. Writes nothing."""
    question = current_version(session, exam, lineage)
    affected, skipped = _affected(session, exam, question)
    stand_in = SimpleNamespace(type=question.type, answer=new_answer, case_sensitive=question.case_sensitive)
    submitted = [(attempt, item) for attempt, item in affected if attempt.state == "submitted"]
    responses = (
        dict(
            ((a.attempt_id, a.position), a.response)
            for a in session.scalars(
                select(Answer).where(Answer.attempt_id.in_([attempt.id for attempt, _item in submitted]))
            )
        )
        if submitted
        else {}
    )
    users = (
        {
            user.id: user
            for user in session.scalars(
                select(User).where(User.id.in_({attempt.user_id for attempt, _item in submitted}))
            )
        }
        if submitted
        else {}
    )
    changes = []
    for attempt, changed in submitted:
        total = 0.0
        for item in attempt.items:  # summed as service.grade sums
            if item.id == changed.id:
                total += paper.mark(
                    stand_in,
                    item.score,
                    responses.get((attempt.id, item.position)),  # type: ignore[arg-type]
                    partial_credit=exam.partial_credit,
                )
            else:
                total += item.awarded or 0.0
        new_score = round(total, 2)
        if new_score != attempt.score:
            changes.append(Change.of(attempt, users[attempt.user_id], attempt.score, new_score))
    return RegradePlan(question, changes, len(submitted), len(affected) - len(submitted), skipped)


def apply_regrade(
    session: Session, actor: User, exam: Exam, lineage: str, new_answer: object, *, now: datetime
) -> RegradePlan:
    """Save the corrected key as a new version of the question (the old version stays), point this
    test's papers at it and mark every submitted attempt again. One transaction: the caller commits."""
    question = current_version(session, exam, lineage)
    affected, skipped = _affected(session, exam, question)
    edited = banks.to_parsed(question)
    edited.answer = new_answer  # type: ignore[assignment]
    corrected = banks.edit_question(session, actor, question.id, edited, now=now)
    before = {attempt.id: attempt.score for attempt, _item in affected}
    for _attempt, item in affected:
        item.question_id = corrected.id
    session.flush()
    regraded = {attempt.id: attempt for attempt, _item in affected if attempt.state == "submitted"}
    users = (
        {
            user.id: user
            for user in session.scalars(
                select(User).where(User.id.in_({attempt.user_id for attempt in regraded.values()}))
            )
        }
        if regraded
        else {}
    )
    changes = []
    for attempt in regraded.values():
        service.grade(session, attempt)
        if attempt.score != before[attempt.id]:
            changes.append(Change.of(attempt, users[attempt.user_id], before[attempt.id], attempt.score))
    # Points follow the new scores: the difference, now if the scores may be seen, else later.
    exam_points.unsettle(session, list(regraded.values()))
    exam_points.settle_due(session, now=now, exam_ids={exam.id})
    accounts.record(
        session,
        actor,
        "exam.regrade",
        exam.title,
        now=now,
        exam_id=exam.id,
        question=question.external_id or lineage,
        version=corrected.version,
        changes=[
            {"user": c.username, "attempt": c.number, "old": c.old_score, "new": c.new_score} for c in changes
        ],
    )
    return RegradePlan(question, changes, len(regraded), len(affected) - len(regraded), skipped)
