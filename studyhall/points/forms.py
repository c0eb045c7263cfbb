"""Forms for the point rules, manual awards and 积分公示."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]  # the stubs (3.2) predate SelectChoice (3.3)
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
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


class HighlightFields(FlaskForm):
    """表彰先进、鞭策后进, both off unless filled in."""

    top_n = IntegerField(
        _l("Highlight the first (how many; empty: none)"), validators=[Optional(), NumberRange(1, 1000)]
    )
    threshold = IntegerField(
        _l("Highlight those under (points; empty: nobody)"), validators=[Optional(), NumberRange(1, 100000)]
    )


class NoticeOptions(HighlightFields):
    """What a notice carries besides the points: the highlights, and the 学习强国 figures (off
    unless ticked)."""

    with_xxqg = BooleanField(_l("Include the 学习强国 figures (the latest export’s total and gain)"))


class PublishForm(NoticeOptions):
    period = SelectField(
        _l("Period"), choices=[SelectChoice("week", _l("A week")), SelectChoice("month", _l("A month"))]
    )
    day = DateField(_l("Containing the day"), validators=[InputRequired()])
    branch = SelectField(_l("Covering"), coerce=int)  # 0: the whole organisation; choices set by the page
    title = StringField(_l("Title (empty: made from the period)"), validators=[Optional(), Length(max=200)])

    def offer_branches(self, branches: list[tuple[int, str]]) -> None:
        """The scope's choices: the whole organisation (0) or one of these 党支部."""
        self.branch.choices = [SelectChoice(0, _l("The whole organisation"))] + [
            SelectChoice(branch_id, name) for branch_id, name in branches
        ]


class ScheduleForm(NoticeOptions):
    weekly = BooleanField(_l("Every Monday at 08:00: the week before"))
    monthly = BooleanField(_l("On the 1st at 08:00: the month before"))


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Why it is withdrawn"), validators=[DataRequired(), Length(max=200)])
