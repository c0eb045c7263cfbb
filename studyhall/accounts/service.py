"""Sign-in, passwords, the branch tree, people and the audit log."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Exists, Select, delete, exists, func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from studyhall.access import Claim, parse_session_id
from studyhall.accounts import branch_order, password_strength, throttle
from studyhall.accounts.models import AuditEvent, Branch, LoginSession, Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.pagination import Page, paginate
from studyhall.search import containing

MIN_PASSWORD_LENGTH = 8
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Letters and digits that cannot be misread on paper (no 0/O, 1/l/I).
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# ---- passwords and sign-in -------------------------------------------------------------------


def hash_password(password: str, *, initial: bool = False) -> str:
    """Hash with the configured method. Initial passwords (replaced at first sign-in) use a
    cheaper one so importing hundreds of people fits in one request; see config.py."""
    method = current_app.config["INITIAL_PASSWORD_HASH_METHOD" if initial else "PASSWORD_HASH_METHOD"]
    return generate_password_hash(password, method=method)


def generate_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(10))


def check_new_password(password: str, *, own: Iterable[str] = ()) -> None:
    """Refuse a password too short or easy to guess; `own` is the person's 工号 and name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), ErrorCode.WEAK_PASSWORD
        )
    reasons = password_strength.weaknesses(password, own)
    if reasons:
        raise DomainError(
            _(
                "This password is too easy to guess: %(reasons)s. Choose a longer one with no pattern, "
                "for example a few unrelated words with digits or signs between them.",
                reasons=_("; ").join(reasons),
            ),
            ErrorCode.WEAK_PASSWORD,
        )


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None — the same None whatever was wrong.

    Every call checks the password once at full cost and once at the initial passwords' lighter
    cost (see hash_password), against the account's hash or a dummy one: an unknown 工号, an account
    on its initial password and any other cost the same, so the answer's timing tells nobody who
    has an account or who has not yet chosen a password."""
    user = session.scalars(select(User).where(User.username == username.strip())).first()
    initial = user is not None and user.must_change_password  # initial passwords are the light ones
    config = current_app.config
    full_hash = _dummy_hash(config["PASSWORD_HASH_METHOD"])
    light_hash = _dummy_hash(config["INITIAL_PASSWORD_HASH_METHOD"])
    if user is not None and initial:
        light_hash = user.password_hash
    elif user is not None:
        full_hash = user.password_hash
    full_match = check_password_hash(full_hash, password)
    light_match = check_password_hash(light_hash, password)
    if user is None or not user.active or not (light_match if initial else full_match):
        return None
    return user


def secret_limits(account: str, *, device: str | None, address: str | None) -> list[throttle.Limit]:
    """The limits a try at someone's password counts against (OWASP's device cookies). A browser
    that has signed in to this account before (`device`, from its signed device cookie) has a limit
    of its own and nothing else: an attacker, even behind the same address, cannot lock it out, and
    its cookie earns trust for that one account only. Every other client shares the account's
    limit, and the limit of its address, high enough for an office behind one NAT."""
    config = current_app.config
    if device:
        return [throttle.Limit("device", device, config["LOGIN_TRIES"])]
    limits = [throttle.Limit("account", account.strip().lower(), config["LOGIN_TRIES"])]
    if address:
        limits.append(throttle.Limit("address", address, config["LOGIN_TRIES_PER_ADDRESS"]))
    return limits


@dataclass(frozen=True)
class SignIn:
    user: User | None  # None: wrong 工号 or password, or the account is deactivated
    ticket: throttle.Ticket


def sign_in(
    session: Session, username: str, password: str, *, device: str | None, address: str | None, now: datetime
) -> SignIn:
    """Count the try, then check the credentials (raises throttle.Throttled, unchecked, when a
    limit is used up); a success gives its try back."""
    ticket = throttle.take(session, secret_limits(username, device=device, address=address), now=now)
    user = authenticate(session, username, password)
    if user is not None:
        throttle.give_back(session, ticket)
    return SignIn(user, ticket)


def session_alive(key: object) -> Exists:
    """SQL, inside a query on User: the user still has the LoginSession with this key (a value or a
    bindparam), so a query that loads the account can check the session in the same round trip."""
    return exists().where(LoginSession.user_id == User.id, LoginSession.key == key)


def begin_session(session: Session, user: User, *, now: datetime) -> None:
    """Record a new signed-in browser for the user; login_user(user) then puts its key in the cookie.
    Sessions older than any signed cookie may be (PERMANENT_SESSION_LIFETIME) go at the same time."""
    session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id,
            LoginSession.created_at < now - current_app.permanent_session_lifetime,
        )
    )
    user.session_key = secrets.token_urlsafe(32)
    session.add(LoginSession(key=user.session_key, user_id=user.id, created_at=now))


def end_session(session: Session, user: User) -> None:
    """Sign out the browser the user was loaded for: its cookie, and every copy of it, names a
    session that is gone. The person's other browsers stay signed in."""
    session.execute(delete(LoginSession).where(LoginSession.key == user.session_key))


