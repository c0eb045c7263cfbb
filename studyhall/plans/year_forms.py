"""Forms of the year plan's import: the file with its year and level, and the confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from studyhall.plans import dates


class YearImportForm(FlaskForm):
    year = IntegerField(
        _l("Year"), validators=[InputRequired(), NumberRange(min=dates.FIRST_YEAR, max=dates.LAST_YEAR)]
    )
    # "" for the whole organisation, else a 党支部's id; a secretary's is their own.
    level = SelectField(_l("Scope"), validators=[Optional()])
    file = FileField(
        _l("Year plan table (.xlsx or .csv)"),
        validators=[FileRequired(), FileAllowed(["xlsx", "csv"], _l("Upload an .xlsx or .csv file."))],
    )

    def chosen_branch(self) -> int | None:
        return int(self.level.data) if self.level.data else None


class YearConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    year = HiddenField(validators=[DataRequired()])
    level = HiddenField()
