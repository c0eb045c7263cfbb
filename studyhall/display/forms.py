"""The form that registers or changes a screen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from studyhall.display.models import Display, Privacy
from studyhall.display.panels import offered
from studyhall.display.service import ROTATE_MAX_SECONDS, ROTATE_MIN_SECONDS
from studyhall.forms import SelectChoice

PRIVACY_LABELS = {Privacy.SURNAME: _l("Surname + 同志 (王同志)"), Privacy.FULL_NAME: _l("Full name")}


class DisplayForm(FlaskForm):
    name = StringField(_l("Name (e.g. the floor)"), validators=[DataRequired(), Length(max=100)])
    rotate_seconds = IntegerField(
        _l("Seconds each panel is shown"),
        default=20,
        validators=[InputRequired(), NumberRange(ROTATE_MIN_SECONDS, ROTATE_MAX_SECONDS)],
    )
    privacy = RadioField(
        _l("Names on the screen"),
        choices=[SelectChoice(value.value, label) for value, label in PRIVACY_LABELS.items()],
        default=Privacy.SURNAME.value,
        validators=[InputRequired()],
    )
    notice = TextAreaField(_l("Notice text"), validators=[Length(max=500)], render_kw={"rows": 3})

    def panel_fields(self) -> list[IntegerField]:
        return [self[f"panel_{panel.kind}"] for panel in offered()]

    def chosen_panels(self) -> list[str]:
        """The panels given a position, in that order (equal positions in the registry's order)."""
        placed = [
            (field.data, order, panel.kind.value)
            for order, (panel, field) in enumerate(zip(offered(), self.panel_fields(), strict=True))
            if field.data is not None
        ]
        return [kind for _position, _order, kind in sorted(placed)]

    @classmethod
    def of(cls, display: Display) -> DisplayForm:
        positions = {f"panel_{kind}": place for place, kind in enumerate(display.panels, start=1)}
        return cls(
            data={
                "name": display.name,
                "rotate_seconds": display.rotate_seconds,
                "privacy": display.privacy.value,
                "notice": display.notice,
                **positions,
            }
        )


# One position field per panel an administrator may choose: empty leaves the panel off the screen.
for _panel in offered():
    setattr(
        DisplayForm,
        f"panel_{_panel.kind}",
        IntegerField(_panel.label, validators=[Optional(), NumberRange(1, 20)]),
    )