def load_session_user(session: Session, session_id: str) -> User | None:
    """The user a session cookie names, unless the account changed or the session ended since."""
    claim = parse_session_id(session_id)
    if claim is None:
        return None
    user = session.scalars(select(User).where(User.id == claim.id, session_alive(claim.session_key))).first()
    if user is None or not user.active or user.auth_version != claim.auth_version:
        return None
    user.session_key = claim.session_key
    return user


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    *,
    device: str | None,
    address: str | None,
    now: datetime,
) -> None:
    """A wrong current password counts as a wrong sign-in would (a borrowed session must not be a
    way to guess it); the warning of the last tries is part of the refusal."""
    ticket = throttle.take(session, secret_limits(user.username, device=device, address=address), now=now)
    if not check_password_hash(user.password_hash, current):
        warning = throttle.tries_left_warning(ticket, now=now)
        message = _("The current password is wrong.")
        raise DomainError(f"{message} {warning}" if warning else message, ErrorCode.WRONG_PASSWORD)
    throttle.give_back(session, ticket)
    check_new_password(new, own=(user.username, user.display_name))
    if new == current:
        raise DomainError(_("The new password must differ from the current one."), ErrorCode.SAME_PASSWORD)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.auth_version += 1
    record(session, user, "password.change", user.username, now=now)


def reset_password(session: Session, actor: User, user: User, *, now: datetime) -> str:
    """Give the user a generated password they must change at next sign-in; returns it once."""
    password = generate_password()
    user.password_hash = hash_password(password, initial=True)
    user.must_change_password = True
    user.auth_version += 1
    record(session, actor, "user.reset_password", user.username, now=now)
    return password


# ---- who sees what ---------------------------------------------------------------------------


def subtrees(session: Session) -> Callable[[int], set[int]]:
    """Each branch's subtree (the branch and every branch below it), from one read of the branch
    table, for asking about many branches."""
    children: dict[int | None, list[int]] = {}
    for child_id, parent_id in session.execute(select(Branch.id, Branch.parent_id)):
        children.setdefault(parent_id, []).append(child_id)

    def subtree(branch_id: int) -> set[int]:
        found, stack = set(), [branch_id]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(children.get(current, []))
        return found

    return subtree


def subtree_ids(session: Session, branch_id: int) -> set[int]:
    """The branch and every branch below it."""
    return subtrees(session)(branch_id)


def visible_branch_ids(session: Session, viewer: User) -> set[int] | None:
    """Branches whose people the viewer may see: None means all (admin)."""
    if viewer.role == Role.ADMIN:
        return None
    if viewer.role == Role.SECRETARY and viewer.branch_id is not None:
        return subtree_ids(session, viewer.branch_id)
    return set()


# ---- branches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchNode:
    branch: Branch
    depth: int
    members: int  # people in this branch itself, active or not
    audience: int  # active people in it and every branch below it: whom a test for it reaches


def branch_tree(session: Session) -> list[BranchNode]:
    """Every branch in tree order (parents before children, siblings in branch_order) with counts."""
    branches = branch_order.ordered(session.scalars(select(Branch)))
    counts: dict[int, int] = {}
    active: dict[int, int] = {}
    query = select(User.branch_id, User.active, func.count()).group_by(User.branch_id, User.active)
    for branch_id, is_active, count in session.execute(query):
        if branch_id is None:
            continue  # people in no branch
        counts[branch_id] = counts.get(branch_id, 0) + count
        if is_active:
            active[branch_id] = count
    by_parent: dict[int | None, list[Branch]] = {}
    for branch in branches:
        by_parent.setdefault(branch.parent_id, []).append(branch)

    def walk(parent_id: int | None, depth: int) -> tuple[list[BranchNode], int]:
        """The nodes below parent_id in tree order, and how many active people they hold."""
        nodes: list[BranchNode] = []
        total = 0
        for branch in by_parent.get(parent_id, []):
            below, audience = walk(branch.id, depth + 1)
            audience += active.get(branch.id, 0)
            nodes += [BranchNode(branch, depth, counts.get(branch.id, 0), audience), *below]
            total += audience
        return nodes, total

    return walk(None, 0)[0]


