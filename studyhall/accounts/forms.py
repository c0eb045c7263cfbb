"""Forms for sign-in, passwords, branches, people and the bulk import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from studyhall.accounts.models import Role
from studyhall.accounts.service import MIN_PASSWORD_LENGTH
from studyhall.forms import SelectChoice

ROLE_LABELS = {
    Role.CADRE: _l("Cadre"),
    Role.SECRETARY: _l("Branch secretary"),
    Role.ADMIN: _l("Administrator"),
}


class LoginForm(FlaskForm):
    username = StringField(
        _l("工号 (username)"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two entries differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class BranchForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    parent_id = SelectField(_l("Belongs to"), coerce=str, validators=[Optional()])


class RenameBranchForm(FlaskForm):
    name = StringField(_l("New name"), validators=[DataRequired(), Length(max=100)])


class UserForm(FlaskForm):
    username = StringField(_l("工号 (username)"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    branch_id = SelectField(_l("Branch"), coerce=str, validators=[Optional()])
    role = SelectField(
        _l("Role"), choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
    )
    password = PasswordField(
        _l("Initial password (leave empty to generate one)"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("File (.xlsx or .csv)"),
        validators=[FileRequired(), FileAllowed(["xlsx", "csv"], _l("Upload an .xlsx or .csv file."))],
    )


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    create_branches = BooleanField(_l("Create the missing branches listed above"))
