"""The signed-in person's start page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from studyhall.accounts import service as accounts
from studyhall.accounts.access import SIGNED_IN, allow

bp = Blueprint("home", __name__)


@bp.route("/")
@allow(SIGNED_IN)
def index() -> str:
    return render_template("home/index.html", branch=accounts.branch_path(current_user.branch))
