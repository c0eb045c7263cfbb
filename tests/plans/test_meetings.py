"""三会一课 records: who records which branch's meetings, attendance earning the 三会一课 points once
(saved twice, or at once), a presence corrected later taking them back, leave with its reason,
the linked plan item done (or 请假), the quarter's checklist at the quarter's edges in the
organisation's zone, photos drawn again, and bad input refused naming the field."""

from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import MetaData, Table, func, select

from studyhall import db, migrations
from studyhall.accounts.models import AuditEvent, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.notifications.models import Notification
from studyhall.plans import document_formats, documents, meetings, reminders
from studyhall.plans import service as plans
from studyhall.plans.meeting_models import Attendance, AttendanceStatus, Meeting
from studyhall.plans.meetings import Mark, MeetingError, MeetingSpec, Quarter
from studyhall.plans.models import ItemKind, MeetingKind, PlanPeriod, Progress, ProgressState
from studyhall.plans.service import ItemSpec, PlanSpec
from studyhall.points.models import PointAward, PointRule, PointTotal
from studyhall.points.service import RuleKey
from tests.conftest import PASSWORD, START, People
from tests.plans.test_progress import rows as progress_rows
from tests.points.test_audit_words import audit_rows

PRESENT, LEAVE, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT
MONDAY = START.date() - timedelta(days=START.date().weekday())
THIS_MORNING = datetime(2026, 4, 15, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai, before START
DUE = datetime(2026, 4, 19, 14, 0, tzinfo=UTC)  # Sunday 22:00 in Shanghai


@pytest.fixture
def english(app: Flask) -> None:
    """Messages in English, as the words the tests look for are written."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def user(session, username: str) -> User:  # type: ignore[no-untyped-def]
    return session.scalars(select(User).where(User.username == username)).one()


def spec(branch_id: int, kind: MeetingKind = MeetingKind.ASSEMBLY, **fields) -> MeetingSpec:  # type: ignore[no-untyped-def]
    values = {
        "topic": "学习贯彻宪法",
        "starts_at": THIS_MORNING,
        "place": "三楼会议室",
        "host_name": "书记甲",
        "recorder_name": "王建国",
        "minutes": "传达学习了宪法修正案。",
        **fields,
    }
    return MeetingSpec(branch_id=branch_id, kind=kind.value, **values)


def record(
    app: Flask,
    meeting: MeetingSpec,
    marks: dict[str, AttendanceStatus | None] | None = None,
    *,
    by: str = "sec1",
    meeting_id: int | None = None,
    reasons: dict[str, str] | None = None,
    now: datetime = START,
) -> int:
    """Save a meeting through the service as `by` would, with marks by 工号; its id."""
    with app.app_context(), db.new_session() as session:
        actor = user(session, by)
        given = None
        if marks is not None:
            given = [
                Mark(user(session, name).id, status, (reasons or {}).get(name, ""))
                for name, status in marks.items()
            ]
        saved = meetings.save(session, actor, meeting, given, meeting_id=meeting_id, now=now)
        session.commit()
        return saved.id


def refused(app: Flask, meeting: MeetingSpec, marks=None, **kwargs) -> DomainError:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as error:
        record(app, meeting, marks, **kwargs)
    return error.value


def ledger(app: Flask, key: RuleKey = RuleKey.MEETING) -> list[tuple[str, str, int]]:
    """(工号, source, points) of every row of the rule, in order."""
    with app.app_context(), db.new_session() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(User.username, PointAward.source, PointAward.points)
                .join(User, User.id == PointAward.user_id)
                .join(PointRule, PointRule.id == PointAward.rule_id)
                .where(PointRule.key == key)
                .order_by(PointAward.id)
            )
        ]


def given(app: Flask, username: str, key: RuleKey = RuleKey.MEETING) -> int:
    return sum(points for name, _source, points in ledger(app, key) if name == username)


def meeting_item(
    app: Flask,
    kind: MeetingKind = MeetingKind.ASSEMBLY,
    *,
    weeks: int = 0,
    publish: bool = True,
    at: datetime = THIS_MORNING,
    due: datetime = DUE,
) -> int:
    """A plan of the whole organisation (published unless not), for the week `weeks` after START's,
    with one meeting item of `kind` planned `at` and due `due`, both moved by the same weeks; its id."""
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        shift = timedelta(weeks=weeks)
        item = ItemSpec(
            ItemKind.MEETING,
            "参加支部党员大会",
            due + shift,
            points=3,
            meeting_kind=kind.value,
            starts_at=at + shift,
        )
        plan = plans.save_plan(
            session, admin, PlanSpec(PlanPeriod.WEEK, MONDAY + shift, "学习贯彻宪法", items=[item]), now=START
        )
        if publish:
            plans.schedule(session, admin, plan.id, None, now=START)
        session.commit()
        return plan.items[0].id


def mine(app: Flask, username: str, item_id: int, now: datetime = START) -> plans.MyItem:
    with app.app_context(), db.new_session() as session:
        return plans.item_for(session, user(session, username), item_id, now=now)


# ---- who records what ------------------------------------------------------------------------


def test_a_secretary_records_their_own_branch_and_its_groups_and_nobody_elses(app, org):
    first = record(app, spec(org["first"].id))
    group = record(app, spec(org["group"].id, MeetingKind.GROUP))
    assert refused(app, spec(org["second"].id)).code is ErrorCode.FORBIDDEN
    assert refused(app, spec(org["first"].id, topic="另一次"), by="10001").code is ErrorCode.NOT_FOUND
    second = record(app, spec(org["second"].id), by="admin1")
    with app.app_context(), db.new_session() as session:
        secretary = user(session, "sec1")
        assert [branch_id for branch_id, _name in meetings.branches(session, secretary)] == [
            org["first"].id, org["group"].id
        ]  # fmt: skip
        with pytest.raises(DomainError):
            meetings.editable(session, secretary, second)
        listed = meetings.meetings_page(session, secretary).items
        assert {row.meeting.id for row in listed} == {first, group}
        everyone = meetings.meetings_page(session, user(session, "admin1")).items
        assert {row.meeting.id for row in everyone} == {first, group, second}
        # A cadre reads the meetings of their branch: 李晓燕 of the 党小组 both, 王建国 not the 党小组's.
        assert meetings.viewable(session, user(session, "10002"), group).id == group
        assert meetings.viewable(session, user(session, "10002"), first).id == first
        with pytest.raises(DomainError):
            meetings.viewable(session, user(session, "10001"), group)
        with pytest.raises(DomainError):
            meetings.viewable(session, user(session, "20001"), first)
        assert (
            session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("plan.meeting%"))).all()
            == ["plan.meeting_save"] * 3
        )


def test_each_kind_of_meeting_is_held_at_its_level(app, org, people: People):
    # 第一党支部 has a 党小组, so its 党小组会 are the 党小组's; 第二党支部 has none, and holds its own.
    wrong = refused(app, spec(org["first"].id, MeetingKind.GROUP))
    assert wrong.field == "branch_id" and "党小组" in wrong.message  # type: ignore[attr-defined]
    assert refused(app, spec(org["group"].id, MeetingKind.LECTURE)).field == "branch_id"  # type: ignore[attr-defined]
    assert refused(app, spec(org["root"].id), by="admin1").field == "branch_id"  # type: ignore[attr-defined]
    record(app, spec(org["second"].id, MeetingKind.GROUP), by="admin1")
    record(app, spec(org["group"].id, MeetingKind.GROUP))


# ---- attendance and points ----------------------------------------------------------------------


def test_the_attendance_lists_the_branch_and_its_groups_members(app, org, people: People):
    people.user("10003", branch=org["first"], name="赵六")
    with app.app_context(), db.new_session() as session:
        user(session, "10003").active = False
        session.commit()
        names = [row.person.username for row in meetings.roster(session, org["first"].id)]
        assert names == ["10001", "sec1", "10002"]  # 第一党支部, then its 第一党小组; nobody who has left
        assert [row.person.username for row in meetings.roster(session, org["group"].id)] == ["10002"]


def test_presence_earns_the_points_once_however_often_it_is_saved(app, org):
    marks = {"sec1": PRESENT, "10001": PRESENT, "10002": PRESENT}
    meeting_id = record(app, spec(org["first"].id), marks)
    record(app, spec(org["first"].id), marks, meeting_id=meeting_id)  # saved again, as it was
    record(app, spec(org["first"].id, topic="学习贯彻宪法（修订）"), marks, meeting_id=meeting_id)
    source = f"meeting:{meeting_id}"
    assert sorted(ledger(app)) == [("10001", source, 2), ("10002", source, 2), ("sec1", source, 2)]
    with app.app_context(), db.new_session() as session:
        found = session.get_one(Meeting, meeting_id)
        assert found.recorded_at == START and meetings.counts(found) == meetings.Counts(3, 0, 0)
        points_at = {row.user.username: row.points_at for row in found.attendance}
        assert points_at == {"sec1": THIS_MORNING, "10001": THIS_MORNING, "10002": THIS_MORNING}


def test_two_saves_at_once_award_once(app, org):
    meeting_id = record(app, spec(org["first"].id))
    ready = threading.Barrier(2, timeout=15)

    def save(reviewer: str) -> None:
        with app.app_context(), db.new_session() as session:
            actor = user(session, reviewer)
            marks = [Mark(user(session, name).id, PRESENT) for name in ("sec1", "10001", "10002")]
            ready.wait()
            meetings.save(session, actor, spec(org["first"].id), marks, meeting_id=meeting_id, now=START)
            session.commit()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(save, ["sec1", "admin1"]))
    assert sorted(name for name, _source, _points in ledger(app)) == ["10001", "10002", "sec1"]
    assert given(app, "10001") == 2


def test_a_presence_corrected_to_absence_takes_the_points_back_and_back_again_gives_them(app, org):
    meeting_id = record(app, spec(org["first"].id), {"10001": PRESENT, "10002": PRESENT})
    record(app, spec(org["first"].id), {"10001": ABSENT}, meeting_id=meeting_id)
    assert [points for name, _source, points in ledger(app) if name == "10001"] == [2, -2]
    with app.app_context(), db.new_session() as session:
        cadre = user(session, "10001")
        # Both rows are dated at the meeting: the week it was held shows nothing, nor any other.
        assert {
            award.at for award in session.scalars(select(PointAward).where(PointAward.user_id == cadre.id))
        } == {THIS_MORNING}
        assert set(session.scalars(select(PointTotal.points).where(PointTotal.user_id == cadre.id))) == {0}
    record(app, spec(org["first"].id), {"10001": PRESENT}, meeting_id=meeting_id)
    assert [points for name, _source, points in ledger(app) if name == "10001"] == [2, -2, 2]
    assert given(app, "10002") == 2  # untouched by the corrections of someone else


def test_leave_earns_nothing_and_needs_a_reason_named_by_person(app, org):
    error = refused(app, spec(org["first"].id), {"10001": PRESENT, "10002": LEAVE})
    assert error.field == "attendance" and "李晓燕 (10002)" in error.message  # type: ignore[attr-defined]
    with app.app_context(), db.new_session() as session:  # nothing of the refused save was kept
        assert session.scalar(select(func.count()).select_from(Meeting)) == 0
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0
    assert ledger(app) == []
    meeting_id = record(
        app, spec(org["first"].id), {"10001": PRESENT, "10002": LEAVE}, reasons={"10002": " 出差 "}
    )
    assert [name for name, _source, _points in ledger(app)] == ["10001"]
    with app.app_context(), db.new_session() as session:
        rows = {
            row.user.username: (row.status, row.reason)
            for row in session.get_one(Meeting, meeting_id).attendance
        }
        assert rows == {"10001": (PRESENT, ""), "10002": (LEAVE, "出差")}


def test_attendance_waits_for_the_meeting_to_begin(app, org):
    later = START + timedelta(hours=5)
    assert refused(app, spec(org["first"].id, starts_at=later), {"10001": PRESENT}).field == "attendance"  # type: ignore[attr-defined]
    meeting_id = record(app, spec(org["first"].id, starts_at=later))  # planned ahead, nobody recorded
    record(app, spec(org["first"].id, starts_at=later), {"10001": PRESENT}, meeting_id=meeting_id, now=later)
    assert given(app, "10001") == 2


def test_the_linked_item_is_done_for_those_present_and_shows_leave_and_absence_not_overdue(
    app, org, frozen_now
):
    item_id = meeting_item(app)
    marks = {"sec1": ABSENT, "10001": PRESENT, "10002": LEAVE}
    meeting_id = record(app, spec(org["first"].id, item_id=item_id), marks, reasons={"10002": "病假"})
    after_due = DUE + timedelta(days=1)
    present, on_leave, absent = (mine(app, name, item_id, after_due) for name in ("10001", "10002", "sec1"))
    assert present.done and present.progress and present.progress.done_at == THIS_MORNING
    assert on_leave.excused and not on_leave.done and not on_leave.late(after_due)
    # Absent: not done, but over, so not among what is still to do.
    assert absent.absent and not absent.done and not absent.excused and not absent.late(after_due)
    assert given(app, "10001", RuleKey.PLAN_ITEM) == 3 and given(app, "10002", RuleKey.PLAN_ITEM) == 0
    with app.app_context(), db.new_session() as session:
        overdue = plans.overdue(session, user(session, "10002"), MONDAY + timedelta(weeks=1), now=after_due)
        assert overdue == []  # on leave: not behind
        assert plans.overdue(session, user(session, "sec1"), MONDAY + timedelta(weeks=1), now=after_due) == []

    # Saved again (a double click): the item's points stay given once.
    record(
        app, spec(org["first"].id, item_id=item_id), marks, meeting_id=meeting_id, reasons={"10002": "病假"}
    )
    assert given(app, "10001", RuleKey.PLAN_ITEM) == 3
    # 王建国 was not there after all: the item is missed (缺席) and its points are taken back.
    record(app, spec(org["first"].id, item_id=item_id), {"10001": ABSENT}, meeting_id=meeting_id)
    corrected = mine(app, "10001", item_id)
    assert not corrected.done and corrected.progress and corrected.progress.state is ProgressState.ABSENT
    assert [points for name, _source, points in ledger(app, RuleKey.PLAN_ITEM) if name == "10001"] == [3, -3]
    # … and he was, after all: done again, its points given again.
    record(app, spec(org["first"].id, item_id=item_id), {"10001": PRESENT}, meeting_id=meeting_id)
    assert mine(app, "10001", item_id).done and given(app, "10001", RuleKey.PLAN_ITEM) == 3
    # Unlinked, the meeting completes the item for nobody.
    record(app, spec(org["first"].id), None, meeting_id=meeting_id)
    assert not mine(app, "10001", item_id).done and not mine(app, "10002", item_id).excused
    assert not mine(app, "sec1", item_id).absent
    assert given(app, "10001", RuleKey.PLAN_ITEM) == 0 and given(app, "10001") == 2


def test_leave_excuses_from_the_branch_progress_and_from_reminders(app, org, frozen_now):
    """请假 recorded for a meeting item's meeting: the secretary's 学习进度 shows the person excused,
    not behind, and neither a reminder click nor the sweep before the due time reminds them."""
    item_id = meeting_item(app)
    marks = {"sec1": ABSENT, "10001": PRESENT, "10002": LEAVE}
    record(app, spec(org["first"].id, item_id=item_id), marks, reasons={"10002": "病假"})
    before_due = frozen_now(DUE - timedelta(hours=2))
    secretary = app.test_client()
    secretary.post("/login", data={"username": "sec1", "password": PASSWORD})
    page = secretary.get("/plans/progress/").get_data(as_text=True)
    states = dict(progress_rows(page))
    assert (states["10001"], states["10002"], states["sec1"]) == (["done"], ["excused"], ["absent"])
    with app.app_context(), db.new_session() as session:
        reminders.remind_due(session, now=before_due, within=timedelta(hours=24))
        session.commit()
        reminded = session.scalars(
            select(User.username).join(Notification, Notification.recipient_id == User.id)
        ).all()
    assert "admin1" in reminded and "10002" not in reminded and "10001" not in reminded
    assert "sec1" not in reminded  # absent: the meeting is over


def test_absence_shows_absent_to_the_person_and_behind_to_the_secretary_who_cannot_remind_of_it(
    app, org, frozen_now
):
    """缺席 recorded for a meeting item's meeting: the person's item page and 本周学习 say 缺席,
    never 待完成 nor (after its due time) 已逾期; 学习进度 shows them 缺席 and not done, overdue only
    once the item's due time has passed (page and .xlsx), like anyone who has not done an item; a
    reminder click does not remind them of the meeting, nor the sweep."""
    item_id = meeting_item(app)
    record(app, spec(org["first"].id, item_id=item_id), {"10001": PRESENT, "10002": ABSENT})
    cadre = app.test_client()
    cadre.post("/login", data={"username": "10002", "password": PASSWORD})
    for now in (START, DUE + timedelta(hours=1)):
        frozen_now(now)
        page = cadre.get(f"/study/items/{item_id}").get_data(as_text=True)
        assert 'data-state="absent"' in page and re.search(
            r'<span class="study-state"[^>]*>缺席</span>', page
        )
        assert "待完成" not in page.split('id="my-status')[0]
        home = cadre.get("/").get_data(as_text=True)
        assert f'data-item="{item_id}" data-state="absent"' in home
    next_week = frozen_now(DUE + timedelta(days=1))
    home = cadre.get("/").get_data(as_text=True)
    assert 'id="study-overdue"' not in home  # not 往周未完成: it cannot be done now
    secretary = app.test_client()
    secretary.post("/login", data={"username": "sec1", "password": PASSWORD})
    frozen_now(DUE - timedelta(hours=2))
    page = secretary.get("/plans/progress/").get_data(as_text=True)
    assert dict(progress_rows(page))["10002"] == ["absent"]
    row = page.split('data-username="10002"')[1].split("</tr>")[0]
    assert "缺席" in row and 'data-behind="1"' in row and "逾期" not in row  # not due yet
    exported = load_workbook(io.BytesIO(secretary.get("/plans/progress/export.xlsx").data)).worksheets[0]
    assert [row[-3:] for row in exported.iter_rows(values_only=True) if row[1] == "10002"] == [(0, 1, 0)]
    frozen_now(DUE + timedelta(hours=1))
    late = secretary.get("/plans/progress/").get_data(as_text=True)
    assert "逾期 1 项" in late.split('data-username="10002"')[1].split("</tr>")[0]
    frozen_now(DUE - timedelta(hours=2))
    response = secretary.post(
        "/plans/progress/remind", data={"plan": page.split('name="plan" value="')[1].split('"')[0]}
    )
    assert response.status_code == 302
    with app.app_context(), db.new_session() as session:
        reminders.remind_due(session, now=DUE - timedelta(hours=2), within=timedelta(hours=24))
        reminders.remind_due(session, now=next_week, within=timedelta(days=3))
        session.commit()
        reminded = set(
            session.scalars(select(User.username).join(Notification, Notification.recipient_id == User.id))
        )
    assert "sec1" in reminded and "10001" not in reminded and "10002" not in reminded


def test_deleting_a_meeting_takes_back_what_its_attendance_gave(app, org):
    item_id = meeting_item(app)
    meeting_id = record(app, spec(org["first"].id, item_id=item_id), {"10001": PRESENT})
    with app.app_context(), db.new_session() as session:
        meetings.delete(session, user(session, "sec1"), meeting_id, now=START)
        session.commit()
        assert session.get(Meeting, meeting_id) is None
    assert given(app, "10001") == 0 and given(app, "10001", RuleKey.PLAN_ITEM) == 0
    assert not mine(app, "10001", item_id).done


def test_a_meeting_recorded_twice_by_a_double_click_is_kept_once(app, org):
    record(app, spec(org["first"].id), {"10001": PRESENT})
    again = refused(app, spec(org["first"].id), {"10001": PRESENT})
    assert again.code is ErrorCode.DUPLICATE and again.field == "starts_at"  # type: ignore[attr-defined]
    assert given(app, "10001") == 2


def test_attended_lists_the_years_meetings_the_person_was_present_at(app, org, frozen_now):
    new_year = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January 2026 in Shanghai
    last_year = datetime(2025, 12, 31, 15, 30, tzinfo=UTC)  # 23:30 on 31 December 2025
    first = record(app, spec(org["first"].id, starts_at=new_year), {"10001": PRESENT})
    record(app, spec(org["first"].id, starts_at=last_year), {"10001": PRESENT})
    record(app, spec(org["first"].id, MeetingKind.LECTURE), {"10001": LEAVE}, reasons={"10001": "出差"})
    latest = record(app, spec(org["first"].id, MeetingKind.COMMITTEE), {"10001": PRESENT})
    with app.app_context(), db.new_session() as session:
        assert [meeting.id for meeting in meetings.attended(session, user(session, "10001"), 2026)] == [
            first,
            latest,
        ]


# ---- the quarter's checklist -----------------------------------------------------------------


def test_the_checklist_counts_meetings_held_in_the_quarter_in_local_time(app, org, frozen_now):
    frozen_now(datetime(2026, 7, 2, 2, 0, tzinfo=UTC))
    present = {"10001": PRESENT}
    group = {"10002": PRESENT}
    q2_first_minute = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 1 April 00:00 in Shanghai
    q1_last_minute = datetime(2026, 3, 31, 15, 59, tzinfo=UTC)  # 31 March 23:59
    q2_last_minute = datetime(2026, 6, 30, 15, 59, tzinfo=UTC)  # 30 June 23:59
    q3_first_minute = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)  # 1 July 00:00
    now = datetime(2026, 7, 2, 2, 0, tzinfo=UTC)
    first = org["first"].id
    record(app, spec(first, starts_at=q2_first_minute), present, now=now)
    record(app, spec(first, starts_at=q1_last_minute), present, now=now)
    record(app, spec(first, starts_at=q3_first_minute), present, now=now)
    for month in (4, 5):
        record(
            app,
            spec(first, MeetingKind.COMMITTEE, starts_at=datetime(2026, month, 8, 7, tzinfo=UTC)),
            present,
            now=now,
        )
    record(app, spec(first, MeetingKind.COMMITTEE, starts_at=q2_last_minute), present, now=now)
    record(
        app, spec(first, MeetingKind.LECTURE, starts_at=datetime(2026, 6, 1, 7, tzinfo=UTC)), now=now
    )  # not recorded
    for month in (4, 5, 6):
        record(
            app,
            spec(org["group"].id, MeetingKind.GROUP, starts_at=datetime(2026, month, 9, 7, tzinfo=UTC)),
            group,
            now=now,
        )
    record(
        app,
        spec(first, MeetingKind.THEME_DAY, starts_at=datetime(2026, 5, 20, 7, tzinfo=UTC)),
        present,
        now=now,
    )

    def lines(quarter: Quarter, by: str = "sec1") -> list[meetings.BranchCheck]:
        with app.app_context(), db.new_session() as session:
            return meetings.checklist(session, user(session, by), quarter).page.items

    (check,) = lines(Quarter(2026, 2))
    assert [(line.kind, line.unit, line.held, line.state) for line in check.lines] == [
        (MeetingKind.ASSEMBLY, "", 1, meetings.Met.MET),
        (MeetingKind.COMMITTEE, "", 3, meetings.Met.MET),
        (MeetingKind.GROUP, "第一党小组", 3, meetings.Met.MET),
        (MeetingKind.LECTURE, "", 0, meetings.Met.SHORT),  # held, but its attendance was never recorded
        (MeetingKind.THEME_DAY, "", 1, meetings.Met.COUNTED),
    ]
    assert not check.complete
    (q1,) = lines(Quarter(2026, 1))
    (q3,) = lines(Quarter(2026, 3))
    assert q1.lines[0].held == 1 and q3.lines[0].held == 1
    everyone = lines(Quarter(2026, 2), by="admin1")
    assert [(found.name, [line.held for line in found.lines]) for found in everyone] == [
        ("第一党支部", [1, 3, 3, 0, 1]),
        ("第二党支部", [0, 0, 0, 0, 0]),  # no 党小组: its own 党小组会 line
    ]


def test_quarters_parse_and_step_across_years():
    assert Quarter.parse("2026q4") == Quarter(2026, 4) and Quarter(2026, 4).next == Quarter(2027, 1)
    assert (
        Quarter(2026, 1).previous == Quarter(2025, 4)
        and Quarter(2026, 2).last_day.isoformat() == "2026-06-30"
    )
    assert [Quarter.parse(text) for text in ("2026Q5", "Q2", "2026-2", "", None, "９９９９Q1")] == [None] * 6


def test_the_checklist_of_many_branches_is_paged(app, org, people: People):
    for number in range(25):
        people.branch(f"第{number + 3:02d}党支部", org["root"])
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        first = meetings.checklist(session, admin, Quarter(2026, 2))
        last = meetings.checklist(session, admin, Quarter(2026, 2), page=2)
    assert (first.page.total, len(first.page.items), len(last.page.items)) == (27, 20, 7)
    assert first.complete == 0


# ---- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field_name"),
    [
        ({"kind": None}, "kind"),
        ({"topic": "  "}, "topic"),
        ({"topic": "长" * 201}, "topic"),
        ({"starts_at": None}, "starts_at"),
        ({"starts_at": datetime(1900, 1, 1, 1, 0, tzinfo=UTC)}, "starts_at"),
        ({"ends_at": THIS_MORNING - timedelta(minutes=1)}, "ends_at"),
        ({"ends_at": THIS_MORNING + timedelta(hours=13)}, "ends_at"),
        ({"host_name": ""}, "host"),
        ({"recorder_name": "名" * 101}, "recorder"),
        ({"minutes": "记" * 50_001}, "minutes"),
        ({"item_id": 999_999}, "item_id"),
        ({"branch_id": 999_999}, "branch_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field(app, org, english, fields, field_name):
    meeting = spec(org["first"].id)
    for name, value in fields.items():
        setattr(meeting, name, value)
    error = refused(app, meeting, {"10001": PRESENT})
    assert isinstance(error, MeetingError) and error.field == field_name
    with app.app_context():
        assert error.message.startswith(f"{meetings.FIELD_LABELS[field_name]}: ")
    assert ledger(app) == []


def test_people_and_items_from_elsewhere_are_refused(app, org):
    with app.app_context(), db.new_session() as session:
        stranger = user(session, "20001").id
    assert refused(app, spec(org["first"].id, host_id=stranger)).field == "host"  # type: ignore[attr-defined]
    assert refused(app, spec(org["first"].id), {"20001": PRESENT}).field == "attendance"  # type: ignore[attr-defined]
    lecture = meeting_item(app, MeetingKind.LECTURE)
    wrong_kind = refused(app, spec(org["first"].id, item_id=lecture))
    assert wrong_kind.field == "item_id" and "党课" in wrong_kind.message  # type: ignore[attr-defined]


def test_an_old_record_cannot_complete_an_item_of_another_week(app, org, english):
    """Linked to a later week's item, a meeting held months before would complete it with points
    dated before the plan began; linked to an earlier week's, long after it. Both are refused."""
    meeting_id = record(app, spec(org["first"].id), {"10001": PRESENT})
    for weeks in (20, 1, -1):
        item_id = meeting_item(app, weeks=weeks)
        error = refused(
            app, spec(org["first"].id, item_id=item_id), {"10001": PRESENT}, meeting_id=meeting_id
        )
        assert isinstance(error, MeetingError) and error.field == "item_id", weeks
        assert "this meeting began 2026-04-15 08:30" in error.message
    assert ledger(app, RuleKey.PLAN_ITEM) == []
    with app.app_context(), db.new_session() as session:
        assert session.get_one(Meeting, meeting_id).item_id is None
        assert session.scalars(select(Progress.state)).all() == []  # no item done, nor begun


def test_a_meeting_put_off_a_day_or_two_is_still_its_items_and_dated_when_it_began(app, org):
    """The item's time runs from its plan's first local midnight to two days after its planned and
    due time (Sunday 22:00 here: to Tuesday 22:00), never beyond; its completion and points are
    dated when the meeting began."""
    item_id = meeting_item(app)
    monday = datetime(2026, 4, 12, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai, the plan's first moment
    closes = DUE + timedelta(days=2)
    later = closes + timedelta(days=1)
    first = spec(org["first"].id, starts_at=monday - timedelta(minutes=1), item_id=item_id)
    assert refused(app, first, now=later).field == "item_id"  # type: ignore[attr-defined]
    record(app, spec(org["first"].id, starts_at=monday, item_id=item_id), now=later)  # not yet attended
    assert (
        refused(  # type: ignore[attr-defined]
            app, spec(org["first"].id, starts_at=closes + timedelta(minutes=1), item_id=item_id), now=later
        ).field
        == "item_id"
    )
    record(app, spec(org["first"].id, starts_at=closes, item_id=item_id), {"10001": PRESENT}, now=later)
    done = mine(app, "10001", item_id, later)
    assert done.done and done.progress is not None and done.progress.done_at == closes
    assert ledger(app, RuleKey.PLAN_ITEM) == [("10001", f"plan_item:{item_id}", 3)]
    with app.app_context(), db.new_session() as session:
        assert session.scalars(
            select(PointAward.at).where(PointAward.source == f"plan_item:{item_id}")
        ).all() == [closes]


def test_a_meeting_begins_from_2000_to_a_year_ahead(app, org, english):
    for starts_at in (datetime(1900, 1, 1, 1, 0, tzinfo=UTC), datetime(1999, 12, 31, 15, 59, tzinfo=UTC)):
        error = refused(app, spec(org["first"].id, starts_at=starts_at), {"10001": PRESENT})
        assert isinstance(error, MeetingError) and error.field == "starts_at"
        assert "from 2000-01-01" in error.message
    ahead = refused(app, spec(org["first"].id, starts_at=START + timedelta(days=367)))
    assert ahead.field == "starts_at"  # type: ignore[attr-defined]
    assert ledger(app) == []
    record(app, spec(org["first"].id, starts_at=START + timedelta(days=365)))  # planned ahead


def test_only_a_published_plans_item_of_the_same_kind_and_time_is_offered_and_linked(app, org, english):
    this_week = meeting_item(app)
    committee = meeting_item(app, MeetingKind.COMMITTEE)
    next_week = meeting_item(app, weeks=1)
    draft = meeting_item(app, publish=False)
    assert refused(app, spec(org["first"].id, item_id=draft)).field == "item_id"  # type: ignore[attr-defined]
    assert refused(app, spec(org["first"].id, item_id=committee)).field == "item_id"  # type: ignore[attr-defined]
    with app.app_context(), db.new_session() as session:
        secretary = user(session, "sec1")

        def offered(**known) -> set[int]:  # type: ignore[no-untyped-def]
            return {item.id for item in meetings.linkable_items(session, secretary, now=START, **known)}

        assert offered() == {this_week, committee, next_week}
        assert offered(kind=MeetingKind.ASSEMBLY) == {this_week, next_week}
        assert offered(kind=MeetingKind.ASSEMBLY, starts_at=THIS_MORNING) == {this_week}
        assert offered(kind=MeetingKind.ASSEMBLY, starts_at=THIS_MORNING + timedelta(weeks=1)) == {next_week}
        assert offered(kind=MeetingKind.ASSEMBLY, starts_at=THIS_MORNING + timedelta(weeks=3)) == set()


# ---- photos --------------------------------------------------------------------------------------


def photo_bytes(fmt: str = "JPEG", size: tuple[int, int] = (40, 20), orientation: int | None = None) -> bytes:
    picture = Image.new("RGBA" if fmt == "PNG" else "RGB", size, (200, 0, 0))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
        exif[0x010F] = "相机厂商"  # Make: something that must not leave the server
    picture.save(out, fmt, exif=exif) if fmt == "JPEG" else picture.save(out, fmt)
    return out.getvalue()


def add(app: Flask, meeting_id: int, files: list[tuple[str, bytes]], root: Path) -> list[int]:
    with app.app_context(), db.new_session() as session:
        kept = meetings.add_photos(
            session,
            user(session, "sec1"),
            meeting_id,
            [(name, io.BytesIO(data)) for name, data in files],
            root=root,
            limit=1024 * 1024,
            now=START,
        )
        session.commit()
        return [document.id for document in kept]


def test_photos_are_turned_upright_and_drawn_again_without_their_metadata(app, org, tmp_path):
    meeting_id = record(app, spec(org["first"].id))
    ids = add(
        app,
        meeting_id,
        [("现场.jpg", photo_bytes(orientation=6)), ("合影.png", photo_bytes("PNG"))],
        tmp_path,
    )
    with app.app_context(), db.new_session() as session:
        turned, flat = (session.get_one(documents.Document, document_id) for document_id in ids)
        assert turned.page_sizes == [[20.0, 40.0]]  # taken on its side: shown upright
        with Image.open(documents.parts_folder(tmp_path, turned) / document_formats.PHOTO_NAME) as shown:
            assert (shown.format, shown.size, dict(shown.getexif())) == ("JPEG", (20, 40), {})
        with Image.open(documents.parts_folder(tmp_path, flat) / document_formats.THUMB_NAME) as thumb:
            assert thumb.format == "JPEG" and thumb.getpixel((0, 0)) != (0, 0, 0)
        assert [
            attachment.document_id for attachment in session.get_one(Meeting, meeting_id).attachments
        ] == ids
        # Not among the planners' documents, and never served as a document.
        assert documents.latest(session) == []


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("现场.jpg", b"GIF89a not a jpeg", "not a JPG picture"),
        ("现场.png", photo_bytes(), "not a PNG picture"),
        ("纪要.docx", b"PK\x03\x04", "Upload a photo"),
        ("现场.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 broken", "damaged"),
        ("大图.jpg", photo_bytes(size=(1200, 1200)) + bytes(1024 * 1024), "too large"),
    ],
)
def test_a_refused_photo_names_its_file_and_keeps_none_of_the_upload(
    app, org, english, tmp_path, name, data, words
):
    meeting_id = record(app, spec(org["first"].id))
    with pytest.raises(MeetingError) as error:
        add(app, meeting_id, [("好的.jpg", photo_bytes()), (name, data)], tmp_path)
    assert error.value.field == "photos" and name in error.value.message and words in error.value.message
    with app.app_context(), db.new_session() as session:
        assert session.get_one(Meeting, meeting_id).attachments == []


