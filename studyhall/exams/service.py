"""Closed-book tests: who may sit them, attempts, autosave, submission, sweeps and review.

Every deadline is checked here from stored timestamps at request time, so the scheduler's sweep is
never the only thing between a cadre and a closed test. A submission changes the attempt's state
first; a save checks that state in the very statement that writes the answer, under a lock held
until it commits (the attempt row FOR SHARE on PostgreSQL, the database's write lock on SQLite): a
save either lands before the submission that grades it, or is refused — an acknowledged answer is
never left out of a grade.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Row,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.dml import ReturningInsert

from studyhall.access import Claim
from studyhall.accounts import service as accounts
from studyhall.accounts import throttle
from studyhall.accounts.models import AuditEvent, Branch, User
from studyhall.banks import twins
from studyhall.banks.models import Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import paper
from studyhall.exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    AttemptItem,
    AttemptState,
    EndedBy,
    EventKind,
    Exam,
    ExamAudience,
    ExamExtension,
    ExamPaper,
    ExamStatus,
    Grading,
    ReviewPolicy,
)
from studyhall.questions import types

log = logging.getLogger(__name__)

MAX_SEQ = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL
GRACE = timedelta(seconds=60)  # saves this late still count: a phone on a slow network is not a cheat


# ---- who, when -------------------------------------------------------------------------------


# Whoever starts or saves: the signed-in User, or the session's access.Claim when the route has not
# loaded the user (the hot API routes: their own first query checks the account). A session_key of
# None: the caller has checked the session already, or acts without one.
Holder = User | Claim


def _person_check() -> Select[*tuple[Any, ...]]:  # ten columns: more than Select types one by one
    """One statement on a person and a test: is the account still valid for a session (see
    Holder); does the test's audience name the person, their branch or a branch above it; their
    attempts so far and the one in progress; and any extension arranged for them."""
    ancestors = (
        select(Branch.id, Branch.parent_id)
        .join(User, User.branch_id == Branch.id)
        .where(User.id == bindparam("user_id"))
        .cte(recursive=True)
    )
    above = ancestors.alias()
    # UNION, not UNION ALL: should the tree ever hold a cycle, the walk still ends.
    ancestors = ancestors.union(select(Branch.id, Branch.parent_id).where(Branch.id == above.c.parent_id))
    named = exists().where(
        ExamAudience.exam_id == bindparam("exam_id"),
        or_(ExamAudience.user_id == User.id, ExamAudience.branch_id.in_(select(ancestors.c.id))),
    )
    mine = (Attempt.exam_id == bindparam("exam_id"), Attempt.user_id == User.id)
    in_progress = (*mine, Attempt.state == AttemptState.OPEN)  # at most one: uq_attempt_open
    arranged = (ExamExtension.exam_id == bindparam("exam_id"), ExamExtension.user_id == User.id)
    return select(
        User.active,
        User.auth_version,
        accounts.session_alive(bindparam("session_key")).label("session_alive"),
        User.must_change_password,
        named.label("in_audience"),
        select(func.count()).where(*mine).scalar_subquery().label("attempts_used"),
        select(Attempt.id).where(*in_progress).scalar_subquery().label("open_attempt"),
        select(Attempt.deadline_at).where(*in_progress).scalar_subquery().label("open_deadline"),
        select(ExamExtension.extra_minutes)
        .where(*arranged)
        .limit(1)
        .scalar_subquery()
        .label("extra_minutes"),
        select(ExamExtension.closes_at).where(*arranged).limit(1).scalar_subquery().label("closes_at"),
    ).where(User.id == bindparam("user_id"))


_PERSON_CHECK = _person_check()


def in_audience(session: Session, exam: Exam, user: User) -> bool:
    where = {"exam_id": exam.id, "user_id": user.id, "session_key": None}
    return bool(session.execute(_PERSON_CHECK, where).one().in_audience)


def _check_holder(account: Row | None, holder: Holder) -> None:
    """Refuse a session its account has ended: deactivated, or its password changed or reset since
    (auth_version), or signed out. A new password being due does not end it: saves go on (a cadre
    whose password was reset mid-test and who signed in again in place must not lose answers);
    starts check it."""
    if (
        account is None
        or not account.active
        or account.auth_version != holder.auth_version
        or (holder.session_key is not None and not account.session_alive)
    ):
        raise DomainError(_("Your session has ended; please sign in again."), ErrorCode.SIGNED_OUT)


def _check_access_code(session: Session, exam: Exam, holder: Holder, code: str, *, now: datetime) -> None:
    """A wrong 考试口令 counts as a wrong password does (a 4-digit code must not fall to a script:
    raises throttle.Throttled once the person's tries at this test are used up) and is audited, in
    a transaction of its own: the refused start's rollback must not take the record with it."""
    limit = throttle.Limit("access_code", f"{exam.id}:{holder.id}", current_app.config["LOGIN_TRIES"])
    ticket = throttle.take(session, [limit], now=now)
    if code.strip() == exam.access_code:
        throttle.give_back(session, ticket)
        return
    with throttle.own_transaction(session) as own:
        accounts.record(own, holder, "exam.access_code_wrong", exam.title, now=now, exam_id=exam.id)
    message = _("The access code (考试口令) is wrong.")
    warning = throttle.tries_left_warning(ticket, now=now)
    raise DomainError(f"{message} {warning}" if warning else message, ErrorCode.ACCESS_CODE)


def extension(session: Session, exam: Exam, user_id: int) -> ExamExtension | None:
    return session.scalars(
        select(ExamExtension).where(ExamExtension.exam_id == exam.id, ExamExtension.user_id == user_id)
    ).first()


def closes_at(exam: Exam, arrangement: ExamExtension | Row | None) -> datetime:
    """When the test closes for one person: `arrangement` is their ExamExtension, or the start's
    _PERSON_CHECK row (its closes_at column is the extension's)."""
    if arrangement and arrangement.closes_at and arrangement.closes_at > exam.closes_at:
        return arrangement.closes_at
    return exam.closes_at


def seconds_left(deadline: datetime, now: datetime) -> int:
    return max(0, int((deadline - now).total_seconds()))


def elapsed_ms(started: datetime, now: datetime) -> int:
    """Milliseconds since the attempt started, on the server's clock. The attempt page numbers its
    saves with it, so the change made last wins whichever device or tab it was made on."""
    return max(0, int((now - started).total_seconds() * 1000))


def next_seq(attempt: Attempt, stored_seq: int, *, now: datetime) -> int:
    """The sequence number for a save made now: the same clock the attempt page numbers its saves
    with, and always past what is stored."""
    return max(stored_seq + 1, elapsed_ms(attempt.started_at, now))


def audience_users(session: Session, exam: Exam) -> list[User]:
    """Active people the audience names, and anyone who has an attempt whatever the audience is now."""
    branch_ids: set[int] = set()
    for member in exam.audience:
        if member.branch_id is not None:
            branch_ids |= accounts.subtree_ids(session, member.branch_id)
    user_ids = [member.user_id for member in exam.audience if member.user_id is not None]
    attempted = select(Attempt.user_id).where(Attempt.exam_id == exam.id)
    named = and_(User.active.is_(True), or_(User.branch_id.in_(branch_ids), User.id.in_(user_ids)))
    query = select(User).where(or_(named, User.id.in_(attempted))).order_by(User.username)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Listing:
    exam: Exam
    status: ExamStatus  # open / upcoming / closed
    attempts_used: int
    open_attempt: Attempt | None
    best: Attempt | None
    closes_at: datetime  # for this person: a later close arranged for them included
    score_shown: bool  # see score_shown
    latest: Attempt | None  # the last one submitted
    score_wait: ScoreWait | None  # why a score the test shows is not shown yet

    @property
    def shown(self) -> Attempt | None:
        """The attempt whose result the person is pointed to: the counted one, but while the score
        is hidden the last one (pointing to the highest would tell which attempt scored more)."""
        return self.best if self.score_shown else self.latest

    @property
    def startable(self) -> bool:
        """Open now, and an attempt in progress to continue or one left to start."""
        return self.status == ExamStatus.OPEN and (
            self.open_attempt is not None or self.attempts_used < self.exam.attempts_allowed
        )


def listings(
    session: Session, user: User, *, now: datetime, horizon: timedelta = timedelta(days=30)
) -> list[Listing]:
    """Published tests this person may sit that are open now, coming within the horizon, or closed
    within it."""
    exams = session.scalars(
        select(Exam)
        .where(
            Exam.published_at.is_not(None), Exam.opens_at <= now + horizon, Exam.closes_at >= now - horizon
        )
        .order_by(Exam.opens_at)
    ).all()
    return [exam_listing(session, exam, user, now=now) for exam in exams if in_audience(session, exam, user)]


def next_for_everyone(session: Session, *, now: datetime) -> Exam | None:
    """The published test open now or opening next (the earliest to open, then to close) that is
    set for a branch: one set only for named people (a make-up sitting) is nobody else's news."""
    for_a_branch = exists().where(ExamAudience.exam_id == Exam.id, ExamAudience.branch_id.is_not(None))
    return session.scalars(
        select(Exam)
        .where(Exam.published_at.is_not(None), Exam.closes_at > now, for_a_branch)
        .order_by(Exam.opens_at, Exam.closes_at, Exam.id)
        .limit(1)
    ).first()


def exam_listing(session: Session, exam: Exam, user: User, *, now: datetime) -> Listing:
    """Where this person stands with one test (the caller checks the audience)."""
    mine = select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)
    attempts = list(session.scalars(mine.order_by(Attempt.number)))
    close = closes_at(exam, extension(session, exam, user.id))
    status = (
        ExamStatus.UPCOMING if now < exam.opens_at else ExamStatus.OPEN if now < close else ExamStatus.CLOSED
    )
    open_attempt = next((a for a in attempts if a.state == AttemptState.OPEN), None)
    submitted = [a for a in attempts if a.state == AttemptState.SUBMITTED]
    wait = score_wait(session, exam, submitted, now=now) if exam.show_score else None
    return Listing(
        exam,
        status,
        len(attempts),
        open_attempt,
        counted_attempt(exam, attempts),
        close,
        exam.show_score and wait is None,
        submitted[-1] if submitted else None,
        wait,
    )