def branch_path(branch: Branch | None) -> str:
    names = []
    while branch is not None:
        names.append(branch.name)
        branch = branch.parent
    return " / ".join(reversed(names))


def _clean_branch_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise DomainError(_("A branch needs a name."), ErrorCode.INVALID)
    if len(name) > 100:
        raise DomainError(_("A branch name can have at most 100 characters."), ErrorCode.INVALID)
    return name


def _check_sibling_name(session: Session, parent_id: int | None, name: str, exclude: int | None) -> None:
    query = select(Branch.id).where(
        Branch.name == name,
        Branch.parent_id.is_(None) if parent_id is None else Branch.parent_id == parent_id,
    )
    if exclude is not None:
        query = query.where(Branch.id != exclude)
    if session.scalars(query).first() is not None:
        raise DomainError(
            _("There is already a branch called “%(name)s” there.", name=name), ErrorCode.DUPLICATE
        )


def _get_branch(session: Session, branch_id: int) -> Branch:
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise DomainError(_("No such branch."), ErrorCode.NOT_FOUND)
    return branch


def create_branch(
    session: Session, actor: User | None, name: str, parent_id: int | None, *, now: datetime
) -> Branch:
    name = _clean_branch_name(name)
    if parent_id is not None:
        _get_branch(session, parent_id)
    _check_sibling_name(session, parent_id, name, exclude=None)
    branch = Branch(name=name, parent_id=parent_id)
    session.add(branch)
    session.flush()
    record(session, actor, "branch.create", name, now=now, parent_id=parent_id)
    return branch


def rename_branch(session: Session, actor: User, branch_id: int, name: str, *, now: datetime) -> None:
    branch = _get_branch(session, branch_id)
    name = _clean_branch_name(name)
    _check_sibling_name(session, branch.parent_id, name, exclude=branch.id)
    record(session, actor, "branch.rename", branch.name, now=now, new_name=name)
    branch.name = name


def move_branch(
    session: Session, actor: User, branch_id: int, parent_id: int | None, *, now: datetime
) -> None:
    branch = _get_branch(session, branch_id)
    if parent_id is not None:
        _get_branch(session, parent_id)
        if parent_id in subtree_ids(session, branch.id):
            raise DomainError(
                _("A branch cannot move under itself or one of its own groups."), ErrorCode.CYCLE
            )
    _check_sibling_name(session, parent_id, branch.name, exclude=branch.id)
    record(
        session,
        actor,
        "branch.move",
        branch.name,
        now=now,
        old_parent_id=branch.parent_id,
        new_parent_id=parent_id,
    )
    branch.parent_id = parent_id


def set_branch_order(
    session: Session, actor: User, branch_id: int, sort_order: int | None, *, now: datetime
) -> None:
    """Place the branch among its siblings; None goes back to the number in its name."""
    branch = _get_branch(session, branch_id)
    record(
        session,
        actor,
        "branch.order",
        branch.name,
        now=now,
        old_order=branch.sort_order,
        new_order=sort_order,
    )
    branch.sort_order = sort_order


def delete_branch(session: Session, actor: User, branch_id: int, *, now: datetime) -> None:
    branch = _get_branch(session, branch_id)
    if session.scalars(select(Branch.id).where(Branch.parent_id == branch.id)).first() is not None:
        raise DomainError(
            _("“%(name)s” still has groups below it; move or delete them first.", name=branch.name),
            ErrorCode.NOT_EMPTY,
        )
    if session.scalars(select(User.id).where(User.branch_id == branch.id)).first() is not None:
        raise DomainError(
            _("“%(name)s” still has members (active or not); move them first.", name=branch.name),
            ErrorCode.NOT_EMPTY,
        )
    record(session, actor, "branch.delete", branch.name, now=now)
    session.delete(branch)


# ---- people ----------------------------------------------------------------------------------


