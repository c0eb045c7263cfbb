"""错题热度 (practice mistakes, and a test's once it is filed to the books) by category and scope, and
the challenge's weekly board."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from studyhall.accounts.models import User
from studyhall.exams import service as exams
from studyhall.practice import book, reports, service
from tests.conftest import START
from tests.practice.conftest import lineage_of
from tests.practice.exams import publish_test, sit_test
from tests.practice.test_book import answer_question

RIGHT, WRONG = ["A"], ["B"]  # every practice question's key is A
TEST_CLOSES = START + timedelta(hours=1)
FILED = TEST_CLOSES + exams.GRACE + timedelta(seconds=1)


@pytest.fixture
def mistakes(app, org, bank, in_app) -> None:  # type: ignore[no-untyped-def]
    """Practice: 10001 (第一党支部) P-01 wrong; 10002 (its 党小组) P-01 right and P-03 wrong; 20001
    (第二党支部) P-02 wrong twice; 10001 P-05 wrong 40 days before. A test asking P-02 and P-04,
    taken by 10001 (P-02 wrong, P-04 right) and 10002 (P-02 right, P-04 wrong), not yet filed to
    the books."""
    answer_question(in_app, "10001", "P-01", WRONG, START)
    answer_question(in_app, "10002", "P-01", RIGHT, START)
    answer_question(in_app, "10002", "P-03", WRONG, START)
    answer_question(in_app, "20001", "P-02", WRONG, START)
    answer_question(in_app, "20001", "P-02", WRONG, START + timedelta(minutes=1))
    answer_question(in_app, "10001", "P-05", WRONG, START - timedelta(days=40))
    exam_id = publish_test(
        in_app, "宪法测试", ["P-02", "P-04"], START - timedelta(minutes=5), TEST_CLOSES, org["root"].id
    )
    sit_test(app, in_app, "10001", exam_id, {"P-02": WRONG, "P-04": RIGHT}, START)
    sit_test(app, in_app, "10002", exam_id, {"P-02": RIGHT, "P-04": WRONG}, START)


def file_the_test(in_app) -> None:  # type: ignore[no-untyped-def]
    assert in_app("admin1", lambda s, u: book.file_tests(s, now=FILED)) == 2


def figures(  # type: ignore[no-untyped-def]
    app, in_app, branch_ids=None, start=None
) -> dict[str, tuple[int, int, dict[str, tuple[int, int]]]]:
    """category → (wrong, answered, {编号: (wrong, answered)}), in the list's order."""
    ids = {lineage_of(app, f"P-{n:02d}"): f"P-{n:02d}" for n in range(1, 13)}
    found = in_app("admin1", lambda s, u: reports.heat(s, branch_ids, start=start))
    return {
        c.name: (c.wrong, c.answered, {ids[q.lineage]: (q.wrong, q.answered) for q in c.questions})
        for c in found
    }


def test_the_heat_list_counts_practice_mistakes_and_a_tests_only_once_filed(app, mistakes, in_app):
    before = figures(app, in_app)
    assert before == {
        "宪法": (3, 4, {"P-01": (1, 2), "P-03": (1, 1), "P-05": (1, 1)}),
        "国家安全法": (2, 2, {"P-02": (2, 2)}),
    }
    file_the_test(in_app)
    after = figures(app, in_app)
    assert list(after) == ["国家安全法", "宪法"]  # most mistakes first
    assert after["国家安全法"] == (4, 6, {"P-02": (3, 4), "P-04": (1, 2)})
    assert list(after["国家安全法"][2]) == ["P-02", "P-04"]  # most wrong first
    assert after["宪法"] == before["宪法"]


def test_the_heat_list_counts_only_the_people_in_scope_and_the_period(app, org, mistakes, in_app):
    file_the_test(in_app)
    first = {org["first"].id, org["group"].id}
    assert figures(app, in_app, first) == {
        "宪法": (3, 4, {"P-01": (1, 2), "P-03": (1, 1), "P-05": (1, 1)}),
        "国家安全法": (2, 4, {"P-02": (1, 2), "P-04": (1, 2)}),
    }
    assert figures(app, in_app, {org["second"].id}) == {"国家安全法": (2, 2, {"P-02": (2, 2)})}
    with app.app_context():
        month = reports.since(reports.HeatPeriod.MONTH, START)
        assert month == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 1 April, Shanghai
        assert reports.since(reports.HeatPeriod.WEEK, START) == datetime(2026, 4, 12, 16, 0, tzinfo=UTC)
        assert reports.since(reports.HeatPeriod.ALL, START) is None
    assert figures(app, in_app, first, month)["宪法"] == (2, 3, {"P-01": (1, 2), "P-03": (1, 1)})


def test_a_secretary_sees_their_own_branch_and_an_administrator_any(app, org, mistakes, in_app, auth, client):
    file_the_test(in_app)
    auth.login("sec1")
    page = client.get("/practice/reports/heat").get_data(as_text=True)
    assert "第一党支部" in page and 'data-category="国家安全法"' in page
    assert "截至2026-04-15" in page  # all time, until today
    assert "2026-04-13 至 2026-04-15" in client.get("/practice/reports/heat?period=week").get_data(as_text=True)
    assert f'data-lineage="{lineage_of(app, "P-04")}" data-wrong="1" data-answered="2"' in page
    assert f'data-lineage="{lineage_of(app, "P-02")}" data-wrong="1" data-answered="2"' in page  # not 20001's
    assert client.get(f"/practice/reports/heat?branch={org['second'].id}").status_code == 404
    assert client.get(f"/practice/reports/heat?branch={org['first'].id}").status_code == 200
    assert client.get(f"/practice/reports/heat/export.xlsx?branch={org['second'].id}").status_code == 404
    auth.logout()
    auth.login("admin1")
    page = client.get(f"/practice/reports/heat?branch={org['second'].id}").get_data(as_text=True)
    assert f'data-lineage="{lineage_of(app, "P-02")}" data-wrong="2" data-answered="2"' in page
    assert 'data-category="宪法"' not in page
    whole = client.get("/practice/reports/heat?period=month").get_data(as_text=True)
    assert f'data-lineage="{lineage_of(app, "P-02")}" data-wrong="3" data-answered="4"' in whole
    assert lineage_of(app, "P-05") not in whole  # 40 days ago
    assert client.get("/practice/reports/heat?branch=999").status_code == 404


