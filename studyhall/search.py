"""Text search conditions: what a person types is matched as written.

SQL LIKE reads `%` and `_` as wildcards, so a search for "50%" or "user_1" would match "500" or
"userx1". Every search goes through here, where SQLAlchemy escapes them.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression


def containing(
    column: SQLColumnExpression[str], text: str, *, ignore_case: bool = False
) -> ColumnElement[bool]:
    if ignore_case:
        return column.icontains(text, autoescape=True)
    return column.contains(text, autoescape=True)