# ---- the shipped rule ------------------------------------------------------------------------------


def test_the_migration_puts_the_shipped_meeting_rule_in_use_and_keeps_an_edited_one(tmp_path):
    for edited in (False, True):
        engine = db.make_engine(f"sqlite:///{tmp_path / f'old-{edited}.db'}")
        migrations.upgrade(engine, "0019_documents")
        rules = Table("point_rule", MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            connection.execute(
                rules.insert().values(
                    key="meeting",
                    name="三会一课",
                    description="",
                    points=2,
                    enabled=False,
                    sort_order=6,
                    version=2 if edited else 1,
                    updated_at=START,
                )  # fmt: skip
            )
        migrations.upgrade(engine)
        with engine.connect() as connection:
            assert connection.scalar(select(rules.c.enabled).where(rules.c.key == "meeting")) is (not edited)
        engine.dispose()


def test_the_audit_log_names_the_meeting_kind_and_a_photo_as_a_meetings(app, org, tmp_path):
    meeting_id = record(app, spec(org["group"].id, MeetingKind.GROUP))
    add(app, meeting_id, [("photo.jpg", photo_bytes())], tmp_path)
    rows = audit_rows(app)
    assert "会议类型：党小组会" in rows["plan.meeting_save"] and "group" not in rows["plan.meeting_save"]
    photo = rows["plan.meeting_photo_add"]
    assert "三会一课会议照片已上传" in photo and "photo.jpg" in photo and f"会议编号：{meeting_id}" in photo
    assert "document.upload" not in rows  # not a study document