def counted_attempt(exam: Exam, attempts: list[Attempt]) -> Attempt | None:
    """The attempt whose score counts: the highest, or the last, as the exam says."""
    done = [a for a in attempts if a.state == AttemptState.SUBMITTED]
    if not done:
        return None
    if exam.grading == Grading.LAST:
        return max(done, key=lambda a: a.number)
    return max(done, key=lambda a: (a.score or 0, -a.number))


# ---- starting --------------------------------------------------------------------------------


def _address_allowed(exam: Exam, address: str | None) -> bool:
    networks = [line.strip() for line in exam.allowed_networks.splitlines() if line.strip()]
    if not networks:
        return True
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(network, strict=False) for network in networks)


def exam_or_error(session: Session, exam_id: int) -> Exam:
    exam = session.get(Exam, exam_id)
    if exam is None:
        raise DomainError(_("No such test."), ErrorCode.NOT_FOUND)
    return exam


def published_or_error(session: Session, exam_id: int) -> Exam:
    """The test, unless it is a draft: a draft does not exist for anyone but administrators."""
    exam = exam_or_error(session, exam_id)
    if exam.published_at is None:
        raise DomainError(_("No such test."), ErrorCode.NOT_FOUND)
    return exam


@dataclass(frozen=True)
class Started:
    attempt: Attempt
    # A new attempt's paper, position by position, for client_state; None on a resume.
    new_paper: list[tuple[paper.Placed, Question | Row]] | None


