"""Friendly pages (or JSON for the API) for refused and failed requests."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from studyhall import db, i18n
from studyhall.access import referrer_target, wants_json
from studyhall.errors import ErrorCode


def _messages() -> dict[int, tuple[ErrorCode, str]]:
    return {
        400: (ErrorCode.BAD_REQUEST, _("The request could not be understood.")),
        403: (ErrorCode.FORBIDDEN, _("You do not have permission to open this page.")),
        404: (ErrorCode.NOT_FOUND, _("There is no such page.")),
        405: (ErrorCode.METHOD_NOT_ALLOWED, _("That action is not possible here.")),
        413: (
            ErrorCode.TOO_LARGE,
            _("The file is too large. The limit is %(mb)s MB.", mb=_upload_limit_mb()),
        ),
        429: (ErrorCode.TOO_MANY_REQUESTS, _("Too many requests. Please wait a moment and try again.")),
        500: (
            ErrorCode.SERVER_ERROR,
            _("Something went wrong on the server. Nothing you saved is lost; try again."),
        ),
    }


def _upload_limit_mb() -> str:
    # This request's limit: a view may allow more than MAX_CONTENT_LENGTH (a plan's video).
    return f"{round((request.max_content_length or 0) / (1024 * 1024), 2):g}"


def _render(status: int, code: ErrorCode, message: str) -> tuple[ResponseValue, int]:
    if wants_json():
        return jsonify(code=code, message=message), status
    # The way back to where the person was, e.g. the upload form after a file too large.
    back = referrer_target()
    return render_template("errors/error.html", status=status, message=message, back=back), status


def _http_error(error: HTTPException) -> tuple[ResponseValue, int]:
    status = error.code or 500
    code, message = _messages().get(status, (ErrorCode.ERROR, error.description or ""))
    return _render(status, code, message)


def _csrf_error(_error: CSRFError) -> tuple[ResponseValue, int]:
    # Mostly a form left open past the end of its session: say so and offer the way back.
    message = _("This page had expired, so nothing was changed. Please open it again and retry.")
    if wants_json():
        return jsonify(code=ErrorCode.CSRF_EXPIRED, message=message), 400
    retry = referrer_target()
    if retry is None:
        get_page = request.url_rule is not None and "GET" in (request.url_rule.methods or ())
        retry = request.path if get_page else url_for("home.index")
    return render_template("errors/csrf.html", message=message, retry=retry), 400


def _server_error(_error: Exception) -> tuple[ResponseValue, int]:
    # The request's transaction may have failed with it (a dead connection must be rolled back
    # before the session can query again), and the page below asks the database for its header.
    db.discard_session()
    code, message = _messages()[500]
    try:
        return _render(500, code, message)
    except SQLAlchemyError:
        # The database is out of reach: a page that needs nothing from it (no account, no banner).
        db.discard_session()
        page = current_app.jinja_env.get_template("errors/unavailable.html")
        return page.render(message=message, html_lang=i18n.html_lang()), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(500, _server_error)
