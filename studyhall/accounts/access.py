"""Who may use which route, decided in one place.

Every view declares its audience with @allow(...). A before_request hook enforces the
declaration and refuses any route that has none, so a forgotten decorator fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from studyhall.accounts.models import Role

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in person
F = TypeVar("F", bound=Callable[..., object])
# Pages a person who must change their password may still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"accounts.change_password", "accounts.logout", "accounts.language"}


def allow(*audience: str | Role) -> Callable[[F], F]:
    def mark(view: F) -> F:
        view.allowed = frozenset(str(who) for who in audience)  # type: ignore[attr-defined]
        return view

    return mark


def declared_audience(view: Callable[..., object]) -> frozenset[str] | None:
    return getattr(view, "allowed", None)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json


def _enforce() -> object:
    if request.endpoint is None or request.endpoint == "static":
        return None  # 404s and static files
    audience = declared_audience(current_app.view_functions[request.endpoint])
    if audience is None:
        raise Forbidden()
    if PUBLIC in audience:
        return None
    if not current_user.is_authenticated:
        if wants_json():
            response = jsonify(code="signed_out", message=_("Your session has ended; please sign in again."))
            response.status_code = 401
            return response
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if current_user.must_change_password and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE:
        return redirect(url_for("accounts.change_password"))
    if SIGNED_IN not in audience and current_user.role.value not in audience:
        raise Forbidden()
    return None


def init_app(app: Flask) -> None:
    app.before_request(_enforce)
