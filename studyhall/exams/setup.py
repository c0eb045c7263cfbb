"""Administrators build tests: settings, audience, paper (hand-picked questions and drawing rules)
and individual arrangements. Once anyone has started, the paper is frozen."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, exists, func, select, update
from sqlalchemy.orm import Session

from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.banks.models import Bank, Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import paper, reports, service
from studyhall.exams import points as exam_points
from studyhall.exams.models import (
    Attempt,
    AttemptState,
    Exam,
    ExamAudience,
    ExamExtension,
    ExamItem,
    ExamMode,
    ExamRule,
    Grading,
    PointsMode,
    ReviewPolicy,
)
from studyhall.questions import types

# Settings that shape the paper or how it is marked: frozen once anyone has started.
PAPER_FIELDS = (
    "mode",
    "attempts_allowed",
    "grading",
    "pass_mark",
    "shuffle_questions",
    "shuffle_options",
    "partial_credit",
    "show_score",
    "review",
    "one_per_page",
    "tab_switch_limit",
    "access_code",
    "allowed_networks",
)
# What taking the test earns (see exams.points): may change at any time; points follow.
POINTS_FIELDS = ("points_mode", "points_full", "points_pass", "points_taken", "points_factor")
MAX_TEST_POINTS = 1000
# Every scalar setting of a test, in the order the form shows them.
SETTING_FIELDS = (
    "title",
    "instructions",
    "mode",
    "opens_at",
    "closes_at",
    "time_limit_minutes",
    *PAPER_FIELDS[1:],
    *POINTS_FIELDS,
)


@dataclass
class RuleSpec:
    bank_id: int
    count: int
    score: float
    type: str = ""
    category: str = ""
    min_difficulty: int | None = None
    max_difficulty: int | None = None


@dataclass
class ExamSpec:
    title: str
    opens_at: datetime
    closes_at: datetime
    time_limit_minutes: int
    instructions: str = ""
    mode: ExamMode = ExamMode.EXAM
    attempts_allowed: int = 1
    grading: Grading = Grading.HIGHEST
    pass_mark: float | None = None
    shuffle_questions: bool = True
    shuffle_options: bool = True
    partial_credit: bool = False
    show_score: bool = True
    review: ReviewPolicy = ReviewPolicy.AFTER_CLOSE
    one_per_page: bool = False
    tab_switch_limit: int | None = None
    access_code: str = ""
    allowed_networks: str = ""
    points_mode: PointsMode = PointsMode.TIERS
    points_full: int = 10
    points_pass: int = 8
    points_taken: int = 5
    points_factor: int = 10
    branch_ids: list[int] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)
    items: list[tuple[str, float]] = field(default_factory=list)  # (编号 or lineage, score)
    rules: list[RuleSpec] = field(default_factory=list)


def paper_frozen(session: Session, exam: Exam) -> bool:
    return (
        session.scalar(select(func.count()).select_from(Attempt).where(Attempt.exam_id == exam.id)) or 0
    ) > 0


def _check(spec: ExamSpec) -> None:
    import ipaddress

    if not spec.title.strip():
        raise DomainError(_("A test needs a title."), ErrorCode.INVALID)
    if spec.closes_at <= spec.opens_at:
        raise DomainError(_("The test must close after it opens."), ErrorCode.INVALID)
    if not 1 <= spec.time_limit_minutes <= 24 * 60:
        raise DomainError(_("The time limit must be between 1 minute and 24 hours."), ErrorCode.INVALID)
    if (
        spec.mode not in tuple(ExamMode)
        or spec.grading not in tuple(Grading)
        or spec.review not in tuple(ReviewPolicy)
        or spec.points_mode not in tuple(PointsMode)
    ):
        raise DomainError(_("Unknown test setting."), ErrorCode.INVALID)
    if not all(0 <= getattr(spec, name) <= MAX_TEST_POINTS for name in POINTS_FIELDS[1:]):
        raise DomainError(
            _("A test's points must be between 0 and %(n)d.", n=MAX_TEST_POINTS), ErrorCode.INVALID
        )
    if spec.attempts_allowed < 1:
        raise DomainError(_("At least one attempt must be allowed."), ErrorCode.INVALID)
    for line in spec.allowed_networks.splitlines():
        if line.strip():
            try:
                ipaddress.ip_network(line.strip(), strict=False)
            except ValueError:
                raise DomainError(
                    _("“%(network)s” is not an address range such as 10.1.0.0/16.", network=line.strip()),
                    ErrorCode.INVALID,
                ) from None
    for rule in spec.rules:
        if rule.count < 1 or rule.score <= 0 or (rule.type and rule.type not in types.TYPES):
            raise DomainError(
                _("Each drawing rule needs a count of at least 1 and a positive score."), ErrorCode.INVALID
            )


def _audience(session: Session, spec: ExamSpec) -> list[ExamAudience]:
    members = [ExamAudience(branch_id=branch_id) for branch_id in spec.branch_ids]
    found = accounts.usernames(session, spec.usernames)
    missing = [name for name in spec.usernames if name not in found]
    if missing:
        raise DomainError(_("Unknown 工号: %(names)s.", names="、".join(missing)), ErrorCode.INVALID)
    members += [ExamAudience(user_id=user.id) for user in found.values()]
    return members


def _items(session: Session, spec: ExamSpec) -> list[ExamItem]:
    items = []
    for position, (reference, score) in enumerate(spec.items, start=1):
        question = session.scalars(
            select(Question).where(
                Question.current, (Question.external_id == reference) | (Question.lineage == reference)
            )
        ).first()
        if question is None:
            raise DomainError(_("No question with 编号 %(id)s.", id=reference), ErrorCode.INVALID)
        items.append(ExamItem(position=position, lineage=question.lineage, score=score))
    return items


def save_exam(
    session: Session, actor: User, spec: ExamSpec, *, exam_id: int | None = None, now: datetime
) -> Exam:
    """Create a test, or change one. After the first start only the window, time limit, audience
    and arrangements may change: everything that shapes the paper is frozen."""
    _check(spec)
    exam = Exam(created_by_id=actor.id, created_at=now) if exam_id is None else session.get(Exam, exam_id)
    if exam is None:
        raise DomainError(_("No such test."), ErrorCode.NOT_FOUND)
    frozen = exam_id is not None and paper_frozen(session, exam)
    key_out = exam_id is not None and _key_may_have_been_seen(session, exam, now)
    if frozen:
        changed = [name for name in PAPER_FIELDS if getattr(exam, name) != getattr(spec, name)]
        if changed or _paper_changed(session, exam, spec):
            raise DomainError(
                _(
                    "Someone has started this test, so its paper and rules are frozen; only the "
                    "window, time limit and audience can change."
                ),
                ErrorCode.FROZEN,
            )
    points_changed = exam_id is not None and any(
        getattr(exam, name) != getattr(spec, name) for name in POINTS_FIELDS
    )
    for name in SETTING_FIELDS:
        setattr(exam, name, getattr(spec, name))
    exam.audience = _audience(session, spec)
    if not frozen:
        exam.items = _items(session, spec)
        exam.rules = [
            ExamRule(
                position=position,
                bank_id=rule.bank_id,
                type=rule.type,
                category=rule.category,
                min_difficulty=rule.min_difficulty,
                max_difficulty=rule.max_difficulty,
                count=rule.count,
                score=rule.score,
            )
            for position, rule in enumerate(spec.rules, start=1)
        ]
    if exam_id is None:
        session.add(exam)
    session.flush()
    if frozen:
        _reschedule_open_attempts(session, exam, now=now)
    if points_changed:  # everyone's points follow the new settings: the sweep settles the difference
        exam_points.unsettle(
            session, list(session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)))
        )
    if key_out:
        _refuse_to_reopen(session, exam, now)
    if not exam.items and not exam.rules:
        raise DomainError(_("A test needs questions: pick some or add a drawing rule."), ErrorCode.INVALID)
    total = reports.total_score(exam)
    if exam.pass_mark is not None and exam.pass_mark > total:
        raise DomainError(
            _(
                "The pass mark (%(mark)s) is above the test’s total of %(total)s points: nobody could pass.",
                mark=f"{exam.pass_mark:g}",
                total=f"{total:g}",
            ),
            ErrorCode.INVALID,
        )
    # Drawing once now turns a pool that is too small into an error for the administrator,
    # not for the first cadre who starts; papers drawn ahead under the old settings go.
    paper.draw(session, exam, random.Random(0))
    paper.clear_stock(session, exam)
    accounts.record(
        session,
        actor,
        "exam.create" if exam_id is None else "exam.update",
        exam.title,
        now=now,
        exam_id=exam.id,
    )
    return exam


def _key_may_have_been_seen(session: Session, exam: Exam, now: datetime) -> bool:
    """Its answering is over and someone has submitted, with the review or the score shown: they
    may have read the key, or worked it out from their total (a test whose review is "never" but
    which shows scores tells a key by the score of an attempt that answered one question)."""
    if not (exam.review != ReviewPolicy.NEVER or exam.show_score) or now <= service.answering_ends_at(
        session, exam
    ):
        return False
    submitted = exists().where(Attempt.exam_id == exam.id, Attempt.state == AttemptState.SUBMITTED)
    return bool(session.scalar(select(submitted)))


def _refuse_to_reopen(session: Session, exam: Exam, now: datetime) -> None:
    """After a change to a test whose key may have been seen: refuse it (the caller rolls back) if
    it lets anyone start or save an answer again."""
    if now <= service.answering_ends_at(session, exam):
        raise DomainError(
            _(
                "Someone may already have seen this test's key or worked it out from a score: no one "
                "may start or save an answer again. Its window cannot be reopened or closed later, and "
                "no one can be given a later close. For someone who missed the test, create a new test."
            ),
            ErrorCode.REVIEW_OPEN,
        )


def _reschedule_open_attempts(
    session: Session, exam: Exam, user_id: int | None = None, *, now: datetime
) -> None:
    """A changed time limit, close or extension applies to attempts still running. An attempt whose
    deadline and grace have passed is over, whether or not the sweep has submitted it yet: it is
    submitted as the sweep would, not brought back to life by a later deadline."""
    query = select(Attempt).where(Attempt.exam_id == exam.id, Attempt.state == AttemptState.OPEN)
    if user_id is not None:
        query = query.where(Attempt.user_id == user_id)
    for attempt in session.scalars(query).all():
        if service.finalise_if_overdue(session, attempt, now=now):
            continue
        arrangement = service.extension(session, exam, attempt.user_id)
        minutes = exam.time_limit_minutes + (arrangement.extra_minutes if arrangement else 0)
        attempt.deadline_at = min(
            attempt.started_at + timedelta(minutes=minutes), service.closes_at(exam, arrangement)
        )


def _paper_changed(session: Session, exam: Exam, spec: ExamSpec) -> bool:
    items = [(item.lineage, item.score) for item in _items(session, spec)]
    rules = [
        (r.bank_id, r.type, r.category, r.min_difficulty, r.max_difficulty, r.count, r.score)
        for r in spec.rules
    ]
    return items != [(i.lineage, i.score) for i in exam.items] or rules != [
        (r.bank_id, r.type, r.category, r.min_difficulty, r.max_difficulty, r.count, r.score)
        for r in exam.rules
    ]


def publish(session: Session, actor: User, exam: Exam, *, now: datetime) -> None:
    """Make a draft live: its audience sees it and may start it in its window. Audited."""
    if exam.published_at is not None:
        return
    exam.published_at = now
    accounts.record(session, actor, "exam.publish", exam.title, now=now, exam_id=exam.id)


def unpublish(session: Session, actor: User, exam: Exam, *, now: datetime) -> None:
    """Take a test back to draft, only while nobody has started it (an attempt needs its test
    live: its review, sweeps and results). Audited."""
    if exam.published_at is None:
        return
    # Lock the test first, then look for attempts in a statement of its own: a start holds the row
    # (FOR SHARE) until it commits, so this either waits and then sees that attempt, or goes first and
    # the start then reads a draft. (Checked within the UPDATE, a start not yet committed is missed.)
    session.execute(select(Exam.id).where(Exam.id == exam.id).with_for_update())
    unstarted = ~exists().where(Attempt.exam_id == exam.id)
    result = session.execute(update(Exam).where(Exam.id == exam.id, unstarted).values(published_at=None))
    # An UPDATE's result is a CursorResult; Session.execute is typed as returning any Result.
    done = cast(CursorResult[Any], result).rowcount
    if not done:
        raise DomainError(
            _("Someone has started this test, so it can no longer go back to draft."), ErrorCode.STARTED
        )
    session.refresh(exam)
    accounts.record(session, actor, "exam.unpublish", exam.title, now=now, exam_id=exam.id)


def set_extension(
    session: Session,
    actor: User,
    exam: Exam,
    username: str,
    *,
    extra_minutes: int,
    closes_at: datetime | None,
    now: datetime,
) -> ExamExtension:
    user = accounts.usernames(session, [username]).get(username)
    if user is None:
        raise DomainError(_("Unknown 工号: %(names)s.", names=username), ErrorCode.INVALID)
    if extra_minutes < 0:
        raise DomainError(_("Extra time cannot be negative."), ErrorCode.INVALID)
    key_out = _key_may_have_been_seen(session, exam, now)
    arrangement = session.scalars(
        select(ExamExtension).where(ExamExtension.exam_id == exam.id, ExamExtension.user_id == user.id)
    ).first()
    if arrangement is None:
        arrangement = ExamExtension(exam_id=exam.id, user_id=user.id)
        session.add(arrangement)
    arrangement.extra_minutes = extra_minutes
    arrangement.closes_at = closes_at
    session.flush()
    _reschedule_open_attempts(session, exam, user.id, now=now)
    if key_out:
        _refuse_to_reopen(session, exam, now)
    accounts.record(
        session,
        actor,
        "exam.extension",
        exam.title,
        now=now,
        user=username,
        extra_minutes=extra_minutes,
        closes_at=closes_at.isoformat() if closes_at else None,
    )
    return arrangement


def banks(session: Session) -> list[Bank]:
    return list(session.scalars(select(Bank).order_by(Bank.name)))
