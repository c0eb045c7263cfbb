"""草稿 → 发布: a saved test is a draft that only administrators see, until an administrator
publishes it; it goes back to draft only while nobody has started it. Both are audited."""

from __future__ import annotations

from sqlalchemy import select

from studyhall import clock, db
from studyhall.accounts.models import AuditEvent, Role
from studyhall.exams import service
from studyhall.exams.models import Exam, ExamPaper
from tests.exams.test_attempts import sign_in, start


def test_a_saved_test_is_a_draft_nobody_but_administrators_sees_or_starts(app, people, world, make_exam):
    exam_id = make_exam(publish=False, title="草稿测试")
    people.user("sec1", Role.SECRETARY, world["first"])
    cadre = sign_in(app, "10001")
    assert "草稿测试" not in cadre.get("/").get_data(as_text=True)
    assert cadre.get("/api/exams").get_json()["exams"] == []
    assert cadre.get(f"/exams/{exam_id}").status_code == 404
    refused = start(cadre, exam_id)
    assert refused.status_code == 404 and refused.get_json()["code"] == "not_found"
    secretary = sign_in(app, "sec1")
    assert "草稿测试" not in secretary.get("/branch/exams/").get_data(as_text=True)
    assert secretary.get(f"/branch/exams/{exam_id}/roster").status_code == 404
    with app.app_context(), db.new_session() as session:
        assert service.stock_papers(session, now=clock.now()) == 0  # no papers drawn ahead for it
        assert session.scalars(select(ExamPaper)).all() == []
        assert service.review_opens_at(session, session.get_one(Exam, exam_id)) is None
    admin = sign_in(app, "admin1")
    assert 'data-status="draft"' in admin.get("/admin/exams/").get_data(as_text=True)
    assert admin.get(f"/admin/exams/{exam_id}/preview").status_code == 200


def test_publishing_is_an_audited_administrator_action_that_makes_the_test_live(app, make_exam):
    exam_id = make_exam(publish=False, title="待发布测试")
    cadre = sign_in(app, "10001")
    assert cadre.post(f"/admin/exams/{exam_id}/publish").status_code == 403
    admin = sign_in(app, "admin1")
    assert 'id="publish"' in admin.get(f"/admin/exams/{exam_id}").get_data(as_text=True)
    assert admin.post(f"/admin/exams/{exam_id}/publish").status_code == 302
    assert "待发布测试" in cadre.get("/").get_data(as_text=True)
    assert start(cadre, exam_id).status_code == 201
    with app.app_context(), db.new_session() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("exam.%"))).all()
        assert actions == ["exam.create", "exam.publish"]


def test_a_test_goes_back_to_draft_only_while_nobody_has_started_it(app, make_exam):
    admin = sign_in(app, "admin1")
    admin.post("/language", data={"lang": "en"})
    untouched, started = make_exam(), make_exam()
    assert admin.post(f"/admin/exams/{untouched}/unpublish").status_code == 302
    assert sign_in(app, "10001").get(f"/exams/{untouched}").status_code == 404

    start(sign_in(app, "10001"), started)
    assert 'id="unpublish"' not in admin.get(f"/admin/exams/{started}").get_data(as_text=True)
    refused = admin.post(f"/admin/exams/{started}/unpublish", follow_redirects=True).get_data(as_text=True)
    assert "Someone has started this test, so it can no longer go back to draft." in refused
    with app.app_context(), db.new_session() as session:
        assert session.get_one(Exam, started).published_at is not None
        assert session.get_one(Exam, untouched).published_at is None
        unpublished = session.scalars(select(AuditEvent).where(AuditEvent.action == "exam.unpublish")).all()
        assert [event.detail["exam_id"] for event in unpublished] == [untouched]
