"""What every feature's forms share: the choice type of select fields, a validated field's text,
times in the organisation's zone and lists of 工号."""

from __future__ import annotations

import re
from datetime import datetime

from wtforms import DateTimeField, IntegerField, StringField
from wtforms.fields import DateTimeLocalField

# WTForms 3.3 replaces (value, label) choices with SelectChoice; types-WTForms still describes 3.2.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # see above

from studyhall import clock

__all__ = ["SelectChoice", "filled", "local_datetime", "moment", "number", "username_list"]

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
_LIST_SEPARATORS = re.compile(r"[\s,，、;；]+")


def local_datetime(label: str, *validators: object) -> DateTimeLocalField:
    """A date-and-time input that shows and takes the organisation's local time; .data is aware, in
    that zone."""
    return DateTimeLocalField(
        label,
        validators=list(validators),
        format=DATETIME_FORMATS,
        # types-WTForms describes WTForms 3.2, which had no tz; 3.3 (pyproject requires it) takes it.
        tz=clock.local_zone,  # type: ignore[call-arg]
    )


def username_list(text: str | None) -> list[str]:
    """The 工号 in a text, separated by spaces, commas or lines, each once."""
    return list(dict.fromkeys(name for name in _LIST_SEPARATORS.split(text or "") if name))


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
