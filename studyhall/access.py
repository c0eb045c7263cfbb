"""Who may use which route, decided in one place.

Every view declares its audience with @allow(...). A before_request hook enforces the
declaration and refuses any route that has none, so a forgotten decorator fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from studyhall.errors import ErrorCode

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in person
# Any signed-in person, checked by the view's own statement rather than by loading the account
# here first: for the autosave, the hottest request of a test, that load was a fifth of its cost.
# The hook only requires a session cookie that names someone; the view must pass session_claim()
# to a query that refuses it unless the account is active and unchanged (see exams.service).
SIGNED_IN_CHECKED_BY_VIEW = "signed_in_checked_by_view"
F = TypeVar("F", bound=Callable[..., object])
# Pages a person who must change their password may still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"accounts.change_password", "accounts.logout", "accounts.language"}


def allow(*audience: str) -> Callable[[F], F]:
    """Mark a view for these audiences: PUBLIC, SIGNED_IN, SIGNED_IN_CHECKED_BY_VIEW or roles (each
    accounts.models.Role is its stored string)."""
    if SIGNED_IN_CHECKED_BY_VIEW in audience and len(audience) > 1:
        raise TypeError("SIGNED_IN_CHECKED_BY_VIEW admits anyone signed in; it takes no other audience")

    def mark(view: F) -> F:
        view.allowed = frozenset(str(who) for who in audience)  # type: ignore[attr-defined]
        return view

    return mark


def declared_audience(view: Callable[..., object]) -> frozenset[str] | None:
    return getattr(view, "allowed", None)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json


@dataclass(frozen=True)
class Claim:
    """Who a session cookie says its holder is (accounts.models.User.get_id writes it): true only
    while that account is active, its auth_version (raised by every password change or reset) is
    still this one, and its LoginSession (ended by signing out) still exists."""

    id: int
    auth_version: int
    session_key: str


def parse_session_id(session_id: object) -> Claim | None:
    parts = str(session_id).split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        return None
    return Claim(int(parts[0]), int(parts[1]), parts[2])


def session_claim() -> Claim | None:
    """Who the session cookie names, not yet checked against the account."""
    return parse_session_id(session.get("_user_id", ""))


# What a browser drops from a URL before reading it (WHATWG URL parsing): tab and newlines anywhere,
# C0 controls and spaces at either end. A check on the string as sent would miss "/\t/evil".
_DROPPED_ANYWHERE = str.maketrans("", "", "\t\n\r")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))


def local_target(target: str | None) -> str | None:
    """The target as the browser will read it, if that is a path on this site; else None.

    Every redirect to a URL the request supplied (`next`, the referrer) goes through here, so an
    attacker's link cannot send someone who signs in to another site."""
    if not target:
        return None
    path = target.strip(_C0_AND_SPACE).translate(_DROPPED_ANYWHERE)
    start = path[:2].replace("\\", "/")  # a backslash there reads as a slash
    if not start.startswith("/") or start == "//":
        return None  # a scheme ("https:", "javascript:") or another host ("//evil", "/\\evil")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in path):
        return None
    return path


def safe_next(target: str | None) -> str:
    return local_target(target) or url_for("home.index")


def referrer_target() -> str | None:
    """The page the request came from, if it is one of this site's."""
    return local_target((request.referrer or "").removeprefix(request.host_url.rstrip("/")))


def _signed_out() -> ResponseReturnValue:
    if wants_json():
        response = jsonify(
            code=ErrorCode.SIGNED_OUT, message=_("Your session has ended; please sign in again.")
        )
        response.status_code = 401
        return response
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _enforce() -> ResponseReturnValue | None:
    if request.endpoint is None or request.endpoint == "static":
        return None  # 404s and static files
    audience = declared_audience(current_app.view_functions[request.endpoint])
    if audience is None:
        raise Forbidden()
    if PUBLIC in audience:
        return None
    if SIGNED_IN_CHECKED_BY_VIEW in audience:
        return None if session_claim() else _signed_out()
    if not current_user.is_authenticated:
        return _signed_out()
    if current_user.must_change_password and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE:
        return redirect(url_for("accounts.change_password"))
    if SIGNED_IN not in audience and current_user.role.value not in audience:
        raise Forbidden()
    return None


def init_app(app: Flask) -> None:
    app.before_request(_enforce)
