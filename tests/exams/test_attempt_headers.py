"""An attempt's page and its API answers are never kept by a cache (a shared computer's back
button, a proxy): they carry the paper and the cadre's answers. Nor are the pages that offer to
continue an attempt: Back after submitting must not show it as still open."""

from __future__ import annotations

from tests.exams.test_pages import attempt_id_of, sign_in, start


def test_the_attempt_page_and_the_attempt_api_are_not_stored(app, make_exam):
    exam_id = make_exam()
    client = sign_in(app, "10001")
    attempt_id = attempt_id_of(start(client, exam_id))
    page = client.get(f"/attempts/{attempt_id}")
    state = client.get(f"/api/attempts/{attempt_id}")
    saved = client.put(f"/api/attempts/{attempt_id}/answers/1", json={"response": None, "seq": 1})
    resumed = client.post(f"/api/exams/{exam_id}/attempts", json={})
    home, landing = client.get("/"), client.get(f"/exams/{exam_id}")
    for response in (page, state, saved, resumed, home, landing):
        assert response.status_code in {200, 201}, response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-store"