# The rest of a start's statements, built once: the start is the other hot request of a test (a
# thousand cadres within seconds), and building a statement costs about as much as running it.
_INSERT_ATTEMPT = insert(Attempt.__table__).returning(Attempt.__table__.c.id)
_INSERT_ITEM = insert(AttemptItem.__table__)
_INSERT_EVENT = insert(AttemptEvent.__table__)


def start_or_resume(
    session: Session,
    exam_id: int,
    holder: Holder,
    *,
    now: datetime,
    access_code: str = "",
    address: str | None = None,
    device: str = "",
    raced: bool = False,
) -> Started:
    """The person's attempt in progress, or a new one with a frozen paper: one drawn ahead (see
    paper.stock), or drawn now. The holder's session is checked here (the API does not load the
    user first); a new attempt is written with Core statements, as the save is."""
    where = {"exam_id": exam_id, "user_id": holder.id, "session_key": holder.session_key}
    person = session.execute(_PERSON_CHECK, where).one_or_none()
    _check_holder(person, holder)
    assert person is not None  # _check_holder refused a missing account
    if person.must_change_password:
        raise DomainError(
            _("Please change your password before you start a test."), ErrorCode.PASSWORD_CHANGE
        )
    exam = published_or_error(session, exam_id)
    # Hold the test live until this start commits: setup.unpublish locks the row before it looks
    # for attempts, so it either waits and then sees this one, or has already made the test a draft
    # and this read sees that. (FOR SHARE: starts do not wait for one another.)
    if session.scalar(select(Exam.published_at).where(Exam.id == exam_id).with_for_update(read=True)) is None:
        raise DomainError(_("No such test."), ErrorCode.NOT_FOUND)
    if not person.in_audience:
        raise DomainError(_("This test is not open to you."), ErrorCode.NOT_IN_AUDIENCE)
    if person.open_attempt is not None:
        if now <= person.open_deadline + GRACE:
            session.add(
                AttemptEvent(
                    attempt_id=person.open_attempt,
                    kind=EventKind.RESUME,
                    at=now,
                    detail={"device": device[:200]},
                )
            )
            return Started(session.get_one(Attempt, person.open_attempt), None)
        # Its time and grace are over, though the sweep has not come by yet: submit it as the sweep
        # would, and this is a start like any other (of another attempt, if one is left).
        submit(session, person.open_attempt, None, now=now, ended_by=EndedBy.SWEEP)
    close = closes_at(exam, person)
    if now < exam.opens_at:
        raise DomainError(_("This test has not opened yet."), ErrorCode.NOT_OPEN)
    if now >= close:
        raise DomainError(_("This test has closed."), ErrorCode.CLOSED)
    if exam.access_code:
        _check_access_code(session, exam, holder, access_code, now=now)
    if not _address_allowed(exam, address):
        raise DomainError(_("This test can only be taken from the designated network."), ErrorCode.ADDRESS)
    used = person.attempts_used
    if used >= exam.attempts_allowed:
        raise DomainError(_("You have used all your attempts at this test."), ErrorCode.NO_ATTEMPTS_LEFT)
    drawn = paper.claim(session, exam) or paper.draw(session, exam, random.Random())
    minutes = exam.time_limit_minutes + (person.extra_minutes or 0)
    values = {
        "exam_id": exam.id,
        "user_id": holder.id,
        "number": used + 1,
        "started_at": now,
        "deadline_at": min(now + timedelta(minutes=minutes), close),
        "submitted_at": None,
        "state": AttemptState.OPEN,
        "ended_by": EndedBy.NOT_YET,
        "score": None,
        "max_score": sum(d.score for d in drawn),
        "tab_switches": 0,
    }
    connection = session.connection()  # Core, not the ORM's unit of work (half the cost)
    try:
        attempt_id = connection.execute(_INSERT_ATTEMPT, values).scalar_one()
    except IntegrityError:
        # Two starts raced; the other won. Its attempt is this person's attempt (once: anything
        # else that breaks a constraint is a fault to report, not to retry).
        session.rollback()
        if raced:
            raise
        return start_or_resume(
            session,
            exam_id,
            holder,
            now=now,
            access_code=access_code,
            address=address,
            device=device,
            raced=True,
        )
    rows = [
        {
            "attempt_id": attempt_id,
            "exam_id": exam.id,
            "position": position,
            "question_id": d.question.id,
            "lineage": d.question.lineage,
            "score": d.score,
            "option_order": d.option_order,
        }
        for position, d in enumerate(drawn, start=1)
    ]
    connection.execute(_INSERT_ITEM, rows)
    connection.execute(
        _INSERT_EVENT,
        {"attempt_id": attempt_id, "kind": EventKind.START, "at": now, "detail": {"device": device[:200]}},
    )
    # The session learns of the attempt as if it had loaded it (every column is known), so no
    # query reads back what was just written; client_state reads the paper as placed.
    attempt = Attempt(id=attempt_id, **values)
    make_transient_to_detached(attempt)
    session.add(attempt)
    set_committed_value(attempt, "exam", exam)
    return Started(
        attempt,
        [
            (paper.Placed(row["position"], d.score, d.option_order), d.question)
            for row, d in zip(rows, drawn, strict=True)
        ],
    )


