"""Upload and question-editing forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from studyhall.forms import SelectChoice
from studyhall.questions import types
from studyhall.questions.answers import LETTERS

FORMAT_LABELS = {
    "auto": _l("Detect from the file"),
    "xlsx": _l("Excel template (.xlsx)"),
    "csv": _l("CSV in the template layout"),
    "text": _l("Numbered text (.txt)"),
    "docx": _l("Word document (.docx)"),
    "gift": _l("Moodle GIFT"),
    "aiken": _l("Moodle Aiken"),
    "moodlexml": _l("Moodle XML"),
}


class BankUploadForm(FlaskForm):
    bank = StringField(
        _l("Bank"),
        validators=[DataRequired(), Length(max=100)],
        render_kw={"list": "bank-names", "autocomplete": "off"},
    )
    format = SelectField(_l("Format"), choices=[SelectChoice(k, v) for k, v in FORMAT_LABELS.items()])
    file = FileField(_l("File"), validators=[FileRequired()])


class BankConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    bank = HiddenField(validators=[DataRequired()])
    format = HiddenField(validators=[DataRequired()])


class QuestionForm(FlaskForm):
    type = SelectField(_l("Type"), choices=[SelectChoice(k, v) for k, v in types.LABELS.items()])
    stem = TextAreaField(_l("Stem"), validators=[DataRequired()], render_kw={"rows": 3})
    answer = StringField(_l("Answer"), validators=[DataRequired()])
    explanation = TextAreaField(_l("Explanation (解析)"), validators=[Optional()], render_kw={"rows": 2})
    categories = StringField(_l("Knowledge points (separate with ;)"), validators=[Optional()])
    difficulty = StringField(_l("Difficulty (1–5 or 易/中/难)"), validators=[Optional()])
    score = StringField(_l("Default score"), validators=[Optional()])
    source = StringField(_l("Source (出处)"), validators=[Optional()])
    external_id = StringField(_l("编号"), validators=[Optional(), Length(max=100)])
    case_sensitive = BooleanField(_l("Fill-in answers are case-sensitive"))


for _letter in LETTERS:
    setattr(
        QuestionForm,
        f"option_{_letter}",
        StringField(_l("Option %(letter)s", letter=_letter), validators=[Optional()]),
    )
