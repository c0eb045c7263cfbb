"""The practice set form (每周答题, 专项答题): sets.save checks it and names the field it refuses."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from studyhall.forms import SelectChoice, number
from studyhall.practice import setup
from studyhall.practice.models import PracticeSet, SetKind
from studyhall.practice.sets import FIELD_LABELS, KIND_LABELS, SetSpec, category_list


class SetForm(FlaskForm):
    kind = SelectField(
        FIELD_LABELS["kind"], choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]
    )
    title = StringField(FIELD_LABELS["title"], validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Optional()], render_kw={"rows": 3})
    first_day = DateField(FIELD_LABELS["first_day"], validators=[InputRequired()])
    last_day = DateField(FIELD_LABELS["last_day"], validators=[InputRequired()])
    bank_ids = SelectMultipleField(FIELD_LABELS["bank_ids"], coerce=int, validators=[Optional()])
    categories = StringField(FIELD_LABELS["categories"], validators=[Optional()])
    count = IntegerField(FIELD_LABELS["count"], default=10, validators=[InputRequired()])

    def set_banks(self, banks: list[setup.BankState]) -> None:
        self.bank_ids.choices = [SelectChoice(state.bank.id, state.bank.name) for state in banks]

    def fill(self, found: PracticeSet) -> None:
        self.kind.data = found.kind.value
        self.title.data = found.title
        self.description.data = found.description
        self.first_day.data = found.first_day
        self.last_day.data = found.last_day
        self.bank_ids.data = list(found.built_from.get("bank_ids", []))
        self.categories.data = "、".join(found.built_from.get("categories", []))
        self.count.data = found.built_from.get("count", len(found.lineages))

    def to_spec(self) -> SetSpec:
        return SetSpec(
            kind=SetKind(self.kind.data),
            title=self.title.data or "",
            first_day=_day(self.first_day),
            last_day=_day(self.last_day),
            bank_ids=list(self.bank_ids.data or []),
            count=number(self.count),
            categories=category_list(self.categories.data),
            description=self.description.data or "",
        )


def _day(field: DateField) -> date:
    if field.data is None:
        raise ValueError(f"{field.name} holds no date: validate the form first")
    return field.data
