"""Forms of the 学习强国 import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, HiddenField
from wtforms.validators import DataRequired, Optional


class UploadForm(FlaskForm):
    file = FileField(
        _l("学习强国 export (.xlsx or .csv)"),
        validators=[FileRequired(), FileAllowed(["xlsx", "csv"], _l("Upload an .xlsx or .csv file."))],
    )


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    # Asked only when the file states no date.
    exported_on = DateField(_l("Exported on"), validators=[Optional()])
