"""What practice holds back: a question a test already open may still ask (or its twin in another
bank, exams.still_answerable), until that test and its grace are over. Practice shows keys at
once, so rounds, the book's reviews, its pages and counts all ask here."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from studyhall.exams import service as exams


def held(session: Session, lineages: Collection[str], *, now: datetime) -> set[str]:
    """Of these questions, those practice shows nothing of now."""
    return (
        set(exams.still_answerable(session, set(lineages), now=now, opened_only=True)) if lineages else set()
    )