# ---- the attempt as its owner sees it --------------------------------------------------------


def own_attempt(session: Session, attempt_id: int, user: User) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise DomainError(_("No such attempt."), ErrorCode.NOT_FOUND)
    return attempt


def _questions(session: Session, attempt: Attempt) -> dict[int, Question]:
    ids = [item.question_id for item in attempt.items]
    return {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(ids)))}


def _shown_columns(session: Session, attempt: Attempt) -> dict[int, Row]:
    """What paper.shown_question reads of each question on the paper: the key and 解析 are not
    even loaded."""
    ids = [item.question_id for item in attempt.items]
    query = select(Question.id, Question.type, Question.stem, Question.options).where(Question.id.in_(ids))
    return {row.id: row for row in session.execute(query)}


class AttemptQuestion(paper.ShownQuestion):
    response: object  # in the letters shown; None: not answered
    seq: int  # the stored answer's; 0: none yet


class ClientState(TypedDict):
    """The attempt page's data (and the attempt API's answer): the paper as shown, the clock."""

    attempt: int
    exam: int
    title: str
    state: AttemptState
    remaining_seconds: int
    elapsed_ms: int
    grace_seconds: int
    one_per_page: bool
    questions: list[AttemptQuestion]


def client_state(
    session: Session,
    attempt: Attempt,
    *,
    now: datetime,
    new_paper: Sequence[tuple[paper.Placed, Question | Row]] | None = None,
) -> ClientState:
    """Everything the attempt page needs to (re)build itself — and no key or explanation.
    `new_paper`: Started.new_paper, for an attempt just begun (nothing saved yet, nothing to read)."""
    placed: Sequence[tuple[AttemptItem | paper.Placed, Question | Row]]
    if new_paper is None:
        questions = _shown_columns(session, attempt)
        placed = [(item, questions[item.question_id]) for item in attempt.items]
        answers = {
            a.position: a
            for a in session.execute(
                select(Answer.position, Answer.response, Answer.seq).where(Answer.attempt_id == attempt.id)
            )
        }
    else:
        placed, answers = new_paper, {}
    items = []
    for item, question in placed:
        saved = answers.get(item.position)
        response = types.get(question.type).to_shown(item.option_order, saved.response) if saved else None
        items.append(
            AttemptQuestion(
                **paper.shown_question(question, item), response=response, seq=saved.seq if saved else 0
            )
        )
    exam = attempt.exam
    return {
        "attempt": attempt.id,
        "exam": exam.id,
        "title": exam.title,
        "state": attempt.state,
        "remaining_seconds": seconds_left(attempt.deadline_at, now),
        "elapsed_ms": elapsed_ms(attempt.started_at, now),
        # How long after the deadline saves still count: the page flushes its queue that long.
        "grace_seconds": int(GRACE.total_seconds()),
        "one_per_page": exam.one_per_page,
        "questions": items,
    }


# ---- saving and submitting -------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    seq: int  # the stored answer's
    kept: bool  # whether the stored answer is this save's (False: a newer one, or a tie lost)
    remaining_seconds: int
    elapsed_ms: int


# A save's statements, built once: on this path, building a statement costs more than running it.
# What the save checks first, the session's account included (its route does not load the user).
_SAVE_TARGET = (
    select(
        Attempt.user_id,
        Attempt.state,
        Attempt.started_at,
        Attempt.deadline_at,
        AttemptItem.option_order,
        Question.type,
        Question.stem,
        User.active,
        User.auth_version,
        accounts.session_alive(bindparam("session_key")).label("session_alive"),
    )
    .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
    .join(Question, Question.id == AttemptItem.question_id)
    .join(User, User.id == Attempt.user_id)
    .where(Attempt.id == bindparam("attempt_id"), AttemptItem.position == bindparam("position"))
)
_STORED = (Answer.attempt_id == Attempt.id, Answer.position == bindparam("position"))
_SAVE_OUTCOME = select(
    Attempt.state,
    Attempt.deadline_at,
    select(Answer.seq).where(*_STORED).scalar_subquery().label("stored_seq"),
    select(Answer.response).where(*_STORED).scalar_subquery().label("stored_response"),
).where(Attempt.id == bindparam("attempt_id"))


@functools.cache
def _answer_write(dialect: str) -> ReturningInsert[int]:
    """Store an answer if the attempt is still open and within its deadline and grace, replacing
    the stored one only if this seq is higher; returns the seq written (no row: refused, or a replay
    or older save, or an equal seq: the answer stored first stays, so the device that was told it
    was kept is never overruled by a save no later than its own). The attempt's state is read in the writing statement itself, with the row
    locked FOR SHARE on PostgreSQL (a submission's UPDATE waits for this statement's commit, or this
    statement waits for the submission's and then finds the attempt closed); on SQLite the
    statement runs under the database's write lock. Either way a save lands before the submission
    that grades it, or not at all."""
    columns = Answer.__table__.c
    source = (
        select(
            Attempt.id,
            bindparam("position", type_=columns.position.type),
            bindparam("response", type_=columns.response.type),
            bindparam("seq", type_=columns.seq.type),
            bindparam("saved_at", type_=columns.saved_at.type),
        )
        .where(
            Attempt.id == bindparam("attempt_id"),
            Attempt.state == AttemptState.OPEN,
            Attempt.deadline_at >= bindparam("earliest_deadline", type_=columns.saved_at.type),
        )
        .with_for_update(read=True)
    )
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(Answer).from_select(
        ["attempt_id", "position", "response", "seq", "saved_at"], source
    )
    return statement.on_conflict_do_update(
        index_elements=["attempt_id", "position"],
        set_={
            "response": statement.excluded.response,
            "seq": statement.excluded.seq,
            "saved_at": statement.excluded.saved_at,
        },
        where=columns.seq < statement.excluded.seq,
    ).returning(Answer.seq)


