"""Awarding points: the one way any feature gives or corrects points.

Every award takes the person's row lock first (see _lock), so the cap check, the ledger row and the totals of one person never interleave with
another award to them: caps hold when requests race, and an award already made is seen. The ledger
is append-only: a correction is a new row holding the difference.
"""

from __future__ import annotations

import enum
import functools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Insert, Select, and_, bindparam, event, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from studyhall import clock, db
from studyhall.accounts.models import User
from studyhall.errors import DomainError, ErrorCode
from studyhall.points import periods
from studyhall.points.models import Period, PointAward, PointCount, PointRule, PointRuleVersion, PointTotal


class RuleKey(enum.StrEnum):
    """The actions that earn points; each has a PointRule row (seeded by the migration)."""

    LOGIN = "login"
    EXAM = "exam"
    MANUAL = "manual"
    PLAN_ITEM = "plan_item"
    READING = "reading"
    REFLECTION = "reflection"
    MEETING = "meeting"
    PRACTICE = "practice"
    PRACTICE_WEEKLY = "practice_weekly"
    PRACTICE_TOPIC = "practice_topic"
    CHALLENGE = "challenge"


@dataclass(frozen=True)
class Default:
    name: str
    description: str
    points: int
    daily_cap: int | None = None
    weekly_cap: int | None = None
    enabled: bool = True


# Modelled on 学习强国's published rules. Rules for features still to come (reading) are shipped
# disabled, ready for those features to award through.
# The descriptions say what earns the points; how many, and the caps, are read from the rule's
# numbers (numbers_text), so an administrator's edit never leaves a description saying otherwise.
DEFAULTS: dict[RuleKey, Default] = {
    RuleKey.LOGIN: Default("登录", "每日首次登录。", 1, daily_cap=1),
    RuleKey.EXAM: Default("闭卷测试与知识竞赛", "按成绩积分，分值由每场测试设定；成绩可查看时到账。", 0),
    RuleKey.MANUAL: Default("管理员奖惩", "管理员加分或扣分，须写明理由。", 0),
    # Capped: whoever writes a plan sets its items' points, a secretary's own included.
    RuleKey.PLAN_ITEM: Default("完成学习计划", "每完成一项学习计划，分值由每项设定。", 0, 20, 50),
    RuleKey.READING: Default("阅读学习", "每有效阅读一篇。", 1, 6, enabled=False),
    RuleKey.REFLECTION: Default("心得体会", "心得体会经审阅通过。", 2, None, 4),
    # Capped: the branch's secretary records the meetings and who attended.
    RuleKey.MEETING: Default("三会一课", "参加三会一课、主题党日。", 2, 4, 10),
    RuleKey.PRACTICE: Default("每日答题", "每答对一题。", 1, 5),
    RuleKey.PRACTICE_WEEKLY: Default("每周答题", "每周题目每答对一题。", 1, None, 5),
    RuleKey.PRACTICE_TOPIC: Default("专项答题", "专项题目每答对一题。", 1, None, 10),
    RuleKey.CHALLENGE: Default("挑战答题", "挑战中每答对一题。", 1, 6),
}
# Rules whose points each award decides (a test's settings, an administrator's form, a plan item's).
AMOUNT_BY_AWARD = {RuleKey.EXAM, RuleKey.MANUAL, RuleKey.PLAN_ITEM}


def numbers_text(found: PointRule) -> str:
    """The rule's points and caps in words: 每次 1 分，每日上限 5 分."""
    parts = [] if found.key in AMOUNT_BY_AWARD else [_("%(n)d points each time", n=found.points)]
    if found.daily_cap is not None:
        parts.append(_("at most %(n)d a day", n=found.daily_cap))
    if found.weekly_cap is not None:
        parts.append(_("at most %(n)d a week", n=found.weekly_cap))
    return _(", ").join(parts)


# The rules a feature awards through: only these can be put in use. A feature still to come adds its
# key here when it starts to award, so nobody switches on a rule that could never give a point.
READY: set[RuleKey] = {
    RuleKey.LOGIN,
    RuleKey.EXAM,
    RuleKey.MANUAL,
    RuleKey.PLAN_ITEM,
    RuleKey.REFLECTION,
    RuleKey.MEETING,
    RuleKey.PRACTICE,
    RuleKey.PRACTICE_WEEKLY,
    RuleKey.PRACTICE_TOPIC,
    RuleKey.CHALLENGE,
}