def check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise DomainError(_("A 工号 uses letters, digits, “.”, “_” or “-” (at most 64)."), ErrorCode.INVALID)
    return username


def create_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    display_name: str,
    role: Role,
    branch_id: int | None,
    password: str,
    must_change_password: bool = True,
    now: datetime,
) -> User:
    username = check_username(username)
    if not display_name.strip():
        raise DomainError(_("A person needs a name."), ErrorCode.INVALID)
    check_new_password(password, own=(username, display_name))
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise DomainError(_("The 工号 %(username)s is taken.", username=username), ErrorCode.DUPLICATE)
    if branch_id is not None:
        _get_branch(session, branch_id)
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=role,
        branch_id=branch_id,
        password_hash=hash_password(password, initial=must_change_password),
        must_change_password=must_change_password,
        active=True,
        auth_version=1,
        created_at=now,
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.create", username, now=now, role=role.value, branch_id=branch_id)
    return user


def update_user(
    session: Session,
    actor: User,
    user: User,
    *,
    display_name: str,
    role: Role,
    branch_id: int | None,
    now: datetime,
) -> None:
    if not display_name.strip():
        raise DomainError(_("A person needs a name."), ErrorCode.INVALID)
    if branch_id is not None:
        _get_branch(session, branch_id)
    if user.id == actor.id and role != Role.ADMIN:
        raise DomainError(_("You cannot take away your own administrator role."), ErrorCode.SELF)
    changes = {
        field: [str(old), str(new)]
        for field, old, new in (
            ("display_name", user.display_name, display_name.strip()),
            ("role", user.role.value, role.value),
            ("branch_id", user.branch_id, branch_id),
        )
        if old != new
    }
    user.display_name, user.role, user.branch_id = display_name.strip(), role, branch_id
    if changes:
        record(session, actor, "user.update", user.username, now=now, **changes)


def set_active(session: Session, actor: User, user: User, active: bool, *, now: datetime) -> None:
    if user.id == actor.id and not active:
        raise DomainError(_("You cannot deactivate your own account."), ErrorCode.SELF)
    if user.active == active:
        return
    user.active = active
    user.auth_version += 1  # ends the person's open sessions
    record(session, actor, "user.activate" if active else "user.deactivate", user.username, now=now)


def users_query(
    session: Session,
    viewer: User,
    *,
    search: str = "",
    branch_id: int | None = None,
    role: Role | None = None,
) -> Select:
    query = select(User).order_by(User.username)
    visible = visible_branch_ids(session, viewer)
    if visible is not None:
        query = query.where(User.branch_id.in_(visible))
    if branch_id is not None:
        query = query.where(User.branch_id.in_(subtree_ids(session, branch_id)))
    if role is not None:
        query = query.where(User.role == role)
    if search.strip():
        text = search.strip()
        query = query.where(
            or_(
                containing(User.username, text, ignore_case=True),
                containing(User.display_name, text, ignore_case=True),
            )
        )
    return query


def list_users(session: Session, viewer: User, *, page: int = 1, **filters) -> Page[User]:
    return paginate(session, users_query(session, viewer, **filters), page)


def count_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN)) or 0


# ---- audit log -------------------------------------------------------------------------------


def record(
    session: Session, actor: User | Claim | None, action: str, target: str, *, now: datetime, **detail: object
) -> None:
    """Add an audit event in the caller's transaction, so it commits or rolls back with the action."""
    session.add(
        AuditEvent(
            at=now, actor_id=actor.id if actor else None, action=action, target=target[:200], detail=detail
        )
    )


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def list_audit(
    session: Session,
    *,
    actor: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
) -> Page[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if text := actor.strip():
        who = or_(
            containing(User.username, text, ignore_case=True),
            containing(User.display_name, text, ignore_case=True),
        )
        # The log shows an entry without an actor as 系统 (system): that word, in either language, finds it.
        if any(text.casefold() in word.casefold() for word in (_("system"), "system")):
            who = or_(who, AuditEvent.actor_id.is_(None))
        query = query.outerjoin(User, AuditEvent.actor_id == User.id).where(who)
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return paginate(session, query, page)


def usernames(session: Session, names: Iterable[str]) -> dict[str, User]:
    names = list(names)
    if not names:
        return {}
    return {user.username: user for user in session.scalars(select(User).where(User.username.in_(names)))}
