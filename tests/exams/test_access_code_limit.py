"""Wrong 考试口令 are limited like wrong passwords, per person and test, and each is audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from studyhall.accounts.models import AuditEvent, User
from tests.conftest import START
from tests.exams.test_pages import sign_in


def test_wrong_access_codes_are_limited_and_audited(app, make_exam, session, frozen_now):
    exam_id = make_exam(access_code="0415")
    client = sign_in(app, "10001")

    def start(code: str):  # type: ignore[no-untyped-def]
        return client.post(f"/api/exams/{exam_id}/attempts", json={"access_code": code})

    wrong = [start(f"{guess:04d}") for guess in range(5)]
    assert [response.status_code for response in wrong] == [403] * 5
    assert "2 more" in wrong[2].get_json()["message"] and "1 more" in wrong[3].get_json()["message"]
    refused = start("0415")
    assert refused.status_code == 429 and refused.get_json()["code"] == "throttled"
    cadre = session.scalars(select(User).where(User.username == "10001")).one()
    audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "exam.access_code_wrong")).all()
    assert len(audited) == 5 and {event.actor_id for event in audited} == {cadre.id}
    colleague = sign_in(app, "10002")
    assert colleague.post(f"/api/exams/{exam_id}/attempts", json={"access_code": "0415"}).status_code == 201
    frozen_now(START + timedelta(minutes=15))
    assert start("0415").status_code == 201