# What an administrator sets on each rule besides whether it is in use. A test and a plan item set
# their own points and an administrator writes each manual award's, so those rules have no points
# per action, and manual awards are not capped.
_AMOUNTS = ("points", "daily_cap", "weekly_cap")
_SETTINGS: dict[RuleKey, tuple[str, ...]] = {
    RuleKey.EXAM: ("daily_cap", "weekly_cap"),
    RuleKey.PLAN_ITEM: ("daily_cap", "weekly_cap"),
    RuleKey.MANUAL: (),
}


def settings(key: RuleKey) -> tuple[str, ...]:
    return _SETTINGS.get(key, _AMOUNTS)


def _ensure_rules(session: Session) -> None:
    """Add the rules of any key that has no row yet (a new database, or a key a later version
    added), as DEFAULTS says; a row that exists keeps the administrators' numbers."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = [
        {
            "key": key.value,
            "name": default.name,
            "description": default.description,
            "points": default.points,
            "daily_cap": default.daily_cap,
            "weekly_cap": default.weekly_cap,
            "enabled": default.enabled,
            "sort_order": order,
            "version": 1,
            "updated_at": _SHIPPED,
        }
        for order, (key, default) in enumerate(DEFAULTS.items())
    ]
    session.execute(insert(PointRule).values(rows).on_conflict_do_nothing(index_elements=["key"]))


_SHIPPED = datetime(2026, 12, 7, tzinfo=UTC)  # when these defaults were set: version 1's valid_from


def rule(session: Session, key: RuleKey) -> PointRule:
    found = session.scalar(select(PointRule).where(PointRule.key == key))
    if found is None:
        _ensure_rules(session)
        found = session.scalars(select(PointRule).where(PointRule.key == key)).one()
    return found


def rules(session: Session) -> list[PointRule]:
    """Every rule, in the order they are shown."""
    if (session.scalar(select(func.count()).select_from(PointRule)) or 0) < len(DEFAULTS):
        _ensure_rules(session)
    return list(session.scalars(select(PointRule).order_by(PointRule.sort_order, PointRule.id)))


@dataclass(frozen=True)
class RuleChange:
    points: int
    daily_cap: int | None
    weekly_cap: int | None
    enabled: bool


class RuleError(DomainError):
    """A rule's numbers that cannot be saved, each message under the field at fault."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()), ErrorCode.INVALID)
        self.problems = problems


def rule_problems(key: RuleKey, change: RuleChange) -> dict[str, str]:
    """What is wrong with a rule's numbers, by field. A rule in use that could never give a point
    (0 points, a cap of 0) or whose cap one action already passes would give nothing, silently, to
    everyone who does what it names. Out of use it gives nothing anyway: its numbers are checked
    when it is put in use. Only the numbers an administrator sets on the rule are checked."""
    held = settings(key)
    problems: dict[str, str] = {}
    for name in held:
        if getattr(change, name) is not None and getattr(change, name) < 0:
            problems[name] = _("Cannot be negative.")
    if problems or not change.enabled:
        return problems
    per_action = change.points if "points" in held else None
    if per_action == 0:
        problems["points"] = _("0 points gives nothing: give at least 1, or take the rule out of use.")
    for name in ("daily_cap", "weekly_cap"):
        cap = getattr(change, name) if name in held else None
        if cap == 0:
            problems[name] = _(
                "A cap of 0 gives nothing: leave it empty for no cap, or take the rule out of use."
            )
        elif cap is not None and per_action and cap < per_action:
            problems[name] = _(
                "At least the points per action (%(n)d): one action would pass a smaller cap.", n=per_action
            )
    daily, weekly = change.daily_cap, change.weekly_cap
    if (
        "weekly_cap" not in problems
        and "weekly_cap" in held
        and weekly is not None
        and daily
        and weekly < daily
    ):
        problems["weekly_cap"] = _(
            "At least the daily cap (%(n)d): a smaller one makes the daily cap unreachable.", n=daily
        )
    return problems


