"""The plan editor's forms: a plan's settings, one item, and when to publish."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from studyhall.accounts.service import BranchNode
from studyhall.exams.models import Exam
from studyhall.forms import SelectChoice, local_datetime, moment, number, username_list
from studyhall.plans import dates, markup
from studyhall.plans.documents import Document
from studyhall.plans.kinds import FIELD_LABELS, MEETING_LABELS
from studyhall.plans.models import ItemKind, PlanItem, PlanPeriod
from studyhall.plans.service import ItemSpec

PERIOD_LABELS = {PlanPeriod.WEEK: _l("Week"), PlanPeriod.MONTH: _l("Month")}
# The form shows a minimum time in minutes; the item keeps seconds (reading time is counted in them).
FORM_FIELDS = {"min_seconds": "min_minutes"}


class PlanForm(FlaskForm):
    """A plan's settings. The theme is checked by the service, which also names it when it is missing."""

    period = SelectField(
        _l("Plan period"),
        choices=[SelectChoice(value.value, label) for value, label in PERIOD_LABELS.items()],
    )
    start = DateField(_l("Week or month (any day in it)"), validators=[InputRequired()])
    theme = StringField(_l("Theme"), validators=[Optional(), Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Optional()], render_kw={"rows": 3})

    def chosen_period(self) -> PlanPeriod:
        return PlanPeriod(self.period.data)

    def chosen_start(self) -> date:
        if self.start.data is None:
            raise ValueError("start holds no date: validate the form first")
        return self.start.data


class NewPlanForm(PlanForm):
    # Whose plan: "" for the whole organisation, else a 党支部's id (administrators choose).
    level = SelectField(_l("Scope"), validators=[Optional()])

    def chosen_branch(self) -> int | None:
        return int(self.level.data) if self.level.data else None


class ItemForm(FlaskForm):
    """One item. A kind shows the fields it uses (kinds.get(kind).fields); the service checks them
    and names the item and the field in what it refuses."""

    title = StringField(FIELD_LABELS["title"], validators=[Optional(), Length(max=200)])
    due_at = local_datetime(FIELD_LABELS["due_at"], InputRequired())
    points = IntegerField(FIELD_LABELS["points"], default=1, validators=[InputRequired()])
    body_html = TextAreaField(FIELD_LABELS["body_html"], validators=[Optional()], render_kw={"rows": 14})
    document_id = SelectField(FIELD_LABELS["document_id"], validators=[Optional()])
    link_url = StringField(FIELD_LABELS["link_url"], validators=[Optional(), Length(max=500)])
    min_minutes = IntegerField(FIELD_LABELS["min_seconds"], validators=[Optional()])
    meeting_kind = SelectField(
        FIELD_LABELS["meeting_kind"],
        choices=[SelectChoice("", "—")]
        + [SelectChoice(kind.value, label) for kind, label in MEETING_LABELS.items()],
        validators=[Optional()],
    )
    starts_at = local_datetime(FIELD_LABELS["starts_at"], Optional())
    place = StringField(FIELD_LABELS["place"], validators=[Optional(), Length(max=200)])
    prompt = TextAreaField(FIELD_LABELS["prompt"], validators=[Optional()], render_kw={"rows": 3})
    min_chars = IntegerField(FIELD_LABELS["min_chars"], validators=[Optional()])
    exam_id = SelectField(FIELD_LABELS["exam_id"], validators=[Optional()])
    branch_ids = SelectMultipleField(FIELD_LABELS["branch_ids"], validators=[Optional()])
    usernames = TextAreaField(FIELD_LABELS["usernames"], validators=[Optional()], render_kw={"rows": 2})

    def set_choices(self, tree: list[BranchNode], tests: list[Exam], documents: list[Document]) -> None:
        self.branch_ids.choices = [SelectChoice(str(node.branch.id), node.branch.name) for node in tree]
        self.document_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(document.id), f"{document.id} · {document.filename}") for document in documents
        ]
        self.exam_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(exam.id), exam.title) for exam in tests
        ]

    def field_for(self, spec_field: str) -> str:
        """The form's field holding an ItemSpec field."""
        return FORM_FIELDS.get(spec_field, spec_field)

    def spec_field(self, form_field: str) -> str:
        """The ItemSpec field a form's field holds."""
        return next((spec for spec, form in FORM_FIELDS.items() if form == form_field), form_field)

    def to_spec(self, kind: ItemKind) -> ItemSpec:
        """The item as the service takes it."""
        return ItemSpec(
            kind=kind,
            title=self.title.data or "",
            due_at=dates.utc(moment(self.due_at)),
            points=number(self.points),
            body_html=self.body_html.data or "",
            document_id=int(self.document_id.data) if self.document_id.data else None,
            link_url=self.link_url.data or "",
            min_seconds=self.min_minutes.data * 60 if self.min_minutes.data is not None else None,
            meeting_kind=self.meeting_kind.data or None,
            starts_at=dates.utc(self.starts_at.data),
            place=self.place.data or "",
            prompt=self.prompt.data or "",
            min_chars=self.min_chars.data,
            exam_id=int(self.exam_id.data) if self.exam_id.data else None,
            branch_ids=[int(value) for value in self.branch_ids.data or []],
            usernames=username_list(self.usernames.data),
        )

    def fill(self, item: PlanItem) -> None:
        """Show a saved item (GET of its page)."""
        self.title.data, self.due_at.data, self.points.data = item.title, item.due_at, item.points
        self.body_html.data = markup.editable(item.body_html)
        self.link_url.data, self.place.data, self.prompt.data = item.link_url, item.place, item.prompt
        self.min_minutes.data = -(-item.min_seconds // 60) if item.min_seconds else None
        self.meeting_kind.data = item.meeting_kind.value if item.meeting_kind else ""
        self.starts_at.data, self.min_chars.data = item.starts_at, item.min_chars
        self.exam_id.data = str(item.exam_id) if item.exam_id else ""
        self.document_id.data = str(item.document_id) if item.document_id else ""
        self.branch_ids.data = [str(member.branch_id) for member in item.audience if member.branch_id]
        self.usernames.data = "\n".join(member.user.username for member in item.audience if member.user)


class ScheduleForm(FlaskForm):
    publish_at = local_datetime(_l("Publish at"), Optional())
