"""The 三会一课 record's form: the meeting's details. The attendance is one radio group per person
(status-<id>, reason-<id>), read by meeting_views.marks_from, since the list depends on the branch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from studyhall.accounts.models import User
from studyhall.forms import SelectChoice, local_datetime
from studyhall.inputs import row_id
from studyhall.plans import dates
from studyhall.plans.kinds import MEETING_LABELS
from studyhall.plans.meeting_models import Meeting
from studyhall.plans.meetings import (
    FIELD_LABELS,
    MAX_AGENDA,
    MAX_MINUTES,
    MAX_NAME,
    MAX_PLACE,
    MAX_TOPIC,
    MeetingSpec,
)
from studyhall.plans.models import PlanItem


class MeetingForm(FlaskForm):
    """The service checks every field and names the one it refuses (meetings.MeetingError)."""

    kind = SelectField(
        FIELD_LABELS["kind"],
        choices=[SelectChoice("", "—")]
        + [SelectChoice(kind.value, label) for kind, label in MEETING_LABELS.items()],
        validators=[Optional()],
    )
    topic = StringField(FIELD_LABELS["topic"], validators=[Optional(), Length(max=MAX_TOPIC)])
    starts_at = local_datetime(FIELD_LABELS["starts_at"], Optional())
    ends_at = local_datetime(FIELD_LABELS["ends_at"], Optional())
    place = StringField(FIELD_LABELS["place"], validators=[Optional(), Length(max=MAX_PLACE)])
    host_id = SelectField(FIELD_LABELS["host"], validators=[Optional()])
    host_name = StringField(
        _l("Or a host from outside the 党支部"), validators=[Optional(), Length(max=MAX_NAME)]
    )
    recorder_id = SelectField(FIELD_LABELS["recorder"], validators=[Optional()])
    recorder_name = StringField(
        _l("Or a recorder from outside the 党支部"), validators=[Optional(), Length(max=MAX_NAME)]
    )
    agenda = TextAreaField(
        FIELD_LABELS["agenda"], validators=[Optional(), Length(max=MAX_AGENDA)], render_kw={"rows": 4}
    )
    minutes = TextAreaField(
        FIELD_LABELS["minutes"], validators=[Optional(), Length(max=MAX_MINUTES)], render_kw={"rows": 12}
    )
    item_id = SelectField(FIELD_LABELS["item_id"], validators=[Optional()])

    # A service field's name on this form (the host and recorder are a choice and a name).
    FIELDS = {"host": "host_id", "recorder": "recorder_id"}

    def set_choices(self, people: list[User], items: list[PlanItem]) -> None:
        choices = [SelectChoice("", "—")] + [
            SelectChoice(str(person.id), f"{person.display_name} ({person.username})") for person in people
        ]
        self.host_id.choices = self.recorder_id.choices = choices
        self.item_id.choices = [SelectChoice("", _l("None"))] + [
            SelectChoice(
                str(item.id),
                f"{item.plan.start.isoformat()} {item.plan.theme} · "
                f"{MEETING_LABELS[item.meeting_kind] if item.meeting_kind else ''} · {item.title}",
            )
            for item in items
        ]

    def to_spec(self, branch_id: int) -> MeetingSpec:
        return MeetingSpec(
            branch_id=branch_id,
            kind=self.kind.data or None,
            topic=self.topic.data or "",
            starts_at=dates.utc(self.starts_at.data),
            ends_at=dates.utc(self.ends_at.data),
            place=self.place.data or "",
            host_id=row_id(self.host_id.data),
            host_name=self.host_name.data or "",
            recorder_id=row_id(self.recorder_id.data),
            recorder_name=self.recorder_name.data or "",
            agenda=self.agenda.data or "",
            minutes=self.minutes.data or "",
            item_id=row_id(self.item_id.data),
        )

    def fill(self, meeting: Meeting) -> None:
        """Show a saved meeting (GET of its edit page)."""
        self.kind.data = meeting.kind.value
        self.topic.data, self.place.data = meeting.topic, meeting.place
        self.starts_at.data, self.ends_at.data = meeting.starts_at, meeting.ends_at
        self.host_id.data = str(meeting.host_id) if meeting.host_id else ""
        self.recorder_id.data = str(meeting.recorder_id) if meeting.recorder_id else ""
        self.host_name.data, self.recorder_name.data = meeting.host_name, meeting.recorder_name
        self.agenda.data, self.minutes.data = meeting.agenda, meeting.minutes
        self.item_id.data = str(meeting.item_id) if meeting.item_id else ""
