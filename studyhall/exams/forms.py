"""Forms of the administrators' test pages: the test itself, individual arrangements, a corrected key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from studyhall.accounts.service import BranchNode
from studyhall.banks.formats import fields
from studyhall.banks.models import Bank
from studyhall.errors import DomainError, ErrorCode
from studyhall.exams import setup
from studyhall.exams.models import Exam, ExamMode, Grading, PointsMode, ReviewPolicy
from studyhall.exams.setup import ExamSpec, RuleSpec
from studyhall.forms import SelectChoice, filled, local_datetime, moment, username_list
from studyhall.forms import number as filled_number  # `number` names the lines of a form here
from studyhall.questions import types
from studyhall.questions.answers import fold

RULE_ROWS = 6
MODE_LABELS = {ExamMode.EXAM: _l("Closed-book test"), ExamMode.CONTEST: _l("Contest")}
GRADING_LABELS = {Grading.HIGHEST: _l("Highest attempt counts"), Grading.LAST: _l("Last attempt counts")}
REVIEW_LABELS = {
    ReviewPolicy.AFTER_CLOSE: _l("Answers, key and explanation after the test closes"),
    ReviewPolicy.NEVER: _l("Never"),
}
POINTS_MODE_LABELS = {
    PointsMode.TIERS: _l("By result: full marks, passed, took part"),
    PointsMode.PERCENT: _l("Score % × a factor"),
    PointsMode.NONE: _l("No points"),
}
TYPE_CHOICES = {
    "": _l("Any type"),
    **types.LABELS,
}
_ITEM_SEPARATORS = re.compile(r"[\s,，、:：;；=]+")
_Value = TypeVar("_Value", bound=str)  # a choice's value: a string or a StrEnum member


def _choices(labels: Mapping[_Value, object]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _points_field(label: str, default: int) -> IntegerField:
    # Empty means the default: a form posted before these settings existed still saves.
    return IntegerField(
        label, default=default, validators=[Optional(), NumberRange(0, setup.MAX_TEST_POINTS)]
    )


def _or_default(field: IntegerField) -> int:
    if field.data is not None:
        return field.data
    if not isinstance(field.default, int):  # _points_field gives each of these fields a number
        raise TypeError(f"{field.name} has no number as its default")
    return field.default


class RuleForm(Form):
    """One drawing rule; a row without a bank is unused."""

    bank_id = SelectField(_l("Bank"), validators=[Optional()])
    type = SelectField(_l("Type"), choices=_choices(TYPE_CHOICES), validators=[Optional()])
    category = StringField(_l("Knowledge point"), validators=[Optional(), Length(max=100)])
    min_difficulty = IntegerField(_l("Difficulty from"), validators=[Optional(), NumberRange(1, 5)])
    max_difficulty = IntegerField(_l("Difficulty to"), validators=[Optional(), NumberRange(1, 5)])
    count = IntegerField(_l("How many"), validators=[Optional(), NumberRange(1, 500)])
    score = FloatField(_l("Points each"), validators=[Optional(), NumberRange(min=0.01, max=1000)])


class ExamForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    instructions = TextAreaField(_l("Instructions"), validators=[Optional()], render_kw={"rows": 3})
    mode = SelectField(_l("Kind"), choices=_choices(MODE_LABELS))
    opens_at = local_datetime(_l("Opens"), InputRequired())
    closes_at = local_datetime(_l("Closes"), InputRequired())
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"), default=30, validators=[InputRequired(), NumberRange(1, 24 * 60)]
    )
    attempts_allowed = IntegerField(
        _l("Attempts allowed"), default=1, validators=[InputRequired(), NumberRange(1, 100)]
    )
    grading = SelectField(_l("Which attempt counts"), choices=_choices(GRADING_LABELS))
    pass_mark = FloatField(_l("Pass mark (optional)"), validators=[Optional(), NumberRange(min=0)])
    shuffle_questions = BooleanField(_l("Shuffle the questions"), default=True)
    shuffle_options = BooleanField(_l("Shuffle the options of choice questions"), default=True)
    partial_credit = BooleanField(_l("Partial credit on multiple choice for a correct subset (漏选得分)"))
    show_score = BooleanField(_l("Show the score right after submitting"), default=True)
    review = SelectField(_l("Review (what cadres see afterwards)"), choices=_choices(REVIEW_LABELS))
    one_per_page = BooleanField(_l("One question per screen"))
    tab_switch_limit = IntegerField(
        _l("Submit automatically after this many tab switches (切屏; empty: never)"),
        validators=[Optional(), NumberRange(1, 100)],
    )
    access_code = StringField(_l("Access code (考试口令; optional)"), validators=[Optional(), Length(max=64)])
    allowed_networks = TextAreaField(
        _l("Allowed networks (optional; one address range a line, e.g. 10.1.0.0/16)"),
        validators=[Optional()],
        render_kw={"rows": 2},
    )
    points_mode = SelectField(
        _l("Points for taking it"), choices=_choices(POINTS_MODE_LABELS), default=PointsMode.TIERS.value
    )
    points_full = _points_field(_l("Full marks"), 10)
    points_pass = _points_field(_l("Passed"), 8)
    points_taken = _points_field(_l("Took part"), 5)
    points_factor = _points_field(_l("Score % × this, rounded"), 10)
    branch_ids = SelectMultipleField(_l("Branches"), validators=[Optional()])
    usernames = TextAreaField(
        _l("People (工号, separated by spaces, commas or lines)"),
        validators=[Optional()],
        render_kw={"rows": 2},
    )
    items = TextAreaField(
        _l("Hand-picked questions: one “编号 points” a line"),
        validators=[Optional()],
        render_kw={"rows": 5, "placeholder": "T-001 2"},
    )
    rules = FieldList(FormField(RuleForm), min_entries=RULE_ROWS, max_entries=RULE_ROWS)

    def set_choices(self, tree: list[BranchNode], banks: list[Bank]) -> None:
        """Branch checkboxes from accounts.service.branch_tree, banks for the rules."""
        self.branch_ids.choices = [SelectChoice(str(node.branch.id), node.branch.name) for node in tree]
        bank_choices = [SelectChoice("", "—")] + [SelectChoice(str(b.id), b.name) for b in banks]
        for entry in self.rules:
            entry.form.bank_id.choices = bank_choices

    def to_spec(self) -> ExamSpec:
        """The form as setup.save_exam wants it. Raises DomainError for lines it cannot read."""
        return ExamSpec(
            title=filled(self.title).strip(),
            instructions=(self.instructions.data or "").strip(),
            mode=ExamMode(self.mode.data),
            opens_at=moment(self.opens_at).astimezone(UTC),
            closes_at=moment(self.closes_at).astimezone(UTC),
            time_limit_minutes=filled_number(self.time_limit_minutes),
            attempts_allowed=filled_number(self.attempts_allowed),
            grading=Grading(self.grading.data),
            pass_mark=self.pass_mark.data,
            shuffle_questions=self.shuffle_questions.data,
            shuffle_options=self.shuffle_options.data,
            partial_credit=self.partial_credit.data,
            show_score=self.show_score.data,
            review=ReviewPolicy(self.review.data),
            one_per_page=self.one_per_page.data,
            tab_switch_limit=self.tab_switch_limit.data,
            access_code=(self.access_code.data or "").strip(),
            points_mode=PointsMode(self.points_mode.data or PointsMode.TIERS),
            points_full=_or_default(self.points_full),
            points_pass=_or_default(self.points_pass),
            points_taken=_or_default(self.points_taken),
            points_factor=_or_default(self.points_factor),
            allowed_networks="\n".join(
                line.strip() for line in (self.allowed_networks.data or "").splitlines() if line.strip()
            ),
            branch_ids=[int(value) for value in self.branch_ids.data or []],
            usernames=username_list(self.usernames.data),
            items=parse_items(self.items.data or ""),
            rules=self._rules(),
        )

    def _rules(self) -> list[RuleSpec]:
        rules = []
        for number, entry in enumerate(self.rules, start=1):
            row = entry.form
            if not row.bank_id.data:
                continue
            if row.count.data is None or row.score.data is None:
                raise DomainError(
                    _("Drawing rule %(n)d needs how many questions and the points each.", n=number),
                    ErrorCode.INVALID,
                )
            low, high = row.min_difficulty.data, row.max_difficulty.data
            if low is not None and high is not None and low > high:
                raise DomainError(
                    _("Drawing rule %(n)d: the lowest difficulty is above the highest.", n=number),
                    ErrorCode.INVALID,
                )
            rules.append(
                RuleSpec(
                    bank_id=int(row.bank_id.data),
                    count=row.count.data,
                    score=row.score.data,
                    type=row.type.data or "",
                    category=(row.category.data or "").strip(),
                    min_difficulty=low,
                    max_difficulty=high,
                )
            )
        return rules

    def fill(self, exam: Exam, usernames: list[str], items_text: str) -> None:
        """Show a saved test (GET of the edit page)."""
        for name in setup.SETTING_FIELDS:
            getattr(self, name).data = getattr(exam, name)
        self.branch_ids.data = [
            str(member.branch_id) for member in exam.audience if member.branch_id is not None
        ]
        self.usernames.data = "\n".join(usernames)
        self.items.data = items_text
        for entry, rule in zip(self.rules, exam.rules, strict=False):
            row = entry.form
            row.bank_id.data, row.type.data, row.category.data = str(rule.bank_id), rule.type, rule.category
            row.min_difficulty.data, row.max_difficulty.data = rule.min_difficulty, rule.max_difficulty
            row.count.data, row.score.data = rule.count, rule.score


def parse_items(text: str) -> list[tuple[str, float]]:
    """ "T-001 2" lines (also "T-001，2", "T-001:2") → [("T-001", 2.0)]."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [part for part in _ITEM_SEPARATORS.split(fold(line)) if part]
        if not parts:
            continue
        score = fields.score(parts[1]) if len(parts) == 2 else None
        if score is None:
            raise DomainError(
                _(
                    "Hand-picked questions, line %(n)d: write the 编号 and the points, such as “T-001 2”.",
                    n=number,
                ),
                ErrorCode.INVALID,
            )
        items.append((parts[0], score))
    return items


def items_text(pairs: list[tuple[str, float]]) -> str:
    return "\n".join(f"{reference} {score:g}" for reference, score in pairs)


class ExtensionForm(FlaskForm):
    username = StringField(_l("工号"), validators=[DataRequired(), Length(max=64)])
    extra_minutes = IntegerField(
        _l("Extra minutes"), default=0, validators=[InputRequired(), NumberRange(0, 24 * 60)]
    )
    closes_at = local_datetime(_l("Later close for this person (optional)"), Optional())

    def closes_at_utc(self) -> datetime | None:
        return self.closes_at.data.astimezone(UTC) if self.closes_at.data else None


class FixKeyForm(FlaskForm):
    answer = StringField(_l("Corrected answer"), validators=[DataRequired(), Length(max=2000)])
    confirm = HiddenField()
