"""Security headers on every response, and no-store on the responses that carry secrets."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

from flask import Flask, Response, current_app, request, send_from_directory

# No inline script or style anywhere (templates keep both in static/): an injected tag or attribute
# does nothing. JSON data blocks (<script type="application/json">) are data, not script.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "worker-src 'self'",
    ]
)
F = TypeVar("F", bound=Callable[..., object])


def no_store(view: F) -> F:
    """Mark a view whose responses no cache, shared or the browser's, may keep: pages that show a
    password, an attempt's paper and answers (a shared computer's back button), and the pages that
    offer to continue an attempt (Back after submitting must not show one as still open)."""
    view.no_store = True  # type: ignore[attr-defined]  # a mark on the function, read by the after-request hook
    return view


# What no file name may hold on the systems our users save to (Windows' list), and controls.
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def service_worker(script: str) -> Response:
    """A page's service worker (static/js/<script>), served from the route's own folder: a worker's
    scope is its script's folder, so it covers that feature's pages and nothing else."""
    assert current_app.static_folder is not None
    return send_from_directory(
        current_app.static_folder, f"js/{script}", mimetype="text/javascript", max_age=0
    )


def attachment(data: bytes, mimetype: str, filename: str, fallback: str) -> Response:
    """A download that is saved as `filename` (in any script: RFC 6266 with RFC 5987's filename*),
    or as the ASCII `fallback` by a client that knows only filename=; never cached."""
    name = _UNSAFE_IN_FILENAME.sub("_", filename)
    disposition = f"attachment; filename={fallback}; filename*=UTF-8''{quote(name, safe='')}"
    return Response(
        data, mimetype=mimetype, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"}
    )


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "no_store", False):
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
