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
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from studyhall.points.service import MAX_MANUAL_PEOPLE, MAX_MANUAL_POINTS, REASON_LENGTH

_SEPARATORS = re.compile(r"[\s,，、;；]+")


def reason_field(label: str, when_empty: str) -> StringField:
    """A required reason, shown to people and kept on the ledger or a notice: one that is too long
    is told so, not taken for an empty one."""
    return StringField(
        label,
        validators=[
            DataRequired(message=when_empty),
            Length(
                max=REASON_LENGTH,
                message=_l("Too long: at most %(max)d characters (this one has %(length)d)."),
            ),
        ],
    )


class RuleForm(FlaskForm):
    """A rule's numbers; what they mean together (a cap below the points per action, …) is the
    service's to judge (service.rule_problems), shown here under the field at fault."""

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
    reason = reason_field(
        _l("Reason (shown to the person)"),
        _l("Give the reason: it is shown to the person and on the ledger."),
    )
    token = HiddenField()

    def names(self) -> list[str]:
        return list(dict.fromkeys(name for name in _SEPARATORS.split(self.usernames.data or "") if name))

    def validate_usernames(self, field: TextAreaField) -> None:
        if len(named := self.names()) > MAX_MANUAL_PEOPLE:
            raise ValidationError(
                _l(
                    "At most %(max)d people in one award (this names %(n)d): split the list.",
                    max=MAX_MANUAL_PEOPLE,
                    n=len(named),
                )
            )


class ReverseForm(FlaskForm):
    reason = reason_field(
        _l("Why it is taken back"), _l("Give the reason: it is shown to the person and on the ledger.")
    )


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
    day = DateField(_l("Any day of the period"), validators=[InputRequired()])
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
    reason = reason_field(_l("Why it is withdrawn"), _l("Give the reason for withdrawing it."))
