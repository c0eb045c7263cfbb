"""The 参考名单: everyone expected to take a test, per 党支部, with where they stand; exportable."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.exams.test_attempts import answer_all_correctly, sign_in, start


def roster_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'data-username="(\w+)" data-progress="(\w+)"', page)


def test_the_roster_lists_per_branch_who_has_not_started_is_in_progress_or_submitted(
    app, admin_client, world, people, make_exam
):
    second = people.branch("第二党支部", world["root"])
    people.user("20001", branch=second, name="张未考")
    exam_id = make_exam(branch_ids=[world["first"].id, second.id])
    done = sign_in(app, "10001")
    state = start(done, exam_id).get_json()
    answer_all_correctly(done, state)
    done.post(f"/api/attempts/{state['attempt']}/submit")
    start(sign_in(app, "10002"), exam_id)

    page = admin_client.get(f"/admin/exams/{exam_id}/roster").get_data(as_text=True)
    sections = re.findall(
        r'data-branch="(\d+)" data-audience="(\d+)" data-not-started="(\d+)" '
        r'data-in-progress="(\d+)" data-submitted="(\d+)"',
        page,
    )
    assert sections == [(str(world["first"].id), "2", "0", "1", "1"), (str(second.id), "1", "1", "0", "0")]
    assert roster_rows(page) == [("10002", "in_progress"), ("10001", "submitted"), ("20001", "not_started")]
    assert "张未考" in page and "Not started" in page
    assert f"/admin/exams/{exam_id}/roster" in admin_client.get(f"/admin/exams/{exam_id}/monitor").get_data(
        as_text=True
    )

    download = admin_client.get(f"/admin/exams/{exam_id}/roster.xlsx")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    workbook = load_workbook(io.BytesIO(download.data))
    people_sheet, counts_sheet = workbook.worksheets
    assert [row[:3] + row[4:] for row in people_sheet.iter_rows(min_row=2, values_only=True)] == [
        ("第一党支部", "李晓燕", "10002", "In progress"),
        ("第一党支部", "王建国", "10001", "Submitted"),
        ("第二党支部", "张未考", "20001", "Not started"),
    ]
    assert list(counts_sheet.iter_rows(min_row=2, values_only=True)) == [
        ("第一党支部", 2, 0, 1, 1),
        ("第二党支部", 1, 1, 0, 0),
    ]


def test_the_note_on_second_attempts_shows_only_when_a_test_allows_more_than_one(
    app, admin_client, make_exam
):
    note = "Someone with a second attempt in progress counts as in progress."
    for attempts, shown in ((1, False), (2, True)):
        exam_id = make_exam(attempts_allowed=attempts)
        for page in ("roster", "monitor"):
            html = admin_client.get(f"/admin/exams/{exam_id}/{page}").get_data(as_text=True)
            assert (note in html) is shown, (attempts, page)
