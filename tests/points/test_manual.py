"""Manual awards as administrators make them: one form's award is one batch, listed once and taken
back whole or person by person; a form names at most 500 people; a reason is required and short."""

from __future__ import annotations

import re

from sqlalchemy import select

from studyhall import db
from studyhall.accounts.models import AuditEvent, User
from studyhall.points.models import PointAward
from studyhall.points.service import MAX_MANUAL_PEOPLE
from tests.points.test_pages import client_for


def token_of(admin) -> str:  # type: ignore[no-untyped-def]
    form = admin.get("/admin/points/award").get_data(as_text=True)
    return re.search(r'name="token" type="hidden" value="([^"]+)"', form).group(1)


def award(admin, usernames: str, points: int = 3, reason: str = "学习标兵"):  # type: ignore[no-untyped-def]
    return admin.post(
        "/admin/points/award",
        data={"usernames": usernames, "points": str(points), "reason": reason, "token": token_of(admin)},
    )


def ledger(app) -> list[tuple[str, int, int, str]]:  # type: ignore[no-untyped-def]
    """(工号, seq, points, reason) of every manual row, in order."""
    with app.app_context(), db.new_session() as session:
        rows = session.execute(
            select(User.username, PointAward.seq, PointAward.points, PointAward.reason)
            .join(User, User.id == PointAward.user_id)
            .where(PointAward.source.like("manual:%"))
            .order_by(PointAward.id)
        ).all()
        return [tuple(row) for row in rows]


def first_award_id(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        return session.scalars(select(PointAward.id).where(PointAward.source.like("manual:%"))).first()


def audit(app, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        session.expunge_all()
        return events


def test_one_forms_award_is_one_line_of_the_list_and_is_taken_back_whole_for_one_reason(app, org):
    admin = client_for(app, "admin1")
    assert award(admin, "10001 10002 20001").status_code == 302
    page = admin.get("/admin/points/").get_data(as_text=True)
    listed = page.split('id="manual-awards"')[1].split("</table>")[0]
    assert listed.count("<tr data-batch=") == 1
    assert "王建国 (10001), 李晓燕 (10002), and 张三 (20001)" in listed
    batch_id = first_award_id(app)
    assert f'href="/admin/points/batches/{batch_id}"' in listed

    confirm = admin.get(f"/admin/points/batches/{batch_id}").get_data(as_text=True)
    assert "Take back from these 3 people" in confirm
    taken = admin.post(f"/admin/points/batches/{batch_id}/reverse", data={"reason": "名单有误"})
    assert taken.status_code == 302
    assert ledger(app)[3:] == [
        ("10001", 1, -3, "名单有误"),
        ("10002", 1, -3, "名单有误"),
        ("20001", 1, -3, "名单有误"),
    ]
    [event] = audit(app, "points.reverse_batch")
    assert event.detail["reason"] == "名单有误" and event.detail["people"] == ["10001", "10002", "20001"]
    again = admin.post(
        f"/admin/points/batches/{batch_id}/reverse", data={"reason": "名单有误"}, follow_redirects=True
    )
    assert "taken back already" in again.get_data(as_text=True)
    assert len(ledger(app)) == 6
    listed = admin.get("/admin/points/").get_data(as_text=True).split('id="manual-awards"')[1]
    assert "Taken back from all 3." in listed


def test_taking_back_a_batch_after_one_person_takes_back_only_those_whose_award_still_stands(app, org):
    admin = client_for(app, "admin1")
    award(admin, "10001, 20001", points=5)
    batch_id = first_award_id(app)
    admin.post(f"/admin/points/awards/{batch_id}/reverse", data={"reason": "重复录入"})
    page = admin.get(f"/admin/points/batches/{batch_id}").get_data(as_text=True)
    assert "Take back from these 1 people" in page and "Reason: 重复录入 (管理员, " in page
    admin.post(f"/admin/points/batches/{batch_id}/reverse", data={"reason": "整批作废"})
    assert ledger(app) == [
        ("10001", 0, 5, "学习标兵"),
        ("20001", 0, 5, "学习标兵"),
        ("10001", 1, -5, "重复录入"),
        ("20001", 1, -5, "整批作废"),
    ]


def test_a_taken_back_award_shows_its_reason_and_its_audit_entry_names_the_person(app, org):
    admin = client_for(app, "admin1")
    award(admin, "10001", reason="学习心得被转发")
    admin.post(f"/admin/points/awards/{first_award_id(app)}/reverse", data={"reason": "录入错误"})
    listed = admin.get("/admin/points/").get_data(as_text=True).split('id="manual-awards"')[1]
    assert "Taken back" in listed and "Reason: 录入错误 (管理员, " in listed
    [given] = audit(app, "points.award")
    assert given.target == "王建国 (10001)" and given.detail["reason"] == "学习心得被转发"
    [taken] = audit(app, "points.reverse")
    assert taken.target == "王建国 (10001)" and taken.detail["reason"] == "录入错误"


def test_a_form_naming_more_than_500_people_is_refused_with_how_many_it_named(app, org):
    admin = client_for(app, "admin1")
    names = " ".join(f"{n:05d}" for n in range(MAX_MANUAL_PEOPLE + 1))
    refused = award(admin, names)
    assert refused.status_code == 200
    assert (
        f"At most {MAX_MANUAL_PEOPLE} people in one award (this names {MAX_MANUAL_PEOPLE + 1})"
        in refused.get_data(as_text=True)
    )
    assert ledger(app) == []


def test_a_reason_over_200_characters_is_called_too_long_not_missing(app, org):
    admin = client_for(app, "admin1")
    long = "理" * 201
    refused = award(admin, "10001", reason=long).get_data(as_text=True)
    assert "Too long: at most 200 characters (this one has 201)." in refused
    award(admin, "10001")
    reversal = admin.post(
        f"/admin/points/awards/{first_award_id(app)}/reverse", data={"reason": long}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Not taken back: Too long: at most 200 characters (this one has 201)." in reversal
    assert "Give the reason" not in reversal
    empty = admin.post(
        f"/admin/points/awards/{first_award_id(app)}/reverse", data={"reason": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Not taken back: Give the reason" in empty
    assert [row[1] for row in ledger(app)] == [0]
