"""Fixing a wrong key after a test: read the corrected key in the bank editor's syntax, show which
scores it would change (a dry run), then save it as a new version of the question and mark every
submitted attempt again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.banks import lint as linting
from studyhall.banks import service as banks
from studyhall.banks.models import Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import paper, service
from studyhall.exams import points as exam_points
from studyhall.exams.models import Answer, Attempt, AttemptItem, AttemptState, Exam
from studyhall.exams.reports import current_versions
from studyhall.questions import answers, types


def current_version(session: Session, exam: Exam, lineage: str) -> Question:
    """The newest version of a question this test uses."""
    used = (
        lineage in {item.lineage for item in exam.items}
        or session.scalars(
            select(AttemptItem.id).where(AttemptItem.exam_id == exam.id, AttemptItem.lineage == lineage)
        ).first()
    )
    question = current_versions(session, [lineage]).get(lineage) if used else None
    if question is None:
        raise DomainError(_("No such question in this test."), ErrorCode.NOT_FOUND)
    return question


def key_text(question: Question) -> str:
    """The key as the bank editor writes it."""
    return types.get(question.type).answer_text(question.answer)


def parse_key(question: Question, text: str) -> answers.Answer:
    """Read a corrected key in the bank editor's syntax, checked as the bank editor checks a question."""
    answer = types.get(question.type).parse_answer(text)
    if answer is None:
        raise DomainError(
            _("The answer “%(answer)s” does not fit the question type.", answer=text.strip()),
            ErrorCode.INVALID,
        )
    edited = banks.to_parsed(question)
    edited.answer = answer
    errors = linting.question_errors(edited, require_source=question.bank.require_source)
    if errors:
        raise DomainError(" ".join(errors), ErrorCode.INVALID)
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


@dataclass(frozen=True)
class _StandIn:
    """The question as marking sees it with the corrected key (paper.Keyed)."""

    type: str
    answer: answers.Answer
    case_sensitive: bool


def regrade_preview(session: Session, exam: Exam, lineage: str, new_answer: answers.Answer) -> RegradePlan:
    """A dry run: every submitted attempt whose score the corrected key would change. Writes nothing."""
    question = current_version(session, exam, lineage)
    affected, skipped = _affected(session, exam, question)
    stand_in = _StandIn(question.type, new_answer, question.case_sensitive)
    submitted = [(attempt, item) for attempt, item in affected if attempt.state == AttemptState.SUBMITTED]
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
                    responses.get((attempt.id, item.position)),
                    partial_credit=exam.partial_credit,
                )
            else:
                total += item.awarded or 0.0
        new_score = round(total, 2)
        if new_score != attempt.score:
            changes.append(Change.of(attempt, users[attempt.user_id], attempt.score, new_score))
    return RegradePlan(question, changes, len(submitted), len(affected) - len(submitted), skipped)


def apply_regrade(
    session: Session, actor: User, exam: Exam, lineage: str, new_answer: answers.Answer, *, now: datetime
) -> RegradePlan:
    """Save the corrected key as a new version of the question (the old version stays), point this
    test's papers at it and mark every submitted attempt again. One transaction: the caller commits."""
    question = current_version(session, exam, lineage)
    affected, skipped = _affected(session, exam, question)
    edited = banks.to_parsed(question)
    edited.answer = new_answer
    corrected = banks.edit_question(session, actor, question.id, edited, now=now)
    before = {attempt.id: attempt.score for attempt, _item in affected}
    for _attempt, item in affected:
        item.question_id = corrected.id
    session.flush()
    regraded = {attempt.id: attempt for attempt, _item in affected if attempt.state == AttemptState.SUBMITTED}
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