def test_a_secretary_sees_no_stem_of_a_question_a_test_under_way_may_ask(
    app, org, mistakes, in_app, auth, client, frozen_now
):
    later = START + timedelta(days=1)
    publish_test(in_app, "第二次测试", ["P-01"], later, later + timedelta(hours=1), org["root"].id)
    frozen_now(later)
    auth.login("sec1")
    page = client.get("/practice/reports/heat").get_data(as_text=True)
    row_of = lambda n: page.split(f'data-lineage="{lineage_of(app, n)}"')[1].split("</tr>")[0]  # noqa: E731
    assert "练习题第1题（" not in page and "测试结束后再显示" in row_of("P-01")
    assert "练习题第3题（" in row_of("P-03")  # no test asks it
    export = load_workbook(io.BytesIO(client.get("/practice/reports/heat/export.xlsx").data))
    stems = [row[1] for row in export["答错的试题"].iter_rows(min_row=2, values_only=True)]
    assert not any("练习题第1题（" in stem for stem in stems) and any(
        "练习题第3题（" in stem for stem in stems
    )
    auth.logout()
    auth.login("admin1")  # who sets the tests sees them whole
    assert "练习题第1题（" in client.get("/practice/reports/heat").get_data(as_text=True)


def test_a_cadre_may_not_see_the_heat_list(app, mistakes, auth, client):
    auth.login("10001")
    assert client.get("/practice/reports/heat").status_code == 403
    assert client.get("/practice/reports/heat/export.xlsx").status_code == 403


def test_the_heat_list_exports_to_excel(app, mistakes, in_app, auth, client):
    file_the_test(in_app)
    auth.login("admin1")
    response = client.get("/practice/reports/heat/export.xlsx?period=week")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    # 2026-04-15 is a Wednesday: this week began on Monday the 13th.
    assert (
        "2026-04-13" in response.headers["Content-Disposition"]
        and "2026-04-15" in response.headers["Content-Disposition"]
    )
    workbook = load_workbook(io.BytesIO(response.data))
    categories, questions = workbook["知识点"], workbook["答错的试题"]
    assert categories.freeze_panes == "A2" and questions.freeze_panes == "A2"  # the header stays in view
    assert [cell.value for cell in categories[2]] == ["国家安全法", 4, 6, pytest.approx(4 / 6)]
    assert categories["D2"].number_format == "0%"  # a number shown as a percentage: it sorts
    assert [cell.value for cell in questions[2]][:2] == ["国家安全法", "练习题第2题（ ）。"]
    assert [cell.value for cell in questions[2]][3:6] == [3, 4, 0.75] and questions[
        "F2"
    ].number_format == "0%"
    assert all(row[1] for row in questions.iter_rows(min_row=2, values_only=True))  # no totals among them


# ---- the challenge's board -------------------------------------------------------------------------


def play(in_app, username: str, started: datetime, rights: int) -> None:  # type: ignore[no-untyped-def]
    """A challenge started at `started`, answered right `rights` times a minute apart, then wrong."""

    def run(session, user):  # type: ignore[no-untyped-def]
        found = service.challenge(session, user, now=started)
        for n in range(rights + 1):
            at = started + timedelta(minutes=n + 1)
            assert service.answer(
                session, user, found.id, n, RIGHT if n < rights else WRONG, now=at
            ).correct == (n < rights)

    in_app(username, run)


def test_the_streak_board_ranks_each_persons_best_of_the_week_ties_to_whoever_was_first(
    app, org, bank, in_app
):
    monday = date(2026, 4, 13)
    monday_0010 = datetime(2026, 4, 12, 16, 10, tzinfo=UTC)  # 00:10 on Monday in Shanghai
    sunday_2330 = datetime(2026, 4, 12, 15, 30, tzinfo=UTC)  # the week before, locally
    play(in_app, "10002", monday_0010, 3)
    play(in_app, "10002", START, 1)
    play(in_app, "10001", START, 3)
    play(in_app, "20001", START + timedelta(hours=1), 5)
    play(in_app, "sec1", sunday_2330, 8)
    play(in_app, "admin1", START, 0)
    board = in_app("admin1", lambda s, u: reports.streak_board(s, week_start=monday))
    names = in_app("admin1", lambda s, u: {user.id: user.username for user in s.scalars(select(User))})
    assert [(row.rank, names[row.user_id], row.streak) for row in board] == [
        (1, "20001", 5),
        (2, "10002", 3),  # reached its 3 on Monday, before 10001 did
        (3, "10001", 3),
    ]
    assert board[1].reached_at == monday_0010 + timedelta(minutes=3)
    assert board[0].name == "张三"
    first = {org["first"].id, org["group"].id}
    scoped = in_app(
        "admin1", lambda s, u: reports.streak_board(s, week_start=monday, branch_ids=first, limit=1)
    )
    assert [names[row.user_id] for row in scoped] == ["10002"]
    last_week = in_app("admin1", lambda s, u: reports.streak_board(s, week_start=monday - timedelta(days=7)))
    assert [(names[row.user_id], row.streak) for row in last_week] == [("sec1", 8)]