def save_answer(
    session: Session,
    attempt_id: int,
    holder: Holder,
    position: int,
    response: object,
    seq: object,  # checked here: the API passes on what the client sent
    *,
    now: datetime,
) -> Saved:
    """Store a response unless one with the same or a higher seq is already stored, and say whether
    the stored answer is this one. Idempotent. Two devices can number different answers alike (their
    clocks agree to the millisecond): the one that came second is told its answer was not kept.

    The hottest request of a test (hundreds of cadres, every few seconds): two prepared Core
    statements, which may run in autocommit (the API does: no BEGIN and COMMIT round trips), and
    the holder's account is checked in the first of them."""
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
        raise DomainError(_("The save has no valid sequence number."), ErrorCode.INVALID_SEQ)
    connection = session.connection()
    where = {"attempt_id": attempt_id, "position": position}
    target = connection.execute(_SAVE_TARGET, {**where, "session_key": holder.session_key}).one_or_none()
    if target is None or target.user_id != holder.id:
        raise _no_such_position()
    _check_holder(target, holder)
    _refuse_if_closed(target.state, target.deadline_at, now)
    stored = types.get(target.type).to_stored(target.stem, target.option_order, response)
    write = _answer_write(connection.dialect.name)
    values = {**where, "response": stored, "seq": seq, "saved_at": now, "earliest_deadline": now - GRACE}
    for _try in range(2):  # a second time only if the deadline moved between the write and the check
        written = connection.execute(write, values).scalar()
        if written is not None:
            kept = True
            break
        outcome = connection.execute(_SAVE_OUTCOME, where).one_or_none()
        if outcome is None:
            raise _no_such_position()
        _refuse_if_closed(outcome.state, outcome.deadline_at, now)
        if outcome.stored_seq is not None and outcome.stored_seq >= seq:
            # A replay (kept), or an older save or a lost tie: the stored answer stays.
            written = outcome.stored_seq
            kept = written == seq and outcome.stored_response == stored
            break
    else:
        raise _too_late()
    return Saved(written, kept, seconds_left(target.deadline_at, now), elapsed_ms(target.started_at, now))


def _refuse_if_closed(state: AttemptState, deadline_at: datetime, now: datetime) -> None:
    if state != AttemptState.OPEN:
        raise DomainError(_("This attempt has been submitted; it can no longer change."), ErrorCode.SUBMITTED)
    if now > deadline_at + GRACE:
        raise _too_late()


def _too_late() -> DomainError:
    return DomainError(
        _(
            "The time for this test is over; this answer arrived too late to count. "
            "Everything saved before the deadline is kept."
        ),
        ErrorCode.DEADLINE_PASSED,
    )


def _no_such_position() -> DomainError:
    return DomainError(_("No such attempt, or no such question on its paper."), ErrorCode.NOT_FOUND)


_CLOSE = (
    update(Attempt.__table__)
    .where(Attempt.__table__.c.id == bindparam("attempt_id"), Attempt.__table__.c.state == AttemptState.OPEN)
    .values(state=bindparam("state"), submitted_at=bindparam("submitted_at"), ended_by=bindparam("ended_by"))
)