def edit_rule(
    session: Session, actor: User, rule_id: int, change: RuleChange, *, now: datetime
) -> PointRule | None:
    """A new version of the rule, in force from now; awards made before keep their points. None
    when nothing changed: saving the form as it was makes no version."""
    found = session.get(PointRule, rule_id, with_for_update=True)
    if found is None:
        raise DomainError(_("No such rule."), ErrorCode.NOT_FOUND)
    if (found.points, found.daily_cap, found.weekly_cap, found.enabled) == (
        change.points,
        change.daily_cap,
        change.weekly_cap,
        change.enabled,
    ):
        return None
    if change.enabled and found.key not in READY:
        raise DomainError(
            _("This rule's feature is not available yet: it cannot be put in use."), ErrorCode.INVALID
        )
    problems = rule_problems(RuleKey(found.key), change)
    if problems:
        raise RuleError(problems)
    if (
        session.scalar(
            select(func.count())
            .select_from(PointRuleVersion)
            .where(PointRuleVersion.rule_id == found.id, PointRuleVersion.version == found.version)
        )
        == 0
    ):  # the version in force until now, shipped or seeded: recorded before it is replaced
        session.add(_version_row(found, changed_by_id=None))
    found.version += 1
    found.points, found.daily_cap, found.weekly_cap = change.points, change.daily_cap, change.weekly_cap
    found.enabled, found.updated_at = change.enabled, now
    session.add(_version_row(found, changed_by_id=actor.id))
    return found


def _version_row(found: PointRule, *, changed_by_id: int | None) -> PointRuleVersion:
    return PointRuleVersion(
        rule_id=found.id,
        version=found.version,
        points=found.points,
        daily_cap=found.daily_cap,
        weekly_cap=found.weekly_cap,
        enabled=found.enabled,
        valid_from=found.updated_at,
        changed_by_id=changed_by_id,
    )


# ---- awarding ----------------------------------------------------------------------------------


def award(
    session: Session,
    user_id: int,
    key: RuleKey,
    source: str,
    *,
    at: datetime,
    points: int | None = None,
    reason: str = "",
    by: User | None = None,
) -> PointAward | None:
    """Award the rule's points (or `points`, for a rule whose amount the caller decides) once for
    this source, within the rule's daily and weekly caps. Returns the ledger row, or None when the
    source was awarded already, the rule is disabled or a cap is reached. The caller commits."""
    found, given_before = _rule_and_given(session, key, user_id, source)
    if not found.enabled or given_before:
        return None  # the usual repeat (a reload, a retry) costs no lock
    _lock(session, user_id)
    day = periods.local_day(at, clock.local_zone())
    state = _state(session, found, user_id, source, day)
    if state.rows:
        return None  # given while this waited for the lock
    amount = found.points if points is None else points
    return _add(session, found, user_id, source, state, amount, at=at, day=day, reason=reason, by=by)


def settle(
    session: Session,
    user_id: int,
    key: RuleKey,
    source: str,
    target: int,
    *,
    at: datetime,
    reason: str = "",
    by: User | None = None,
) -> PointAward | None:
    """Make the points this source has given come to `target`: a first award, or a row holding the
    difference (a regrade, a better attempt, a reversal to 0). Settling again to the same target
    adds nothing. Corrections are not capped; a rise is, like any award. The caller commits."""
    found = rule(session, key)
    _lock(session, user_id)
    day = periods.local_day(at, clock.local_zone())
    state = _state(session, found, user_id, source, day)
    if target == state.given or (not found.enabled and not state.rows):
        return None
    return _add(
        session, found, user_id, source, state, target - state.given, at=at, day=day, reason=reason, by=by
    )


def given(session: Session, user_id: int, key: RuleKey, source: str) -> int | None:
    """What a source has given the person so far, corrections included (None: nothing yet)."""
    return session.scalar(
        select(func.sum(PointAward.points))
        .join(PointRule, PointRule.id == PointAward.rule_id)
        .where(PointAward.user_id == user_id, PointRule.key == key, PointAward.source == source)
    )


