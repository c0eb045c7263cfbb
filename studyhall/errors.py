"""The one exception type services raise for a refused request, and the codes a refusal carries."""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    """Why a request was refused: the `code` of every JSON error response. The values are a contract
    with API clients (static/js/attempt.js reads some of them), so they never change."""

    # A service's refusal (DomainError)
    REFUSED = "refused"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    STALE = "stale"
    DUPLICATE = "duplicate"
    NOT_EMPTY = "not_empty"
    SELF = "self"
    CYCLE = "cycle"
    WEAK_PASSWORD = "weak_password"
    WRONG_PASSWORD = "wrong_password"
    SAME_PASSWORD = "same_password"
    THROTTLED = "throttled"
    SIGNED_OUT = "signed_out"
    PASSWORD_CHANGE = "password_change"
    NOT_IN_AUDIENCE = "not_in_audience"
    ACCESS_CODE = "access_code"
    ADDRESS = "address"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    DEADLINE_PASSED = "deadline_passed"
    SUBMITTED = "submitted"
    INVALID_SEQ = "invalid_seq"
    INVALID_RESPONSE = "invalid_response"
    POOL = "pool"
    POOL_TOO_SMALL = "pool_too_small"
    REVIEW_OPEN = "review_open"
    STARTED = "started"
    FROZEN = "frozen"
    # The request itself failed (errors_pages)
    CSRF_EXPIRED = "csrf_expired"
    BAD_REQUEST = "bad_request"
    FORBIDDEN = "forbidden"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    TOO_LARGE = "too_large"
    TOO_MANY_REQUESTS = "too_many_requests"
    SERVER_ERROR = "server_error"
    ERROR = "error"


class DomainError(Exception):
    """A rule said no. `message` is shown to the person; `code` is stable for API clients."""

    def __init__(self, message: str, code: ErrorCode = ErrorCode.REFUSED) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