def submit(
    session: Session, attempt_id: int, user: User | None, *, now: datetime, ended_by: EndedBy = EndedBy.CADRE
) -> Attempt:
    """Submit and grade. Submitting twice returns the first result."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or (user is not None and attempt.user_id != user.id):
        raise DomainError(_("No such attempt."), ErrorCode.NOT_FOUND)
    # The write comes first so that, on SQLite too, no save can slip in between grading and closing.
    closed = {
        "state": AttemptState.SUBMITTED,
        "submitted_at": min(now, attempt.deadline_at + GRACE),
        "ended_by": ended_by,
    }
    if session.connection().execute(_CLOSE, {"attempt_id": attempt.id, **closed}).rowcount:
        for name, value in closed.items():  # what was just written, without reading it back
            set_committed_value(attempt, name, value)
        grade(session, attempt)
        # Imported here: exams.points builds on this module's rules of when a score may be seen.
        from studyhall.exams import points

        points.settle_on_submit(session, attempt, now=now)
    else:
        session.refresh(attempt)  # submitted already: its first result
    return attempt


# Grading's statements, built once: a thousand cadres submit within the last minutes of a test.
_TO_MARK = (
    select(
        AttemptItem.id,
        AttemptItem.score,
        Question.type,
        Question.answer,
        Question.case_sensitive,
        Answer.response,
    )
    .join(Question, Question.id == AttemptItem.question_id)
    .outerjoin(
        Answer, and_(Answer.attempt_id == AttemptItem.attempt_id, Answer.position == AttemptItem.position)
    )
    .where(AttemptItem.attempt_id == bindparam("attempt_id"))
)
_SET_AWARDED = (
    update(AttemptItem.__table__)
    .where(AttemptItem.__table__.c.id == bindparam("item_id"))
    .values(awarded=bindparam("awarded"))
)


def grade(session: Session, attempt: Attempt) -> None:
    """Mark every position of the frozen paper against its question version's key: one query for
    the paper, its keys and the answers, one executemany for the marks."""
    partial_credit = attempt.exam.partial_credit
    awarded = {
        row.id: paper.mark(row, row.score, row.response, partial_credit=partial_credit)
        for row in session.execute(_TO_MARK, {"attempt_id": attempt.id})  # autoflush: a regrade's new key
    }
    if awarded:  # an executemany needs rows
        session.connection().execute(
            _SET_AWARDED, [{"item_id": item_id, "awarded": points} for item_id, points in awarded.items()]
        )
    for item_id, points in awarded.items():  # items this session holds (a regrade's) show the new marks
        held = session.identity_map.get(identity_key(AttemptItem, item_id))
        if held is not None:
            set_committed_value(held, "awarded", points)
    attempt.score = round(sum(awarded.values()), 2)


def _overdue(now: datetime, waiting: timedelta = timedelta(0)) -> tuple[ColumnElement[bool], ...]:
    """Attempts still open though their deadline and grace passed more than `waiting` ago."""
    return (Attempt.state == AttemptState.OPEN, Attempt.deadline_at < now - GRACE - waiting)


def count_overdue(session: Session, *, now: datetime, waiting: timedelta) -> int:
    return session.scalar(select(func.count()).select_from(Attempt).where(*_overdue(now, waiting))) or 0


def finalise_overdue(session: Session, *, now: datetime) -> int:
    """Scheduler sweep: submit every attempt whose deadline and grace have passed, from its saved
    answers, each in its own transaction (committed here): one that fails to grade is logged and
    left open for the next sweep, and does not hold back the others. Running the sweep twice, or
    late, changes nothing more. Returns how many were submitted."""
    overdue = session.scalars(select(Attempt.id).where(*_overdue(now))).all()
    submitted = 0
    for attempt_id in overdue:
        try:
            submit(session, attempt_id, None, now=now, ended_by=EndedBy.SWEEP)
            session.commit()
        except Exception:  # whatever broke this one, the others still get submitted
            session.rollback()
            log.exception("The sweep could not submit attempt %s; the next sweep tries again.", attempt_id)
        else:
            submitted += 1
    return submitted


def finalise_if_overdue(session: Session, attempt: Attempt, *, now: datetime) -> bool:
    """The sweep's work for one attempt, done when its owner comes back after the deadline and
    grace: submit it from its saved answers rather than offer a page that can no longer save."""
    if attempt.state != AttemptState.OPEN or now <= attempt.deadline_at + GRACE:
        return False
    submit(session, attempt.id, None, now=now, ended_by=EndedBy.SWEEP)
    return True


STOCK_AHEAD = timedelta(hours=1)


def stock_papers(session: Session, *, now: datetime) -> int:
    """Scheduler sweep: for each test open now or opening within the hour, draw a paper ahead for
    every person expected who has neither started nor a paper waiting, so that a synchronised
    start claims a paper instead of drawing one; papers nobody claimed before a test closed go.
    Returns how many were drawn."""
    session.execute(
        delete(ExamPaper).where(ExamPaper.exam_id.in_(select(Exam.id).where(Exam.closes_at <= now)))
    )
    exams = session.scalars(
        select(Exam).where(
            Exam.published_at.is_not(None), Exam.opens_at <= now + STOCK_AHEAD, Exam.closes_at > now
        )
    ).all()
    drawn = 0
    for exam in exams:
        started = session.scalar(
            select(func.count(func.distinct(Attempt.user_id))).where(Attempt.exam_id == exam.id)
        )
        waiting = session.scalar(select(func.count()).where(ExamPaper.exam_id == exam.id))
        missing = len(audience_users(session, exam)) - (started or 0) - (waiting or 0)
        if missing > 0:
            try:
                paper.stock(session, exam, missing, random.Random(), now=now)
            except DomainError:
                continue  # a pool too small: shown on the test's form, and at each start
            drawn += missing
    return drawn


def record_event(session: Session, attempt_id: int, user: User, kind: str, *, now: datetime) -> Attempt:
    """Log a tab switch (or other event); submit automatically past the exam's limit."""
    attempt = own_attempt(session, attempt_id, user)
    if kind != EventKind.TAB_SWITCH:  # the one event a page reports
        raise DomainError(_("Unknown event."), ErrorCode.INVALID)
    if attempt.state != AttemptState.OPEN:
        return attempt
    session.add(AttemptEvent(attempt_id=attempt.id, kind=EventKind.TAB_SWITCH, at=now, detail={}))
    attempt.tab_switches += 1
    limit = attempt.exam.tab_switch_limit
    if limit and attempt.tab_switches >= limit:
        session.flush()
        return submit(session, attempt.id, user, now=now, ended_by=EndedBy.TAB_SWITCHES)
    return attempt


# ---- after submitting ------------------------------------------------------------------------


def _later_closes(
    exam_id: int | InstrumentedAttribute[int],
) -> tuple[ScalarSelect[datetime | None], ScalarSelect[datetime]]:
    """What can keep a test answerable past its close: the latest close arranged for someone, and
    the latest deadline of an attempt still open. `exam_id`: an id, or Exam.id to correlate."""
    return (
        select(func.max(ExamExtension.closes_at)).where(ExamExtension.exam_id == exam_id).scalar_subquery(),
        select(func.max(Attempt.deadline_at))
        .where(Attempt.exam_id == exam_id, Attempt.state == AttemptState.OPEN)
        .scalar_subquery(),
    )