def _lock(session: Session, user_id: int) -> None:
    """Hold the person's row until the caller commits. SQLite has no row locks; a write there takes
    the database's one write lock (pysqlite opens the transaction at the first write), so the reads
    that follow see every award committed before. The write rewrites a column no table refers to:
    rewriting the key made SQLite check each table that refers to people, the ledger's unindexed
    awarded_by_id among them (benchmarks/leaderboard.py)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(User).where(User.id == user_id).values(auth_version=User.auth_version))
    else:
        session.execute(select(User.id).where(User.id == user_id).with_for_update())


# The statements every award runs are built once, with named parameters: building them anew took
# longer than running them (benchmarks/leaderboard.py).
_RULE_AND_GIVEN = select(
    PointRule,
    exists().where(
        PointAward.user_id == bindparam("user_id"),
        PointAward.rule_id == PointRule.id,
        PointAward.source == bindparam("source"),
    ),
).where(PointRule.key == bindparam("key"))


def _rule_and_given(session: Session, key: RuleKey, user_id: int, source: str) -> tuple[PointRule, bool]:
    """The rule, and whether this source has given the person anything yet: one round trip."""
    row = session.execute(_RULE_AND_GIVEN, {"key": key.value, "user_id": user_id, "source": source}).first()
    if row is None:
        return rule(session, key), False  # a database without the rules yet: nothing given
    return row[0], bool(row[1])


def _state_statement() -> Select[*tuple[Any, ...]]:
    mine = and_(
        PointAward.user_id == bindparam("user_id"),
        PointAward.rule_id == bindparam("rule_id"),
    )
    given = and_(mine, PointAward.source == bindparam("source"))
    return select(
        select(func.coalesce(func.sum(PointAward.points), 0)).where(given).scalar_subquery(),
        select(func.count()).select_from(PointAward).where(given).scalar_subquery(),
        *(
            # What the rule gave this day (this week), for its daily (weekly) cap.
            select(func.coalesce(func.sum(PointAward.points), 0))
            .where(
                mine,
                PointAward.day >= bindparam(f"{period}_from"),
                PointAward.day < bindparam(f"{period}_to"),
            )
            .scalar_subquery()
            for period in _CAPPED
        ),
        *(
            select(PointTotal.points)
            .where(
                PointTotal.period == period.value,
                PointTotal.start == bindparam(f"{period}_start"),
                PointTotal.user_id == bindparam("user_id"),
            )
            .scalar_subquery()
            for period in Period
        ),
    )


_CAPPED = (Period.DAY, Period.WEEK)
_STATE = _state_statement()


@dataclass(frozen=True)
class _State:
    """What an award needs to know, read under the person's lock in one round trip."""

    given: int  # points this source has given so far
    rows: int  # in how many ledger rows
    room: int | None  # how many more points the rule may give today (None: no cap)
    totals: dict[str, int]  # the person's totals in the award day's periods, by period; absent: none


def _state(session: Session, found: PointRule, user_id: int, source: str, day: date) -> _State:
    starts = periods.starts(day)
    spans = {period: periods.Span(period, starts[period]) for period in _CAPPED}
    values = session.execute(
        _STATE,
        {
            "user_id": user_id,
            "rule_id": found.id,
            "source": source,
            **{f"{period}_from": span.start for period, span in spans.items()},
            **{f"{period}_to": span.end for period, span in spans.items()},
            **{f"{period}_start": start for period, start in starts.items()},
        },
    ).one()
    given, rows, day_earned, week_earned, *totals = values
    rooms = [
        max(0, cap - int(earned))
        for cap, earned in ((found.daily_cap, day_earned), (found.weekly_cap, week_earned))
        if cap is not None
    ]
    return _State(
        int(given),
        int(rows),
        min(rooms, default=None),
        {period.value: int(total) for period, total in zip(Period, totals, strict=True) if total is not None},
    )


