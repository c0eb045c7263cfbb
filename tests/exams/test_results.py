"""Results and analysis: item and test statistics on attempts driven through the API, the flagged
question, contest ranking, regrading after a key is fixed, and branch averages and participation."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from studyhall import clock, db
from studyhall.accounts.models import AuditEvent, User
from studyhall.banks.models import Question
from studyhall.exams import export, regrade, reports
from studyhall.exams.analysis import analyse, branch_results
from studyhall.exams.models import Attempt, AttemptItem, Exam
from studyhall.exams.setup import RuleSpec
from studyhall.exams.statistics import question_statistics, test_statistics
from tests.conftest import START
from tests.exams.test_attempts import answer_all_correctly, by_type, letter_of, save, sign_in, start
from tests.exams.test_statistics import item_statistics

MAX_SCORES = [2, 4, 2, 2]  # make_exam's paper: T-001 single, T-002 multiple, T-003 judge, T-004 blank
RIGHT_MULTIPLE = ["保守所知悉的国家秘密", "及时报告危害国家安全活动的线索", "为国家安全工作提供便利"]


@contextmanager
def database(app) -> Iterator:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        yield session


def sit(
    app,
    username: str,
    exam_id: int,
    *,
    single: str | None = None,
    multiple: list[str] | None = None,
    judge: bool | None = None,
    blanks: list[str] | None = None,
) -> int:
    """One cadre takes the test through the API with these answers (option texts, not letters) and submits."""
    client = sign_in(app, username)
    state = start(client, exam_id).get_json()
    questions = by_type(state)
    if single is not None:
        save(
            client,
            state["attempt"],
            questions["single"]["position"],
            [letter_of(questions["single"], single)],
            1,
        )
    if multiple is not None:
        letters = [letter_of(questions["multiple"], text) for text in multiple]
        save(client, state["attempt"], questions["multiple"]["position"], letters, 1)
    if judge is not None:
        save(client, state["attempt"], questions["judge"]["position"], judge, 1)
    if blanks is not None:
        save(client, state["attempt"], questions["blank"]["position"], blanks, 1)
    assert client.post(f"/api/attempts/{state['attempt']}/submit").status_code == 200
    return state["attempt"]


@pytest.fixture
def known(app, make_exam, cadres):  # type: ignore[no-untyped-def]
    """Six attempts whose marks are known. The key of the judge question (T-003, 对) is what the
    strong candidates got "wrong": its discrimination is negative.

                 single multiple judge blank   total
        10001       2      4       0     2       8
        10002       2      4       0     1       7
        10003       2      0       0     0       2
        10004       0      0       2     0       2
        10005       0      0       2     0       2
        10006       2      0       0     0       2   (did not answer the judge question)
    """
    exam_id = make_exam()
    sit(
        app,
        "10001",
        exam_id,
        single="4月15日",
        multiple=RIGHT_MULTIPLE,
        judge=False,
        blanks=["四月十五日", "总体国家安全观"],
    )
    sit(
        app,
        "10002",
        exam_id,
        single="4月15日",
        multiple=RIGHT_MULTIPLE,
        judge=False,
        blanks=["4月15日", "不知道"],
    )
    sit(app, "10003", exam_id, single="4月15日", multiple=["向境外机构出售情报"], judge=False)
    sit(app, "10004", exam_id, single="3月15日", multiple=["保守所知悉的国家秘密"], judge=True)
    sit(app, "10005", exam_id, single="10月1日", judge=True, blanks=["", ""])
    sit(app, "10006", exam_id, single="4月15日")
    return exam_id


KNOWN_MARKS = [[2, 4, 0, 2], [2, 4, 0, 1], [2, 0, 0, 0], [0, 0, 2, 0], [0, 0, 2, 0], [2, 0, 0, 0]]


def test_analysis_figures_are_those_of_the_statistics_module(app, known):
    with database(app) as session:
        exam = session.get(Exam, known)
        analysis = analyse(session, exam)
    assert analysis.totals == [8, 7, 2, 2, 2, 2]
    assert analysis.same_paper and analysis.alpha_note == ""
    assert analysis.test == test_statistics(KNOWN_MARKS)
    assert analysis.test.cronbach_alpha is not None
    expected = item_statistics(KNOWN_MARKS, MAX_SCORES)
    assert [q.question.external_id for q in analysis.questions] == ["T-001", "T-002", "T-003", "T-004"]
    for question, figures in zip(analysis.questions, expected, strict=True):
        assert question.attempts == 6
        assert question.statistics.facility == pytest.approx(figures.facility)
        for name in ("discrimination", "discriminative_efficiency"):
            mine, theirs = getattr(question.statistics, name), getattr(figures, name)
            assert (mine is None and theirs is None) or mine == pytest.approx(theirs)
    # Histogram: ten bands of one mark on a ten-mark test.
    assert [count for _low, _high, count in analysis.bands] == [0, 0, 4, 0, 0, 0, 0, 1, 1, 0]


def test_a_question_with_negative_discrimination_is_flagged_check_the_key(app, client, auth, known):
    with database(app) as session:
        analysis = analyse(session, session.get(Exam, known))
    assert [q.question.external_id for q in analysis.flagged] == ["T-003"]
    assert analysis.flagged[0].statistics.discrimination < 0
    auth.login("admin1")
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/admin/exams/{known}/analysis").get_data(as_text=True)
    flagged = re.findall(r'data-lineage="(\w+)" data-flagged="yes"', page)
    assert flagged == [analysis.flagged[0].lineage] and "check the key" in page
    assert '<svg id="histogram-chart"' in page and '<title id="histogram-chart-title">' in page
    assert '<desc id="branches-chart-desc">' in page and 'id="histogram-table"' in page


def test_facility_and_the_other_item_figures_read_as_percentages(app, client, auth, known):
    with database(app) as session:
        analysis = analyse(session, session.get(Exam, known))
    auth.login("admin1")
    page = client.get(f"/admin/exams/{known}/analysis").get_data(as_text=True)
    row = page.split(f'data-lineage="{analysis.questions[0].lineage}"')[1].split("</tr>")[0]
    facility = analysis.questions[0].statistics.facility
    assert f'<td class="nowrap">{facility:.1f}%</td>' in row


def test_drawn_papers_get_statistics_per_question_over_the_attempts_that_had_it_against_the_total_and_no_alpha(
    app, make_exam, world, cadres
):
    with database(app) as session:
        bank_id = session.scalars(select(Question.bank_id)).first()
    exam_id = make_exam(items=[], rules=[RuleSpec(bank_id=bank_id, count=2, score=2)])
    for username in ("10001", "10002", "10003", "10004", "10005"):
        client = sign_in(app, username)
        state = start(client, exam_id).get_json()
        for question in state["questions"]:  # right on judge questions only, nothing else
            if question["type"] == "judge":
                save(client, state["attempt"], question["position"], True, 1)
        client.post(f"/api/attempts/{state['attempt']}/submit")
    with database(app) as session:
        analysis = analyse(session, session.get(Exam, exam_id))
        attempts = session.scalars(select(Attempt).where(Attempt.exam_id == exam_id)).all()
        rows = {a.id: {i.lineage: i.awarded for i in a.items} for a in attempts}
    assert not analysis.same_paper and analysis.alpha_note == "papers_differ"
    assert analysis.test.cronbach_alpha is None
    totals = [math.fsum(row.values()) for row in rows.values()]
    assert analysis.test.mean == pytest.approx(sum(totals) / 5)
    assert sum(q.attempts for q in analysis.questions) == 10  # two questions on each of five papers
    for question in analysis.questions:
        had = [row for row in rows.values() if question.lineage in row]
        assert question.attempts == len(had)
        # As Moodle for a random slot's questions: against the whole total, not the rest of the test.
        marks, totals = [row[question.lineage] for row in had], [math.fsum(row.values()) for row in had]
        assert question.drawn
        assert question.statistics == question_statistics(marks, totals, 2)
    admin = sign_in(app, "admin1")
    admin.post("/language", data={"lang": "en"})
    page = admin.get(f"/admin/exams/{exam_id}/analysis").get_data(as_text=True)
    assert set(re.findall(r'data-against="(\w+)"', page)) == {"total"}
    assert "drawn</span>" in page and "use the whole total" in page


def test_analysis_page_shows_moodles_skewness_kurtosis_error_ratio_and_standard_error(
    app, client, auth, known
):
    with database(app) as session:
        analysis = analyse(session, session.get(Exam, known))
    figures = test_statistics(KNOWN_MARKS)
    assert analysis.test == figures
    auth.login("admin1")
    client.post("/language", data={"lang": "zh_Hans_CN"})
    page = client.get(f"/admin/exams/{known}/analysis").get_data(as_text=True)
    for name, value in [
        ("skewness", figures.skewness),
        ("kurtosis", figures.kurtosis),
        ("error-ratio", figures.error_ratio),
        ("standard-error", figures.standard_error),
    ]:
        shown = re.search(rf'<dd id="{name}" data-value="([^"]*)">', page)
        assert shown and float(shown.group(1)) == pytest.approx(value), name
    assert "偏度" in page and "峰度" in page and "误差率" in page and "测量标准误" in page
    # A hand-picked paper: every question against the rest of the test, none marked drawn.
    assert set(re.findall(r'data-against="(\w+)"', page)) == {"rest"}
    assert not any(question.drawn for question in analysis.questions)


def test_a_contest_ranks_by_score_then_time_used(app, make_exam, frozen_now):
    exam_id = make_exam(mode="contest", shuffle_questions=False)
    clients = {name: sign_in(app, name) for name in ("10001", "10002")}
    states = {name: start(client, exam_id).get_json() for name, client in clients.items()}
    for name, client in clients.items():
        answer_all_correctly(client, states[name])
    frozen_now(START + timedelta(minutes=3))
    clients["10002"].post(f"/api/attempts/{states['10002']['attempt']}/submit")
    frozen_now(START + timedelta(minutes=5))
    clients["10001"].post(f"/api/attempts/{states['10001']['attempt']}/submit")
    with database(app) as session:
        rows = reports.results(session, session.get(Exam, exam_id))
    ranked = reports.ranking(rows)
    assert [(entry.rank, entry.row.user.username, entry.row.time_used) for entry in ranked] == [
        (1, "10002", 180),
        (2, "10001", 300),
    ]
    admin = sign_in(app, "admin1")
    page = admin.get(f"/admin/exams/{exam_id}/results").get_data(as_text=True)
    assert re.findall(r'data-rank="(\d+)" data-username="(\d+)"', page) == [("1", "10002"), ("2", "10001")]
    assert '<td class="nowrap">3 分 0 秒</td>' in page and '<td class="nowrap">5 分 0 秒</td>' in page
    workbook = load_workbook(io.BytesIO(admin.get(f"/admin/exams/{exam_id}/results.xlsx").data))
    ranking_sheet = workbook.worksheets[1]  # after the results sheet
    assert [row[:3] for row in ranking_sheet.iter_rows(min_row=2, values_only=True)] == [
        (1, "李晓燕", "10002"),
        (2, "王建国", "10001"),
    ]


def result_row(username: str, score: float, seconds: int):  # type: ignore[no-untyped-def]
    user = User(username=username, display_name=username)
    attempt = Attempt(number=1, score=score, state="submitted")
    return reports.ResultRow(attempt, user, "", seconds, counted=True)


def test_ranking_puts_score_first_then_time_and_ties_share_a_rank():
    rows = [
        result_row("a", 8, 100),
        result_row("b", 10, 300),
        result_row("c", 10, 200),
        result_row("d", 10, 200),
        result_row("e", 8, 50),
    ]
    rows.append(
        reports.ResultRow(
            Attempt(number=2, score=10, state="submitted"), User(username="a"), "", 10, counted=False
        )
    )  # not the counted attempt: not ranked
    assert [(entry.rank, entry.row.user.username) for entry in reports.ranking(rows)] == [
        (1, "c"),
        (1, "d"),
        (3, "b"),
        (4, "e"),
        (5, "a"),
    ]


def test_regrade_dry_run_lists_exactly_the_changing_scores_and_applying_changes_them(app, known, world):
    with database(app) as session:
        exam = session.get(Exam, known)
        judge = session.scalars(select(Question).where(Question.external_id == "T-003")).one()
        lineage, old_version_id = judge.lineage, judge.id
        plan = regrade.regrade_preview(session, exam, lineage, False)
        assert not session.new and not session.dirty  # a dry run writes nothing
    expected = [("10001", 8, 10), ("10002", 7, 9), ("10003", 2, 4), ("10004", 2, 0), ("10005", 2, 0)]
    assert [(c.username, c.old_score, c.new_score) for c in plan.changes] == expected
    assert (plan.regraded, plan.in_progress, plan.skipped) == (6, 0, 0)
    with database(app) as session:
        exam = session.get(Exam, known)
        admin = session.get(User, world["admin"].id)
        items = session.scalars(select(AttemptItem).where(AttemptItem.exam_id == known)).all()  # held
        done = regrade.apply_regrade(session, admin, exam, lineage, False, now=clock.now())
        session.commit()
        # The items this session holds show the marks the regrade wrote, as a page would read them.
        written = select(AttemptItem.id, AttemptItem.awarded).where(AttemptItem.exam_id == known)
        assert {item.id: item.awarded for item in items} == {
            row.id: row.awarded for row in session.execute(written)
        }
    assert [(c.username, c.old_score, c.new_score) for c in done.changes] == expected
    with database(app) as session:
        scores = dict(
            session.execute(
                select(User.username, Attempt.score)
                .join(Attempt, Attempt.user_id == User.id)
                .where(Attempt.exam_id == known)
            ).all()
        )
        assert scores == {"10001": 10, "10002": 9, "10003": 4, "10004": 0, "10005": 0, "10006": 2}
        versions = session.scalars(
            select(Question).where(Question.lineage == lineage).order_by(Question.version)
        ).all()
        assert [(q.version, q.current, q.answer) for q in versions] == [(1, False, True), (2, True, False)]
        assert versions[0].id == old_version_id  # the old version is kept
        pointed = set(session.scalars(select(AttemptItem.question_id).where(AttemptItem.lineage == lineage)))
        assert pointed == {versions[1].id}
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "exam.regrade")).one()
        assert len(audit.detail["changes"]) == 5
        analysis = analyse(session, session.get(Exam, known))
    assert not analysis.flagged


def test_the_fix_key_page_previews_then_regrades(app, client, auth, known):
    with database(app) as session:
        lineage = session.scalars(select(Question.lineage).where(Question.external_id == "T-003")).one()
    auth.login("admin1")
    client.post("/language", data={"lang": "en"})
    url = f"/admin/exams/{known}/questions/{lineage}/key"
    assert 'value="正确"' in client.get(url).get_data(
        as_text=True
    )  # the current key, as the bank editor writes it
    assert client.post(url, data={"answer": "也许"}).status_code == 422
    preview = client.post(url, data={"answer": "错"}).get_data(as_text=True)
    changes = re.findall(r'data-username="(\d+)" data-old="([\d.]+)" data-new="([\d.]+)"', preview)
    assert changes == [
        ("10001", "8.0", "10.0"),
        ("10002", "7.0", "9.0"),
        ("10003", "2.0", "4.0"),
        ("10004", "2.0", "0.0"),
        ("10005", "2.0", "0.0"),
    ]
    with database(app) as session:  # nothing changed yet
        scores = session.scalars(select(Attempt.score).where(Attempt.exam_id == known).order_by(Attempt.id))
        assert scores.all() == [8, 7, 2, 2, 2, 2]
    confirmed = client.post(url, data={"answer": "错", "confirm": "1"})
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith(
        f"/admin/exams/{known}/analysis"
    )
    with database(app) as session:
        assert session.scalars(
            select(Attempt.score).where(Attempt.exam_id == known).order_by(Attempt.id)
        ).all() == [10, 9, 4, 0, 0, 2]
    assert client.get(f"/admin/exams/{known}/questions/nosuchlineage/key").status_code == 404


def test_branch_averages_and_participation_use_each_persons_counted_attempt(app, people, world, make_exam):
    second = people.branch("第二党支部", world["root"])
    group = people.branch("第一党小组", world["first"])
    people.user("10003", branch=group)  # in 第一党支部 through its group; does not start
    people.user("20001", branch=second)
    people.user("20002", branch=second)  # does not start
    exam_id = make_exam(branch_ids=[world["first"].id, second.id], attempts_allowed=2, grading="highest")
    sit(app, "10001", exam_id, judge=True)  # 2, then a better second attempt: 2 + 2 = 4 counts
    sit(app, "10001", exam_id, judge=True, single="4月15日")
    sit(app, "10002", exam_id, single="4月15日", multiple=RIGHT_MULTIPLE)  # 6
    sit(app, "20001", exam_id, blanks=["4月15日", "总体国家安全观"])  # 2
    with database(app) as session:
        rows = branch_results(session, session.get(Exam, exam_id))
    assert [(row.branch.name, row.audience, row.participants, row.average) for row in rows] == [
        ("第一党支部", 3, 2, 5.0),
        ("第二党支部", 2, 1, 2.0),
    ]
    assert rows[0].participation == pytest.approx(200 / 3) and rows[1].participation == 50


def test_the_result_page_shows_time_used_questions_correct_and_the_contest_rank(app, make_exam, frozen_now):
    exam_id = make_exam(mode="contest")
    clients = {name: sign_in(app, name) for name in ("10001", "10002")}
    states = {name: start(client, exam_id).get_json() for name, client in clients.items()}
    for name, client in clients.items():
        answer_all_correctly(client, states[name])
    judge = by_type(states["10001"])["judge"]["position"]
    save(clients["10001"], states["10001"]["attempt"], judge, False, 2)  # one wrong
    frozen_now(START + timedelta(minutes=3))
    clients["10002"].post(f"/api/attempts/{states['10002']['attempt']}/submit")
    frozen_now(START + timedelta(minutes=5, seconds=7))
    clients["10001"].post(f"/api/attempts/{states['10001']['attempt']}/submit")

    page = clients["10001"].get(f"/attempts/{states['10001']['attempt']}/result").get_data(as_text=True)
    assert 'id="time-used" data-seconds="307">5 分 7 秒<' in page
    assert 'data-correct="3"' in page and "3 题（共 4 题）" in page
    assert 'data-rank="2"' in page and "第 2 名（共 2 人）" in page
    first = clients["10002"].get(f"/attempts/{states['10002']['attempt']}/result").get_data(as_text=True)
    assert 'data-correct="4"' in first and 'data-rank="1"' in first


def test_time_used_reads_in_seconds_under_a_minute_then_minutes_and_past_an_hour_in_hours_too(app):
    with app.test_request_context():
        assert [export.duration_text(s) for s in (None, 0, 59, 307, 3723, 3605)] == [
            "—",
            "0 秒",
            "59 秒",
            "5 分 7 秒",
            "1 小时 2 分 3 秒",
            "1 小时 0 分 5 秒",
        ]


def test_the_result_page_of_a_test_that_hides_scores_shows_time_used_only(app, make_exam, frozen_now):
    exam_id = make_exam(mode="contest", show_score=False)
    client = sign_in(app, "10001")
    state = start(client, exam_id).get_json()
    answer_all_correctly(client, state)
    frozen_now(START + timedelta(minutes=2))
    client.post(f"/api/attempts/{state['attempt']}/submit")
    page = client.get(f"/attempts/{state['attempt']}/result").get_data(as_text=True)
    assert 'data-seconds="120"' in page
    assert 'id="correct"' not in page and 'id="rank"' not in page


def test_the_results_export_is_named_after_the_test_and_its_day_with_seconds_and_a_pass_column(
    app, make_exam
):
    exam_id = make_exam(title="国家安全/保密知识测试", pass_mark=6)
    sit(app, "10001", exam_id, single="4月15日", multiple=RIGHT_MULTIPLE, judge=True)  # 8 points
    sit(app, "10002", exam_id, single="4月15日")  # 2 points
    admin = sign_in(app, "admin1")  # reading Chinese, the default
    download = admin.get(f"/admin/exams/{exam_id}/results.xlsx")
    name = quote("国家安全_保密知识测试 成绩 2026-04-15.xlsx", safe="")
    assert download.headers["Content-Disposition"] == (
        f"attachment; filename=exam-{exam_id}-results-2026-04-15.xlsx; filename*=UTF-8''{name}"
    )
    table = list(load_workbook(io.BytesIO(download.data)).active.iter_rows(values_only=True))
    header = table[0]
    assert "用时（秒）" in header and "及格" in header
    by_person = {row[header.index("工号")]: row for row in table[1:]}
    assert by_person["10001"][header.index("及格")] == "是"
    assert by_person["10002"][header.index("及格")] == "否"
    assert by_person["10002"][header.index("用时（秒）")] == 0  # a number: sit() submits at once