def _answering_ends(closes: datetime, *later: datetime | None) -> datetime:
    return max([closes, *(moment for moment in later if moment is not None)]) + GRACE


def answering_ends_at(session: Session, exam: Exam) -> datetime:
    """Until when (inclusive) someone may still start or save an answer in this test: the latest of
    its close, every later close arranged for someone, and every open attempt's deadline, plus the
    grace in which a save still counts."""
    return _answering_ends(exam.closes_at, *session.execute(select(*_later_closes(exam.id))).one())


def review_opens_at(session: Session, exam: Exam) -> datetime | None:
    """From when (strictly after) the key, 解析 and marks of each question may be shown to those who
    sat the test; None: never. Not before every way to answer it has ended (answering_ends_at).
    Earlier, a cadre could read the key and save it into an attempt still open (their own next one,
    or a colleague's). Every page that shows a key asks this one function, and review() withholds
    the questions another test may still put on a paper. A draft has none: nobody has sat it
    (setup.unpublish), and its window is not yet in force."""
    if exam.review != ReviewPolicy.AFTER_CLOSE or exam.published_at is None:
        return None
    return answering_ends_at(session, exam)


def review_is_open(opens_at: datetime | None, *, now: datetime) -> bool:
    """Whether a test whose review_opens_at is `opens_at` shows its key now: strictly after that
    moment, as a save at its very instant still counts."""
    return opens_at is not None and now > opens_at


def review_open(attempt: Attempt, opens_at: datetime | None, *, now: datetime) -> bool:
    """Whether this attempt's key and 解析 may be shown to its owner now (`opens_at`: its test's
    review_opens_at)."""
    return attempt.state == AttemptState.SUBMITTED and review_is_open(opens_at, now=now)


def score_shown(session: Session, exam: Exam, attempts: Sequence[Attempt], *, now: datetime) -> bool:
    """Whether a cadre may see the scores (total and per question) of these attempts of theirs now."""
    return exam.show_score and score_wait(session, exam, attempts, now=now) is None


@dataclass(frozen=True)
class ScoreWait:
    """Why a score the test shows is not shown yet, and until when: this test's own window (several
    attempts), or another test, named, that may still put these questions on a paper."""

    until: datetime
    other_test: str | None


def score_wait(
    session: Session, exam: Exam, attempts: Sequence[Attempt], *, now: datetime
) -> ScoreWait | None:
    """A score is an oracle while its questions can still be answered: answer one question, submit,
    and the total tells its key. So with several attempts allowed it waits until nobody can answer
    this test any more, and in any case until no other test that may still put one of these
    questions on a paper is over (else the total, less the points shown, tells a withheld key).
    None: no wait (the latest reason, when there are several)."""
    waits = []
    if exam.attempts_allowed > 1 and now <= (ends := answering_ends_at(session, exam)):
        waits.append(ScoreWait(ends, None))
    lineages = {item.lineage for attempt in attempts for item in attempt.items}
    if lineages:
        held = still_open_elsewhere(session, exam, lineages, now=now)
        waits += [ScoreWait(other.ends_at, other.title) for other in held.values()]
    return max(waits, key=lambda wait: wait.until) if waits else None


@dataclass(frozen=True)
class StillOpen:
    """Another test that may still put a question on a paper, and until when."""

    title: str
    ends_at: datetime  # its answering_ends_at


def still_open_elsewhere(
    session: Session, exam: Exam, lineages: set[str], *, now: datetime
) -> dict[str, StillOpen]:
    """Of these lineages, those another test could still put on a paper that someone may start or
    save (one still open, or coming), each with the one of those tests that ends last. Its key read
    here could be saved there. A handful of queries however many questions there are."""
    return _still_open(session, lineages, Exam.id != exam.id, now=now)


def still_answerable(
    session: Session, lineages: set[str], *, now: datetime, opened_only: bool = False
) -> dict[str, StillOpen]:
    """Of these lineages, those any test (with `opened_only`, one already open) could still put on
    a paper that someone may start or save. Practice shows keys at once: it holds back what an
    open test may ask, and asks an administrator to confirm before opening what one to come may."""
    return _still_open(session, lineages, Exam.opens_at <= now if opened_only else true(), now=now)


def _still_open(
    session: Session, lineages: set[str], which: ColumnElement[bool], *, now: datetime
) -> dict[str, StillOpen]:
    extended, open_deadline = _later_closes(Exam.id)
    since = now - GRACE  # answerable at `now` ⟺ some close or deadline + GRACE ≥ now
    live = {
        row.id: StillOpen(row.title, _answering_ends(row.closes_at, row.extended, row.open_deadline))
        for row in session.execute(
            select(
                Exam.id,
                Exam.title,
                Exam.closes_at,
                extended.label("extended"),
                open_deadline.label("open_deadline"),
            ).where(which, or_(Exam.closes_at >= since, extended >= since, open_deadline >= since))
        )
    }
    # A twin's key answers the question as well as its own does (banks/twins.py).
    twins_of = twins.of(session, lineages)
    asked = lineages.union(*twins_of.values())
    held_by = paper.pools_holding(session, list(live), asked)
    # Papers already drawn hold their questions whatever the pool admits now: a question retired or
    # edited out of a rule since is still on an open attempt, and its key would still score there.
    on_open_papers = select(AttemptItem.exam_id, AttemptItem.lineage).where(
        AttemptItem.exam_id.in_(list(live)),
        AttemptItem.lineage.in_(asked),
        AttemptItem.attempt_id.in_(select(Attempt.id).where(Attempt.state == AttemptState.OPEN)),
    )
    for exam_id, lineage in session.execute(on_open_papers):
        held_by.setdefault(exam_id, set()).add(lineage)
    found: dict[str, StillOpen] = {}
    for exam_id, held in held_by.items():
        for lineage in lineages:
            if lineage not in held and held.isdisjoint(twins_of.get(lineage, ())):
                continue
            if lineage not in found or live[exam_id].ends_at > found[lineage].ends_at:
                found[lineage] = live[exam_id]
    return found