def _add(
    session: Session,
    found: PointRule,
    user_id: int,
    source: str,
    state: _State,
    amount: int,
    *,
    at: datetime,
    day: date,
    reason: str,
    by: User | None,
) -> PointAward | None:
    if amount > 0 and state.room is not None:
        amount = min(amount, state.room)
    if amount == 0:
        return None
    row = PointAward(
        user_id=user_id,
        rule_id=found.id,
        rule_version=found.version,
        source=source,
        seq=state.rows,
        points=amount,
        at=at,
        day=day,
        reason=reason,
        awarded_by_id=by.id if by else None,
    )
    session.add(row)
    _add_to_totals(session, user_id, amount, at, day, state.totals)
    session.flush()
    return row


def _add_to_totals(
    session: Session, user_id: int, amount: int, at: datetime, day: date, before: dict[str, int]
) -> None:
    """One upsert per period: the total grows by `amount`, and `reached_at` moves to this award's
    time unless a later award already moved it (a backfill adds to the past). The person moves from
    one count of people per total to the next (written at commit: see write_counts)."""
    starts = periods.starts(day)
    rows = [
        {"period": period.value, "start": start, "user_id": user_id, "points": amount, "reached_at": at}
        for period, start in starts.items()
    ]
    session.execute(_upserts(session.get_bind().dialect.name).totals, rows)
    moves: Counter[tuple[str, date, int]] = db.transaction_info(session).setdefault(_COUNT_MOVES, Counter())
    for period, start in starts.items():
        old = before.get(period.value)
        if old is not None:
            moves[(period.value, start, old)] -= 1
        moves[(period.value, start, (old or 0) + amount)] += 1


@dataclass(frozen=True)
class _Upserts:
    totals: Insert
    counts: Insert


