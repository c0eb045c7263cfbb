"""三会一课 pages: a secretary records a meeting (branch, details, everyone present then the
exceptions), reads its record with photos, and the quarter's checklist; another branch's meeting is
not found; a cadre reads their own attendance on the item's page; every form wants its CSRF token."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from studyhall import db
from studyhall.plans.documents import Document
from studyhall.plans.meeting_models import AttendanceStatus, Meeting
from studyhall.plans.models import MeetingKind
from studyhall.points.models import PointAward
from tests.conftest import PASSWORD
from tests.plans.conftest import signed_in
from tests.plans.test_documents import get
from tests.plans.test_meetings import THIS_MORNING, meeting_item, photo_bytes, record, spec, user


def ids(app: Flask) -> dict[str, int]:
    with app.app_context(), db.new_session() as session:
        return {name: user(session, name).id for name in ("sec1", "10001", "10002", "20001", "admin1")}


def details(**fields: str) -> dict[str, str]:
    return {
        "kind": "assembly",
        "topic": "学习贯彻宪法修正案",
        "starts_at": "2026-04-15T08:30",
        "ends_at": "2026-04-15T10:00",
        "place": "机关三楼会议室",
        "host_id": "",
        "host_name": "书记甲",
        "recorder_id": "",
        "recorder_name": "王建国",
        "agenda": "一、传达学习\n二、讨论",
        "minutes": "会议传达学习了宪法修正案。",
        "item_id": "",
        **fields,
    }


def test_a_secretary_records_a_meeting_marking_everyone_present_then_the_exceptions(app, org, frozen_now):
    item_id = meeting_item(app)
    people = ids(app)
    client = signed_in(app, "sec1")
    index = client.get("/plans/").get_data(as_text=True)
    assert 'href="/meetings/"' in index and 'href="/meetings/checklist"' in index
    choose = client.get("/meetings/new").get_data(as_text=True)
    assert (
        f"/meetings/new?branch={org['first'].id}" in choose
        and f"/meetings/new?branch={org['group'].id}" in choose
    )
    form = client.get(f"/meetings/new?branch={org['first'].id}").get_data(as_text=True)
    assert [name for name in ("sec1", "10001", "10002", "20001") if f'data-person="{name}"' in form] == [
        "sec1", "10001", "10002"
    ]  # fmt: skip
    assert f'<option selected value="{people["sec1"]}">' in form  # the secretary hosts, unless changed
    assert "出席人员的这项学习任务随之完成；学习任务的积分和三会一课的积分各计一次。" in form  # both given

    url = f"/meetings/new?branch={org['first'].id}"
    sent = details(item_id=str(item_id), host_id=str(people["sec1"]), host_name="")
    everyone = client.post(url, data={**sent, "action": "all_present", f"status-{people['10002']}": "absent"})
    page = everyone.get_data(as_text=True)
    assert everyone.status_code == 200 and "未登记的人员已全部标为出席" in page
    checked = re.findall(r'name="status-(\d+)" value="(\w+)" checked', page)
    assert sorted(checked) == sorted(
        [
            (str(people["sec1"]), "present"),
            (str(people["10001"]), "present"),
            (str(people["10002"]), "absent"),
        ]
    )
    assert 'value="学习贯彻宪法修正案"' in page  # what was typed comes back with it
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 0  # nothing saved yet

    leave = {
        **sent,
        f"status-{people['sec1']}": "present",
        f"status-{people['10001']}": "present",
        f"status-{people['10002']}": "leave",
    }
    refused = client.post(url, data=leave).get_data(as_text=True)
    assert "未保存" in refused and "李晓燕 (10002)" in refused and "请假" in refused
    saved = client.post(url, data={**leave, f"reason-{people['10002']}": "出差"})
    assert saved.status_code == 302
    record_page = client.get(saved.location).get_data(as_text=True)
    assert "应到 3 人，出席 2 人，请假 1 人，缺席 0 人" in record_page
    assert "李晓燕（出差）" in record_page and "会议传达学习了宪法修正案。" in record_page
    listing = client.get("/meetings/").get_data(as_text=True)
    assert "学习贯彻宪法修正案" in listing and "3 人中 2 人出席" in listing

    cadre = signed_in(app, "10001")
    item_page = cadre.get(f"/study/items/{item_id}").get_data(as_text=True)
    assert 'data-status="present"' in item_page and "会议传达学习了宪法修正案。" in item_page
    assert "✓ 已完成" in item_page and 'id="meetings-attended"' in item_page
    on_leave = signed_in(app, "10002").get(f"/study/items/{item_id}").get_data(as_text=True)
    assert 'data-state="excused"' in on_leave and 'data-status="leave"' in on_leave and "出差" in on_leave


def test_a_cadre_reads_the_record_of_their_branch_but_not_who_else_was_away(app, org):
    meeting_id = record(
        app, spec(org["first"].id), {"10001": AttendanceStatus.PRESENT, "10002": AttendanceStatus.LEAVE},
        reasons={"10002": "病假"},
    )  # fmt: skip
    page = signed_in(app, "10001").get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "传达学习了宪法修正案" in page and 'id="my-attendance" data-status="present"' in page
    assert "病假" not in page and "李晓燕" not in page and 'id="edit-meeting"' not in page
    assert signed_in(app, "20001").get(f"/meetings/{meeting_id}").status_code == 404
    assert signed_in(app, "10001").get("/meetings/").status_code == 403
    assert signed_in(app, "10001").get(f"/meetings/{meeting_id}/edit").status_code == 403


def test_another_branchs_meeting_is_not_found_by_a_secretary(app, org):
    meeting_id = record(app, spec(org["second"].id), {"20001": AttendanceStatus.PRESENT}, by="admin1")
    client = signed_in(app, "sec1")
    for path in (f"/meetings/{meeting_id}", f"/meetings/{meeting_id}/edit"):
        assert client.get(path).status_code == 404
    assert client.post(f"/meetings/{meeting_id}/edit", data=details()).status_code == 404
    assert client.post(f"/meetings/{meeting_id}/delete", data={"confirm": "yes"}).status_code == 404
    assert client.get(f"/meetings/new?branch={org['second'].id}").status_code == 200  # the chooser again
    assert f"branch={org['second'].id}" not in client.get("/meetings/new").get_data(as_text=True)
    assert "第二党支部" not in client.get("/meetings/checklist").get_data(as_text=True)
    assert signed_in(app, "admin1").get(f"/meetings/{meeting_id}/edit").status_code == 200


def test_the_list_is_paged_and_filtered(app, org):
    for day in range(32):
        record(
            app, spec(org["first"].id, MeetingKind.COMMITTEE, starts_at=THIS_MORNING - timedelta(days=day))
        )
    record(app, spec(org["group"].id, MeetingKind.GROUP), {"10002": AttendanceStatus.PRESENT})
    client = signed_in(app, "sec1")
    first = client.get("/meetings/").get_data(as_text=True)
    second = client.get("/meetings/?page=2").get_data(as_text=True)
    assert first.count("data-meeting=") == 30 and second.count("data-meeting=") == 3
    groups = client.get(f"/meetings/?kind=group&branch={org['group'].id}").get_data(as_text=True)
    assert groups.count("data-meeting=") == 1 and "1 人中 1 人出席" in groups
    q1 = client.get("/meetings/?quarter=2026Q1").get_data(as_text=True)
    assert q1.count("data-meeting=") == 32 - 15  # 31 March and before
    assert client.get("/meetings/?branch=abc&kind=nonsense&quarter=2026Q9&page=-3").status_code == 200


def test_the_checklist_shows_each_branch_and_browses_quarters(app, org, frozen_now):
    record(app, spec(org["first"].id), {"10001": AttendanceStatus.PRESENT})
    client = signed_in(app, "admin1")
    page = client.get("/meetings/checklist").get_data(as_text=True)
    assert "2026年第2季度" in page and "第十一条" in page and "第十二条" in page and "第十三条" in page
    first = page.split(f'data-branch="{org["first"].id}"')[1].split("</section>")[0]
    assert (
        'data-kind="assembly" data-state="met"' in first
        and 'data-kind="committee" data-state="short"' in first
    )
    assert "第一党小组" in first and 'data-complete="no"' in page
    # The quarter under way is not judged yet: what is short is still to hold.
    assert "进行中" in first and "未落实" not in first
    earlier = client.get("/meetings/checklist?quarter=2026Q1").get_data(as_text=True)
    assert "2026年第1季度" in earlier and 'data-state="met"' not in earlier
    assert "未落实" in earlier and "data-running" not in earlier  # a quarter over is judged
    assert 'rel="next"' in earlier and 'rel="next"' not in page  # no future quarters
    assert client.get("/meetings/checklist?quarter=junk").status_code == 200
    assert signed_in(app, "10001").get("/meetings/checklist").status_code == 403


def upload(client: FlaskClient, meeting_id: int, *photos: tuple[str, bytes], **extra: str):  # type: ignore[no-untyped-def]
    data = {"photos": [(io.BytesIO(content), name) for name, content in photos], **extra}
    return client.post(f"/meetings/{meeting_id}/photos", data=data, content_type="multipart/form-data")


def test_photos_are_seen_only_by_those_who_may_see_the_meeting(app, org, session):
    meeting_id = record(app, spec(org["first"].id), {"10001": AttendanceStatus.PRESENT})
    secretary = signed_in(app, "sec1")
    assert upload(secretary, meeting_id, ("现场.jpg", photo_bytes(orientation=6))).status_code == 302
    (document_id,) = session.scalars(select(Document.id))
    page = secretary.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert (
        f"/meetings/{meeting_id}/photos/{document_id}/thumb.jpg" in page and 'width="20" height="40"' in page
    )
    for reader in ("sec1", "10001", "10002", "admin1"):
        shown = get(signed_in(app, reader), f"/meetings/{meeting_id}/photos/{document_id}.jpg")
        assert (
            shown.status_code == 200 and shown.mimetype == "image/jpeg" and shown.data[:3] == b"\xff\xd8\xff"
        )
        assert "private" in shown.headers["Cache-Control"]
    outsider = signed_in(app, "20001")
    assert outsider.get(f"/meetings/{meeting_id}/photos/{document_id}.jpg").status_code == 404
    assert outsider.get(f"/meetings/{meeting_id}/photos/{document_id}/thumb.jpg").status_code == 404
    # Not a study document: the documents' own addresses serve it to nobody, planners included.
    admin = signed_in(app, "admin1")
    assert admin.get(f"/documents/{document_id}/file").status_code == 404
    assert f"{document_id} · 现场.jpg" not in admin.get("/plans/documents").get_data(as_text=True)

    refused = upload(secretary, meeting_id, ("纪要.pdf", b"%PDF-1.4"))
    assert "纪要.pdf" in secretary.get(refused.location).get_data(as_text=True)
    assert outsider.post(f"/meetings/{meeting_id}/photos/{document_id}/remove").status_code == 403
    assert secretary.post(f"/meetings/{meeting_id}/photos/{document_id}/remove").status_code == 302
    assert get(secretary, f"/meetings/{meeting_id}/photos/{document_id}.jpg").status_code == 404


def test_deleting_needs_the_confirmation_and_takes_the_points_back(app, org, session):
    meeting_id = record(app, spec(org["first"].id), {"10001": AttendanceStatus.PRESENT})
    client = signed_in(app, "sec1")
    unconfirmed = client.post(f"/meetings/{meeting_id}/delete")
    assert unconfirmed.location.endswith(f"/meetings/{meeting_id}")
    assert session.get(Meeting, meeting_id) is not None
    assert client.post(f"/meetings/{meeting_id}/delete", data={"confirm": "yes"}).status_code == 302
    session.expire_all()
    assert session.get(Meeting, meeting_id) is None
    assert session.scalar(select(func.sum(PointAward.points)).where(PointAward.source.like("meeting:%"))) == 0


@pytest.fixture
def csrf_on(test_config):  # type: ignore[no-untyped-def]
    test_config["WTF_CSRF_ENABLED"] = True


def signed_in_with_token(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = login.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return client


def test_every_meeting_form_needs_its_csrf_token(csrf_on, app, org, session):
    meeting_id = record(app, spec(org["first"].id), {"10001": AttendanceStatus.PRESENT})
    client = signed_in_with_token(app, "sec1")
    for path, data in [
        (f"/meetings/new?branch={org['first'].id}", details(starts_at="2026-04-15T07:00")),
        (f"/meetings/{meeting_id}/edit", details()),
        (f"/meetings/{meeting_id}/delete", {"confirm": "yes"}),
        (f"/meetings/{meeting_id}/photos", {}),
    ]:
        assert client.post(path, data=data).status_code == 400
    assert session.scalar(select(func.count()).select_from(Meeting)) == 1
    page = client.get(f"/meetings/{meeting_id}/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    people = ids(app)
    sent = {
        **details(starts_at="2026-04-15T08:30"),
        "csrf_token": token,
        f"status-{people['10001']}": "absent",
    }
    assert client.post(f"/meetings/{meeting_id}/edit", data=sent).status_code == 302
    assert (
        session.scalar(select(func.sum(PointAward.points)).where(PointAward.source.like("meeting:%"))) == 0
    )  # corrected: taken back


def test_the_form_shows_the_fields_problem_beside_it(app, org):
    client = signed_in(app, "sec1")
    url = f"/meetings/new?branch={org['first'].id}"
    for fields, words in [
        ({"topic": ""}, "会议主题：请填写会议主题。"),
        ({"host_name": ""}, "主持人：请选择人员或填写姓名。"),
        ({"kind": "group"}, "党小组会由党小组召开"),
        ({"ends_at": "2026-04-15T08:00"}, "结束时间：结束时间须晚于开始时间"),
        ({"starts_at": "2026-13-45T99:00"}, "不是有效的日期与时间值"),
    ]:
        page = client.post(url, data=details(**fields)).get_data(as_text=True)
        assert words in page, fields
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_a_record_naming_someone_who_has_left_can_still_be_changed(app, org):
    with app.app_context(), db.new_session() as session:
        host = user(session, "10001").id
    meeting_id = record(
        app, spec(org["first"].id, host_id=host, host_name=""), {"10001": AttendanceStatus.PRESENT}
    )
    with app.app_context(), db.new_session() as session:
        user(session, "10001").active = False
        session.commit()
    client = signed_in(app, "sec1")
    page = client.get(f"/meetings/{meeting_id}/edit").get_data(as_text=True)
    assert f'<option selected value="{host}">王建国 (10001)</option>' in page
    assert 'data-person="10001"' in page and "已离开" in page  # still on the list: he was there
    sent = {
        **details(
            starts_at="2026-04-15T08:30", host_id=str(host), host_name="", topic="学习贯彻宪法（修订）"
        ),
        f"status-{host}": "present",
    }
    assert client.post(f"/meetings/{meeting_id}/edit", data=sent).status_code == 302
    with app.app_context(), db.new_session() as session:
        assert session.get_one(Meeting, meeting_id).topic == "学习贯彻宪法（修订）"


def test_an_old_record_is_not_offered_nor_linked_to_a_later_weeks_item(app, org):
    """The attack: the edit form of a meeting held weeks before, sent again naming a later week's
    item of its kind. The form offers only items of the meeting's kind and time; the item sent
    anyway is refused naming the field, and nobody's item is done."""
    this_week = meeting_item(app)
    later = meeting_item(app, weeks=20)
    meeting_item(app, MeetingKind.LECTURE)
    people = ids(app)
    meeting_id = record(app, spec(org["first"].id), {"10001": AttendanceStatus.PRESENT})
    client = signed_in(app, "sec1")
    form = client.get(f"/meetings/{meeting_id}/edit").get_data(as_text=True)
    offered = set(re.findall(r'<option (?:selected )?value="(\d+)">2026', form))
    assert offered == {str(this_week)}
    new = client.get(f"/meetings/new?branch={org['first'].id}&kind=assembly").get_data(as_text=True)
    assert set(re.findall(r'value="(\d+)">2026', new)) == {str(this_week), str(later)}  # no 党课

    sent = {**details(item_id=str(later)), f"status-{people['10001']}": "present"}
    page = client.post(f"/meetings/{meeting_id}/edit", data=sent).get_data(as_text=True)
    assert "关联学习任务：该任务对应的会议须在" in page and "本次会议开始于2026-04-15 08:30" in page
    with app.app_context(), db.new_session() as session:
        assert session.get_one(Meeting, meeting_id).item_id is None
        assert (
            session.scalar(
                select(func.count()).select_from(PointAward).where(PointAward.source == f"plan_item:{later}")
            )
            == 0
        )
    dated = client.post(f"/meetings/{meeting_id}/edit", data={**sent, "starts_at": "1900-01-01T09:00"})
    assert re.search("开始时间：[^<]*2000-01-01", dated.get_data(as_text=True))  # a year mistyped, by name


def test_everyone_is_not_marked_present_before_the_meeting_begins(app, org):
    """Marked present at 10:00 when it is 09:00, the record could not be saved: the button is off
    for a start still to come, and the server marks nobody."""
    people = ids(app)
    client = signed_in(app, "sec1")
    url = f"/meetings/new?branch={org['first'].id}"
    button = re.compile(r'<button[^>]*id="all-present"[^>]*>')
    assert "disabled" not in button.findall(client.get(url).get_data(as_text=True))[0]  # no time yet
    later = details(starts_at="2026-04-15T10:00", ends_at="2026-04-15T11:00")
    page = client.post(url, data={**later, "action": "all_present"}).get_data(as_text=True)
    assert "会议开始后才能登记出席情况。" in page and "未登记的人员已全部标为出席" not in page
    assert "disabled" in button.findall(page)[0] and re.search(r'id="all-present-reason"\s*>', page)
    assert not re.findall(rf'name="status-{people["10001"]}" value="\w+" checked', page)
