"""One page of a longer listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def numbers(self, around: int = 2) -> list[int | None]:
        """The pages a pager offers by number: the first, the last and those within `around` of
        this one, with None where a run is left out (shown …). A run of one page is given, since
        its number is no longer than the … that would stand for it."""
        near = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        shown: list[int | None] = []
        previous = 0
        for number in sorted(n for n in near if 1 <= n <= self.pages):
            if number - previous == 2:
                shown.append(number - 1)
            elif number - previous > 2:
                shown.append(None)
            shown.append(number)
            previous = number
        return shown


def paginate(session: Session, query: Select, page: int, per_page: int = 50, *, rows: bool = False) -> Page:
    """One page of the query's results: its first entity, or (rows=True) tuples of every column."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    limited = query.limit(per_page).offset((page - 1) * per_page)
    items = [tuple(row) for row in session.execute(limited)] if rows else list(session.scalars(limited))
    return Page(items=items, total=total, page=page, per_page=per_page)


def of_list(rows: Sequence[T], page: int, per_page: int = 50) -> Page[T]:
    """One page of rows already in memory and in order (a page number past the end shows the last)."""
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    return Page(items=list(rows[start : start + per_page]), total=len(rows), page=page, per_page=per_page)


# url_for's own keywords: a query string naming one would crash the page or change the link.
_URL_FOR_KEYWORDS = {"endpoint", "values", "method"}


def query_args() -> dict[str, str]:
    """The request's query arguments that may be passed on to url_for for a link to the same list
    (another page, an export): never url_for's own keywords (endpoint, _external, _anchor, …)."""
    from flask import request

    return {
        key: value
        for key, value in request.args.to_dict().items()
        if not key.startswith("_") and key not in _URL_FOR_KEYWORDS
    }
