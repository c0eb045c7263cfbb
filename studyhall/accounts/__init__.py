"""Users, branches, roles, sign-in and bulk user import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager


def init_login(manager: LoginManager) -> None:
    from studyhall import db
    from studyhall.accounts import service

    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see that page.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"
    manager.user_loader(lambda session_id: service.load_session_user(db.session(), session_id))
