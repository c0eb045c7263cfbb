"""A browser that signed out cannot go on starting or saving through the attempt API with a copy
of its old cookie: the API's own first query refuses the ended session."""

from __future__ import annotations

from tests.exams.test_pages import attempt_id_of, sign_in, start


def test_a_copy_of_the_cookie_cannot_save_or_start_after_signing_out(app, make_exam):
    exam_id = make_exam()
    client = sign_in(app, "10001")
    attempt_id = attempt_id_of(start(client, exam_id))
    save = {"response": None, "seq": 1}
    assert client.put(f"/api/attempts/{attempt_id}/answers/1", json=save).status_code == 200
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    client.post("/logout")
    saved = copy.put(f"/api/attempts/{attempt_id}/answers/1", json={**save, "seq": 2})
    started = copy.post(f"/api/exams/{exam_id}/attempts", json={})
    for response in (saved, started):
        assert response.status_code == 401 and response.get_json()["code"] == "signed_out"


def test_the_persons_other_browser_goes_on_saving_after_one_signs_out(app, make_exam):
    exam_id = make_exam()
    phone, desktop = sign_in(app, "10001"), sign_in(app, "10001")
    attempt_id = attempt_id_of(start(desktop, exam_id))
    phone.post("/logout")
    saved = desktop.put(f"/api/attempts/{attempt_id}/answers/1", json={"response": None, "seq": 5})
    assert saved.status_code == 200
