"""Forms for writing and reviewing 心得体会."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from studyhall.plans.reflections import MAX_COMMENT, MAX_TEXT


class WriteForm(FlaskForm):
    """The page's own form: what it sends without JavaScript (the script saves as one types)."""

    text = TextAreaField(_l("Your reflection"), render_kw={"rows": 14, "maxlength": MAX_TEXT})
    # The stored version the page shows (its seq): text sent from it after another page or device
    # has saved other text is refused, not written over that (see reflections.save_draft).
    base = IntegerField(validators=[Optional()], widget=HiddenInput())


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=MAX_COMMENT)], render_kw={"rows": 4})
    excellent = BooleanField(_l("Mark as excellent (优秀): shown to the author's 党支部"))
    # The submission the reviewer read: a review of an earlier one is refused (see reflections.review).
    submission = IntegerField(validators=[InputRequired()], widget=HiddenInput())


class ExcellentForm(FlaskForm):
    excellent = HiddenField()
