"""Users, branches, roles, sign-in and bulk user import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from werkzeug.exceptions import Unauthorized

from studyhall.accounts.models import User


def init_login(manager: LoginManager) -> None:
    from studyhall import db
    from studyhall.accounts import service

    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see that page.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"
    manager.user_loader(lambda session_id: service.load_session_user(db.session(), session_id))


def signed_in_user() -> User:
    """The person signed in on this request. flask_login.current_user is an untyped proxy that may
    stand for an anonymous visitor; views whose @allow audience is signed-in people read it here."""
    user = current_user._get_current_object()
    if not isinstance(user, User):
        raise Unauthorized()
    return user