@dataclass(frozen=True)
class Withheld:
    """Questions of an open review withheld because another test may still put them on a paper."""

    count: int
    of: int
    until: StillOpen | None  # the one of those tests that ends last

    @property
    def everything(self) -> bool:
        return self.of > 0 and self.count == self.of


def withheld(session: Session, attempt: Attempt, *, now: datetime) -> Withheld:
    """What review() will withhold of this attempt now, for pages that offer the review."""
    lineages = {item.lineage for item in attempt.items}
    held = still_open_elsewhere(session, attempt.exam, lineages, now=now) if lineages else {}
    latest = max(held.values(), key=lambda other: other.ends_at) if held else None
    return Withheld(len(held), len(lineages), latest)


class ReviewQuestion(paper.ShownQuestion):
    question_id: int  # the version shown: what its owner may add to their wrong-answer book
    response: object  # in the letters shown
    withheld: StillOpen | None  # the other test that keeps the key back until it ends
    key: object  # in the letters shown; None while withheld
    explanation: str
    source: str
    awarded: float | None


def review(session: Session, attempt: Attempt, *, owner_at: datetime | None) -> list[ReviewQuestion]:
    """The paper with responses, keys and explanations, in the letters the person saw. For an
    administrator (`owner_at` None) everything; for its owner at `owner_at` (once review_open says
    so) a question another test may still draw keeps its key, 解析, 出处 and marks back
    (`withheld`: that test), and shows only the person's own response."""
    questions = _questions(session, attempt)
    answers = {
        a.position: a.response for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))
    }
    withheld = (
        {}
        if owner_at is None
        else still_open_elsewhere(
            session, attempt.exam, {item.lineage for item in attempt.items}, now=owner_at
        )
    )
    rows = []
    for item in attempt.items:
        question = questions[item.question_id]
        elsewhere = withheld.get(item.lineage)
        rows.append(
            ReviewQuestion(
                **paper.shown_question(question, item),
                question_id=question.id,
                response=types.get(question.type).to_shown(item.option_order, answers.get(item.position)),
                withheld=elsewhere,
                key=(
                    types.get(question.type).to_shown(item.option_order, question.answer)
                    if elsewhere is None
                    else None
                ),
                explanation=question.explanation if elsewhere is None else "",
                source=question.source if elsewhere is None else "",
                awarded=item.awarded if elsewhere is None else None,
            )
        )
    return rows


def keys_shown_elsewhere(session: Session, exam: Exam, *, now: datetime) -> list[tuple[str, int]]:
    """Other tests whose review is open and whose submitted papers hold questions of this test's
    pool: their titles and how many such questions. Those keys are out; the administrator may
    still reuse them knowingly. A review that withheld them while this test was live is not counted
    (_withheld_by); one that opened before, or before the test was last changed, is: pools keep no
    history, so the warning errs on the side of saying so."""
    pool = paper.pools_holding(session, [exam.id]).get(exam.id, set())
    if not pool:
        return []
    shown = pool.union(*twins.of(session, pool).values())  # a twin's key answers the question too
    shared = session.execute(
        select(AttemptItem.exam_id, func.count(func.distinct(AttemptItem.lineage)))
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(
            AttemptItem.exam_id != exam.id,
            AttemptItem.lineage.in_(shown),
            Attempt.state == AttemptState.SUBMITTED,
        )
        .group_by(AttemptItem.exam_id)
    ).all()
    found = []
    for exam_id, count in shared:
        other = session.get_one(Exam, exam_id)
        opened = review_opens_at(session, other)
        if review_is_open(opened, now=now) and not _withheld_by(session, exam, opened):
            found.append((other.title, count))
    return sorted(found)


def shared_with_live_tests(session: Session, exam: Exam, *, now: datetime) -> list[tuple[StillOpen, int]]:
    """Other tests, still answerable, that may put questions of this test's pool on a paper, with
    how many: while they last, this test's scores and those questions' keys wait (score_wait,
    review). The administrator is told on the test's pages."""
    pool = paper.pools_holding(session, [exam.id]).get(exam.id, set())
    counts: dict[StillOpen, int] = {}
    for other in still_open_elsewhere(session, exam, pool, now=now).values() if pool else []:
        counts[other] = counts.get(other, 0) + 1
    return sorted(counts.items(), key=lambda pair: pair[0].ends_at)


def _withheld_by(session: Session, exam: Exam, opened: datetime | None) -> bool:
    """Whether another test's review, opened at `opened`, withheld this test's pool: it opened while
    this test was published (review() withholds what a live test may put on a paper) and this test
    has not been changed since (its pool then may have held other questions)."""
    if exam.published_at is None or opened is None or opened < exam.published_at:
        return False
    changed_since = select(AuditEvent.id).where(
        AuditEvent.action == "exam.update",
        AuditEvent.detail["exam_id"].as_integer() == exam.id,
        AuditEvent.at > opened,
    )
    return session.scalars(changed_since.limit(1)).first() is None


def attempts_of(session: Session, exam: Exam) -> list[Attempt]:
    return list(session.scalars(select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.id)))
