"""Refuse what no database column can hold before any view sees it, and read a JSON API call's body."""

from __future__ import annotations

import json

from flask import Flask, g, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from studyhall.db import MAX_ID
from studyhall.errors import DomainError, ErrorCode


def _holds_nul(value: object) -> bool:
    """Whether any text in a parsed JSON value holds a NUL; a loop, not recursion, as the parser
    accepts nesting deeper than Python's recursion limit allows a walk."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


_UNREADABLE = object()


def _parsed() -> object:
    """The body read as JSON, once a request: the NUL check and the view both need it, and a large
    body costs seconds to parse. _UNREADABLE when it is not JSON."""
    if "json_body" not in g:
        try:
            g.json_body = json.loads(request.get_data())
        except (ValueError, RecursionError):
            g.json_body = _UNREADABLE
    return g.json_body


def _json_body() -> object:
    if not request.is_json:
        return None
    body = _parsed()
    return (
        None if body is _UNREADABLE else body
    )  # the view refuses a body it cannot read, with its own message


def _refuse_nul() -> None:
    """PostgreSQL's text columns cannot store a NUL character: a 工号, a search or an answer holding
    one would fail deep in a query as a 500 (SQLite stores it, which hides the problem). Refuse it
    here, for the path, the query, the form fields and a JSON body, once for every route."""
    fields = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        fields += [*request.form.keys(), *request.form.values()]
    if any("\x00" in field for field in fields) or _holds_nul(_json_body()):
        raise BadRequest()


def json_object() -> dict[str, object]:
    """The request's JSON object, {} for an empty body. Anything else is refused here, once for
    every API view: a non-object, nesting too deep for the parser, and text with a lone surrogate
    ("\\ud800" is valid JSON, but no database can store it)."""
    if not request.get_data():
        return {}
    body = _parsed()
    try:
        if body is not _UNREADABLE:
            json.dumps(body, ensure_ascii=False).encode()  # lone surrogates, in keys or values
    except (ValueError, RecursionError):  # UnicodeError is a ValueError
        body = None
    if not isinstance(body, dict):
        raise DomainError(_("The request body is not the JSON object this call expects."), ErrorCode.INVALID)
    return body


def row_id(text: str | None) -> int | None:
    """A row's number a query string or a form gives (?plan=12); None for anything else: no row
    has a number past MAX_ID, a negative one, or one written otherwise (isdigit() alone takes "²",
    and int() refuses thousands of digits)."""
    if text and len(text) <= len(str(MAX_ID)) and text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        return int(text)
    return None


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
