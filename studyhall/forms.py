"""What every feature's forms share: the choice type of select fields and a validated field's text."""

from __future__ import annotations

from datetime import datetime

from wtforms import DateTimeField, IntegerField, StringField

# WTForms 3.3 replaces (value, label) choices with SelectChoice; types-WTForms still describes 3.2.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # see above

__all__ = ["SelectChoice", "filled", "moment", "number"]


def filled(field: StringField) -> str:
    """The text of a field whose form has validated with DataRequired (or InputRequired): WTForms
    types its data as optional because an unsubmitted field holds None."""
    if field.data is None:
        raise ValueError(f"{field.name} holds no data: validate its form first")
    return field.data


def number(field: IntegerField) -> int:
    """The number in a field whose form has validated with InputRequired, as filled() for text."""
    if field.data is None:
        raise ValueError(f"{field.name} holds no data: validate its form first")
    return field.data


def moment(field: DateTimeField) -> datetime:
    """The date and time in a field whose form has validated with InputRequired, as filled() for text."""
    if field.data is None:
        raise ValueError(f"{field.name} holds no data: validate its form first")
    return field.data
