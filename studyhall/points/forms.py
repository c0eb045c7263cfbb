"""Forms for the point rules and manual awards."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from studyhall.points.service import MAX_MANUAL_POINTS

_SEPARATORS = re.compile(r"[\s,，、;；]+")


class RuleForm(FlaskForm):
    points = IntegerField(_l("Points per action"), validators=[InputRequired(), NumberRange(0, 1000)])
    daily_cap = IntegerField(_l("Daily cap (empty: none)"), validators=[Optional(), NumberRange(0, 10000)])
    weekly_cap = IntegerField(_l("Weekly cap (empty: none)"), validators=[Optional(), NumberRange(0, 100000)])
    enabled = BooleanField(_l("In use"))


class ManualAwardForm(FlaskForm):
    usernames = TextAreaField(
        _l("People (工号, separated by spaces, commas or lines)"),
        validators=[DataRequired()],
        render_kw={"rows": 3},
    )
    points = IntegerField(
        _l("Points (negative to deduct)"),
        validators=[InputRequired(), NumberRange(-MAX_MANUAL_POINTS, MAX_MANUAL_POINTS)],
    )
    reason = StringField(_l("Reason (shown to the person)"), validators=[DataRequired(), Length(max=200)])
    token = HiddenField()

    def names(self) -> list[str]:
        return list(dict.fromkeys(name for name in _SEPARATORS.split(self.usernames.data or "") if name))


class ReverseForm(FlaskForm):
    reason = StringField(_l("Why it is taken back"), validators=[DataRequired(), Length(max=200)])