@functools.cache
def _upserts(dialect: str) -> _Upserts:
    """The two upserts of an award, per database (their ON CONFLICT is each database's own)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    latest = func.greatest if dialect == "postgresql" else func.max
    totals = insert(PointTotal)
    counts = insert(PointCount)
    return _Upserts(
        totals.on_conflict_do_update(
            index_elements=["period", "start", "user_id"],
            set_={
                "points": PointTotal.points + totals.excluded.points,
                "reached_at": latest(PointTotal.reached_at, totals.excluded.reached_at),
            },
        ),
        counts.on_conflict_do_update(
            index_elements=["period", "start", "points"],
            set_={"people": PointCount.people + counts.excluded.people},
        ),
    )


# The counts of people per total are a few hot rows that every award of the day moves someone
# between. Each transaction writes its moves once, just before it commits, in one statement in key
# order: a count row is held only for that last moment, and two transactions can never wait on each
# other's count rows in opposite orders (a deadlock), however many people each awards to.
_COUNT_MOVES = "studyhall.points.count_moves"


def write_counts(session: Session) -> None:
    """Write the moves between counts this transaction has made so far (see _COUNT_MOVES)."""
    moves: Counter[tuple[str, date, int]] | None = db.transaction_info(session).pop(_COUNT_MOVES, None)
    rows = [
        {"period": period, "start": start, "points": points, "people": change}
        for (period, start, points), change in sorted((moves or Counter()).items())
        if change
    ]
    if rows:
        session.execute(_upserts(session.get_bind().dialect.name).counts, rows)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_counts(session)


def award_daily_sign_in(session: Session, user_id: int, *, now: datetime) -> PointAward | None:
    """The first sign-in of the (local) day: on signing in, and on the home page for someone whose
    session outlived the night. The caller commits."""
    today = periods.local_day(now, clock.local_zone())
    return award(session, user_id, RuleKey.LOGIN, f"day:{today.isoformat()}", at=now)


# ---- manual awards -------------------------------------------------------------------------------

MAX_MANUAL_POINTS = 1000
MAX_MANUAL_PEOPLE = 500  # of one award form (a PostgreSQL statement takes at most 65,535 values)
REASON_LENGTH = 200


def award_by_hand(
    session: Session,
    actor: User,
    usernames: list[str],
    points: int,
    reason: str,
    token: str,
    *,
    now: datetime,
) -> list[PointAward]:
    """An administrator's award (or, negative, deduction) to each person named, with a reason.
    `token` comes with the form, so submitting it twice (a double click, a resend) awards once."""
    reason = reason.strip()
    if not reason:
        raise DomainError(
            _("Give the reason: it is shown to the person and on the ledger."), ErrorCode.INVALID
        )
    if not rule(session, RuleKey.MANUAL).enabled:
        raise DomainError(
            _("Manual awards are switched off in the point rules: switch the rule on to award."),
            ErrorCode.REFUSED,
        )
    if len(usernames) > MAX_MANUAL_PEOPLE:
        raise DomainError(
            _("Name at most %(n)d people in one award.", n=MAX_MANUAL_PEOPLE), ErrorCode.INVALID
        )
    if points == 0 or abs(points) > MAX_MANUAL_POINTS:
        raise DomainError(
            _("Points must be between -%(n)d and %(n)d, and not 0.", n=MAX_MANUAL_POINTS), ErrorCode.INVALID
        )
    if not token or len(token) > 40:
        raise DomainError(_("The form has expired: open it again."), ErrorCode.INVALID)
    people = {
        user.username: user for user in session.scalars(select(User).where(User.username.in_(usernames)))
    }
    if missing := [name for name in usernames if name not in people]:
        raise DomainError(_("Unknown 工号: %(names)s.", names="、".join(missing)), ErrorCode.INVALID)
    if not usernames:
        raise DomainError(_("Name at least one person by 工号."), ErrorCode.INVALID)
    if actor.username in usernames:
        raise DomainError(
            _("Nobody awards points to themselves: ask another administrator."), ErrorCode.REFUSED
        )
    # A form is one award: sent again with other numbers (Back, edit, send) it is not added to.
    sent = session.execute(
        select(PointAward.points, PointAward.reason)
        .where(PointAward.source == f"manual:{token}", PointAward.seq == 0)
        .limit(1)
    ).first()
    if sent is not None and (sent.points, sent.reason) != (points, reason):
        raise DomainError(
            _("This form was sent already: open a new one for another award."), ErrorCode.REFUSED
        )
    given = []
    for username in usernames:
        # award(), not settle(): once a form's award exists, sending the form again (even after the
        # award was taken back) gives nothing.
        row = award(
            session,
            people[username].id,
            RuleKey.MANUAL,
            f"manual:{token}",
            at=now,
            points=points,
            reason=reason,
            by=actor,
        )
        if row is not None:
            given.append(row)
    return given


def reverse(session: Session, actor: User, award_id: int, reason: str) -> PointAward:
    """Take back a manual award: a row of the opposite sign; the award itself stays on the ledger.
    The correction counts in the award's own periods, as a regrade does: an award taken back as a
    mistake must not keep topping the week it was given (nor put the person below zero the next)."""
    found = session.get(PointAward, award_id)
    manual = rule(session, RuleKey.MANUAL)
    if found is None or found.rule_id != manual.id or found.seq != 0:
        raise DomainError(_("No such award."), ErrorCode.NOT_FOUND)
    if not reason.strip():
        raise DomainError(
            _("Give the reason: it is shown to the person and on the ledger."), ErrorCode.INVALID
        )
    if len(reason.strip()) > REASON_LENGTH:
        raise DomainError(
            _("The reason is too long: at most %(n)d characters.", n=REASON_LENGTH), ErrorCode.INVALID
        )
    row = settle(
        session, found.user_id, RuleKey.MANUAL, found.source, 0, at=found.at, reason=reason.strip(), by=actor
    )
    if row is None:
        raise DomainError(_("This award has been taken back already."), ErrorCode.INVALID)
    return row


def manual_awards(session: Session, *, limit: int = 50) -> list[tuple[PointAward, User, bool]]:
    """The latest manual awards, each with its person and whether it has been taken back."""
    manual = rule(session, RuleKey.MANUAL)
    reversed_sources = {
        (row.user_id, row.source)
        for row in session.execute(
            select(PointAward.user_id, PointAward.source).where(
                PointAward.rule_id == manual.id, PointAward.seq > 0
            )
        )
    }
    rows = session.execute(
        select(PointAward, User)
        .join(User, User.id == PointAward.user_id)
        .where(PointAward.rule_id == manual.id, PointAward.seq == 0)
        .order_by(PointAward.at.desc(), PointAward.id.desc())
        .limit(limit)
    ).all()
    return [(award, user, (user.id, award.source) in reversed_sources) for award, user in rows]
