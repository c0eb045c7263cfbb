"""The one exception type services raise for a refused request."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. `message` is shown to the person; `code` is stable for API clients."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
