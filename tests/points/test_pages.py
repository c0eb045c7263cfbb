"""我的积分, the boards, their export and the administrators' rules and manual awards, through HTTP."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from openpyxl import load_workbook
from sqlalchemy import select

from studyhall import db
from studyhall.accounts import levels
from studyhall.accounts.models import AuditEvent, User
from studyhall.points import boards, mine, periods, service
from studyhall.points.models import Period, PointAward
from studyhall.points.periods import Span
from studyhall.points.service import RuleKey
from tests.conftest import PASSWORD, START

WEEK = Span(Period.WEEK, periods.start_of(Period.WEEK, START.date()))  # START's week


def client_for(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    client.post("/language", data={"lang": "en"})
    return client


def give(app, username: str, points: int, source: str, at=START) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        service.settle(session, user.id, RuleKey.MANUAL, source, points, at=at, reason="测试")
        session.commit()


def board_names(html: str) -> list[str]:
    body = html.split('id="board"')[1].split("</table>")[0]
    return re.findall(r'<td class="nowrap">([^<]+)</td><td class="nowrap">', body)


def test_signing_in_gives_the_days_point_once_and_my_points_shows_it(app, org, frozen_now):
    client = client_for(app, "10001")
    client_for(app, "10001")  # a second sign-in the same day
    client.get("/")
    page = client.get("/points/").get_data(as_text=True)
    assert 'data-rule="login"' in page and "1/1" in page
    frozen_now(START + timedelta(days=1))
    client.get("/")  # a session that outlived the night: the home page gives the new day's point
    with app.app_context(), db.new_session() as session:
        assert [a.source for a in session.scalars(select(PointAward).order_by(PointAward.at))] == [
            "day:2026-04-15",
            "day:2026-04-16",
        ]


def test_the_people_board_ranks_by_points_then_who_got_there_first_and_drops_the_departed(app, org):
    give(app, "20001", 5, "a", at=START + timedelta(minutes=2))
    give(app, "10002", 5, "a", at=START + timedelta(minutes=1))  # the same 5, reached first
    give(app, "10001", 7, "a")
    client = client_for(app, "10001")
    html = client.get("/points/board?period=week").get_data(as_text=True)
    assert board_names(html)[:3] == ["王建国", "李晓燕", "张三"]
    assert "place 1 (3 with points)" in html
    admin = client_for(app, "admin1")
    with app.app_context(), db.new_session() as session:
        leaver = session.scalars(select(User.id).where(User.username == "10002")).one()
    admin.post(f"/admin/users/{leaver}/active", data={"active": "0"})
    html = client.get("/points/board?period=week").get_data(as_text=True)
    assert "李晓燕" not in html and board_names(html)[:2] == ["王建国", "张三"]


def test_an_administrator_of_the_organisation_itself_is_on_no_board(app, org):
    admin = client_for(app, "admin1")  # in the 机关党委, above the 党支部; signing in gives a point
    give(app, "10001", 7, "a")
    mine = admin.get("/points/").get_data(as_text=True)
    assert 'id="not-ranked"' in mine and "place" not in mine.split('id="totals"')[1].split("</ul>")[0]
    board = admin.get("/points/board?period=week").get_data(as_text=True)
    assert board_names(board) == ["王建国"] and 'id="my-place"' not in board
    cadre = client_for(app, "10001").get("/points/").get_data(as_text=True)
    assert 'id="not-ranked"' not in cadre and "place 1 (1 with points)" in cadre


def test_the_last_page_of_a_board_counts_those_without_points_and_names_them_to_who_answers_for_them(
    app, org
):
    give(app, "10001", 7, "a")

    def without(username: str, query: str = "") -> str:
        html = client_for(app, username).get(f"/points/board?period=week{query}").get_data(as_text=True)
        return html.split('id="without-points"')[1].split("</section>")[0]

    # 书记甲, 李晓燕 and 张三 have none this week (signing in gives a point: as each signs in, below).
    cadre = without("10001")
    assert "Without points in this period: 3" in cadre and "李晓燕" not in cadre  # how many, not who
    admin = without("admin1")  # the administrator of the 机关党委 itself is on no board
    assert all(name in admin for name in ("书记甲", "李晓燕", "张三")) and "管理员" not in admin
    secretary = without("sec1")  # lands on 第一党支部
    assert "李晓燕" in secretary and "张三" not in secretary
    assert "张三" not in without("sec1", "&branch=")  # the whole organisation: how many only


def test_branch_boards_rank_by_the_average_per_member(app, org):
    give(app, "10001", 6, "a")
    give(app, "10002", 0, "a")
    give(app, "20001", 5, "a")
    # Read by the administrator, who is in no 党支部: signing in gives the day's point.
    html = client_for(app, "admin1").get("/points/board?board=branch&period=week").get_data(as_text=True)
    body = html.split('id="board"')[1]
    # 第一党支部: 书记甲, 王建国 and 李晓燕 (in its 党小组), 6 points: 2.0 each; 第二党支部: 5.0.
    assert body.index("第二党支部") < body.index("第一党支部")
    assert "<td>2.0</td><td>6</td><td>3</td>" in body and "<td>5.0</td><td>5</td><td>1</td>" in body
    with app.app_context(), db.new_session() as session:  # shown alone, a 党支部 keeps its place
        (alone,) = boards.branches(session, WEEK, levels.Level.BRANCH, within={org["first"].id})
        assert (alone.name, alone.rank) == ("第一党支部", 2)


def test_a_secretarys_export_holds_only_their_branch_names_it_and_a_cadre_cannot_export(app, org):
    give(app, "10001", 6, "a")
    give(app, "20001", 5, "a")
    for scope in ("", "&branch="):  # their default, or "the whole organisation": their branch either way
        response = client_for(app, "sec1").get(f"/points/board.xlsx?period=week{scope}")
        assert response.status_code == 200
        assert "第一党支部" in unquote(response.headers["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = [row[:2] + row[4:] for row in sheet.iter_rows(min_row=2, values_only=True)]
        # 张三 of 第二党支部 is not theirs; 书记甲 signed in: 1 point; 李晓燕 has none: listed, unranked.
        assert rows == [(1, "王建国", 6), (2, "书记甲", 1), (None, "李晓燕", 0)]
    assert client_for(app, "10001").get("/points/board.xlsx").status_code == 403


def test_a_manual_award_needs_a_reason_is_made_once_per_form_and_is_taken_back_by_a_new_row(app, org):
    admin = client_for(app, "admin1")
    form = admin.get("/admin/points/award").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', form).group(1)
    data = {"usernames": "10001, 20001", "points": "3", "reason": "", "token": token}
    assert admin.post("/admin/points/award", data=data).status_code == 200  # refused: no reason
    data["reason"] = "学习标兵"
    assert admin.post("/admin/points/award", data=data).status_code == 302
    assert admin.post("/admin/points/award", data=data).status_code == 302  # the same form again
    with app.app_context(), db.new_session() as session:
        manual = PointAward.source.like("manual:%")
        given = session.scalars(select(PointAward).where(manual).order_by(PointAward.id)).all()
        assert [(a.points, a.reason) for a in given] == [(3, "学习标兵"), (3, "学习标兵")]
    admin.post(f"/admin/points/awards/{given[0].id}/reverse", data={"reason": "录入错误"})
    admin.post(f"/admin/points/awards/{given[0].id}/reverse", data={"reason": "录入错误"})
    assert admin.post("/admin/points/award", data=data).status_code == 302  # the form, once more
    with app.app_context(), db.new_session() as session:
        manual = PointAward.source.like("manual:%")
        rows = session.execute(
            select(PointAward.seq, PointAward.points).where(manual).order_by(PointAward.id)
        ).all()
        assert [tuple(row) for row in rows] == [(0, 3), (0, 3), (1, -3)]
    mine = client_for(app, "10001").get("/points/").get_data(as_text=True)
    assert "学习标兵" in mine and "录入错误" in mine and "-3" in mine
    assert mine.count('<span class="tag">Correction</span>') == 1  # the reversal reads as one


def test_an_award_taken_back_later_is_taken_back_in_the_week_it_was_given(app, org, frozen_now):
    sunday_night = datetime(2026, 4, 19, 15, 50, tzinfo=UTC)  # 23:50 in Shanghai
    frozen_now(sunday_night)
    admin = client_for(app, "admin1")
    form = admin.get("/admin/points/award").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', form).group(1)
    data = {"usernames": "10001", "points": "500", "reason": "误录", "token": token}
    assert admin.post("/admin/points/award", data=data).status_code == 302
    frozen_now(sunday_night + timedelta(minutes=20))  # Monday 00:10: the next week
    with app.app_context(), db.new_session() as session:
        award_id = session.scalars(select(PointAward.id).where(PointAward.source.like("manual:%"))).one()
    admin.post(f"/admin/points/awards/{award_id}/reverse", data={"reason": "录入错误"})
    with app.app_context(), db.new_session() as session:
        cadre = session.scalars(select(User.id).where(User.username == "10001")).one()
        assert boards.standing(session, WEEK, cadre).points == 0
        next_week = Span(Period.WEEK, WEEK.start + timedelta(weeks=1))
        assert boards.standing(session, next_week, cadre).points == 0


def test_a_manual_award_with_its_rule_switched_off_is_refused_not_lost(app, org):
    with app.app_context(), db.new_session() as session:
        manual = service.rule(session, RuleKey.MANUAL)
        admin_user = session.scalars(select(User).where(User.username == "admin1")).one()
        service.edit_rule(session, admin_user, manual.id, service.RuleChange(0, None, None, False), now=START)
        session.commit()
    admin = client_for(app, "admin1")
    form = admin.get("/admin/points/award").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', form).group(1)
    data = {"usernames": "10001", "points": "3", "reason": "学习标兵", "token": token}
    response = admin.post("/admin/points/award", data=data)
    assert response.status_code == 200 and "Manual awards are switched off" in response.get_data(as_text=True)


def test_only_administrators_change_rules_and_a_change_is_a_new_version(app, org):
    with app.app_context(), db.new_session() as session:
        login_rule = service.rule(session, RuleKey.LOGIN)
        session.commit()
    change = {
        f"rule{login_rule.id}-{k}": v for k, v in {"points": "2", "daily_cap": "2", "enabled": "y"}.items()
    }
    assert (
        client_for(app, "10001").post(f"/admin/points/rules/{login_rule.id}", data=change).status_code == 403
    )
    assert (
        client_for(app, "admin1").post(f"/admin/points/rules/{login_rule.id}", data=change).status_code == 302
    )
    with app.app_context(), db.new_session() as session:
        changed = service.rule(session, RuleKey.LOGIN)
        assert (changed.points, changed.daily_cap, changed.version) == (2, 2, 2)
    # What the rule gives is read from its numbers, so a cadre never reads the old ones.
    assert "2 points each time, at most 2 a day" in client_for(app, "10001").get("/points/").get_data(
        as_text=True
    )


def test_the_rules_page_offers_only_what_each_rule_uses_and_shows_unbuilt_rules_as_coming(app, org):
    admin = client_for(app, "admin1")
    admin.post("/language", data={"lang": "zh_Hans_CN"})
    page = admin.get("/admin/points/").get_data(as_text=True)
    assert '<h2 id="rules-title">积分规则</h2>' in page

    def section(key: str) -> str:
        return page.split(f'id="rule-{key}"')[1].split('id="rule-')[0].split("</form>")[0]

    assert "-points" in section("login") and "-daily_cap" in section("login")
    exam = section("exam")
    assert "-points" not in exam and "-daily_cap" in exam and "-weekly_cap" in exam and "-enabled" in exam
    manual = section("manual")
    assert "-points" not in manual and "-daily_cap" not in manual and "-enabled" in manual
    plan_item = section("plan_item")  # each item sets its points
    assert "-points" not in plan_item and "-daily_cap" in plan_item and "-enabled" in plan_item
    reflection = section("reflection")  # an approved reflection's points, capped weekly
    assert "-points" in reflection and "-weekly_cap" in reflection and "-enabled" in reflection
    meeting = section("meeting")  # attending a recorded 三会一课 meeting
    assert "-points" in meeting and "-daily_cap" in meeting and "-enabled" in meeting
    for key in ("practice", "practice_weekly", "practice_topic", "challenge"):  # a point a right answer
        assert "-points" in section(key) and "-enabled" in section(key)
    coming = page.split('id="rule-reading"')[0].rsplit("<", 1)[1] + section("reading")
    assert coming.startswith("div") and "即将推出" in coming and "<input" not in coming


def test_saving_the_exam_rule_keeps_its_points_and_an_unbuilt_rule_cannot_be_switched_on(app, org):
    with app.app_context(), db.new_session() as session:
        exam, reading = service.rule(session, RuleKey.EXAM), service.rule(session, RuleKey.READING)
        session.commit()
        exam_id, reading_id, exam_points = exam.id, reading.id, exam.points
    admin = client_for(app, "admin1")
    caps = {f"rule{exam_id}-daily_cap": "20", f"rule{exam_id}-enabled": "y"}
    assert admin.post(f"/admin/points/rules/{exam_id}", data=caps).status_code == 302
    switch_on = {f"rule{reading_id}-points": "1", f"rule{reading_id}-enabled": "y"}
    refused = admin.post(f"/admin/points/rules/{reading_id}", data=switch_on, follow_redirects=True)
    assert "not available yet" in refused.get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        exam = service.rule(session, RuleKey.EXAM)
        assert (exam.points, exam.daily_cap, exam.enabled) == (exam_points, 20, True)
        assert not service.rule(session, RuleKey.READING).enabled


def test_a_place_counts_those_with_points_as_someone_without_points_ranks_after_them(app, org):
    give(app, "10001", 7, "a")
    give(app, "10002", 5, "a")
    with app.app_context(), db.new_session() as session:  # no sign-in point: 20001 stays without points
        login_rule = service.rule(session, RuleKey.LOGIN)
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        service.edit_rule(session, admin, login_rule.id, service.RuleChange(1, 1, None, False), now=START)
        session.commit()
    newcomer = client_for(app, "20001")
    newcomer.post("/language", data={"lang": "zh_Hans_CN"})
    totals = newcomer.get("/points/").get_data(as_text=True).split('id="totals"')[1].split("</ul>")[0]
    assert "全单位第 3 名（上榜 2 人）" in totals and "共" not in totals
    leader = client_for(app, "10001")
    leader.post("/language", data={"lang": "zh_Hans_CN"})
    board = leader.get("/points/board?period=week").get_data(as_text=True)
    assert "你：7 分，第 1 名（上榜 2 人）。" in board


def test_query_arguments_that_name_url_fors_own_keywords_do_not_break_a_page_or_its_links(app, org):
    admin = client_for(app, "admin1")
    for query in ("endpoint=1", "_method=POST", "_external=1&_scheme=https", "_anchor=x", "values=1"):
        page = admin.get(f"/points/board?{query}")
        assert page.status_code == 200, query
        assert "https://" not in page.get_data(as_text=True) and "#x" not in page.get_data(as_text=True)
    # Lists with a pager: tests/test_pagination.py walks each with such arguments.


def test_a_secretary_opens_the_boards_on_their_own_branch_and_may_still_choose_the_whole_organisation(
    app, org
):
    give(app, "10001", 6, "a")
    give(app, "20001", 5, "a")
    secretary = client_for(app, "sec1")
    own = secretary.get("/points/board?period=week").get_data(as_text=True)
    assert "张三" not in board_names(own) and "王建国" in board_names(own)
    assert f'<option value="{org["first"].id}" selected>' in own
    everyone = secretary.get("/points/board?period=week&branch=").get_data(as_text=True)
    assert {"王建国", "张三"} <= set(board_names(everyone))
    # The tabs keep the choice of the whole organisation rather than falling back to the branch.
    assert re.search(r'href="/points/board\?[^"]*board=xxqg[^"]*branch=(&|")', everyone)
    branches = secretary.get("/points/board?board=branch&period=week").get_data(as_text=True)
    assert "第二党支部" in branches.split('id="board"')[1]  # the 党支部 board compares them all
    for others in ("10001", "admin1"):
        assert {"王建国", "张三"} <= set(
            board_names(client_for(app, others).get("/points/board?period=week").get_data(as_text=True))
        )


def rule_form(rule_id: int, **values: str) -> dict[str, str]:
    return {f"rule{rule_id}-{key}": value for key, value in values.items()}


def login_rule_id(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        found = service.rule(session, RuleKey.LOGIN)
        session.commit()
        return found.id


def field_error(page: str, rule_id: int, name: str) -> str:
    """The error shown under one field of one rule's form ('' if none)."""
    found = re.search(rf'id="rule{rule_id}-{name}-error">([^<]*)<', page)
    return found.group(1) if found else ""


def test_caps_that_would_give_nothing_or_less_than_one_action_are_refused_on_their_field(app, org):
    rule_id = login_rule_id(app)
    admin = client_for(app, "admin1")
    refused = [  # (points, daily cap, weekly cap), the field at fault and what it says
        (("3", "2", ""), "daily_cap", "At least the points per action (3)"),
        (("1", "", "0"), "weekly_cap", "A cap of 0 gives nothing"),
        (("1", "0", ""), "daily_cap", "A cap of 0 gives nothing"),
        (("2", "5", "3"), "weekly_cap", "At least the daily cap (5)"),
        (("0", "", ""), "points", "0 points gives nothing"),
    ]
    for (points, daily, weekly), name, message in refused:
        data = rule_form(rule_id, points=points, daily_cap=daily, weekly_cap=weekly, enabled="y")
        page = admin.post(f"/admin/points/rules/{rule_id}", data=data)
        assert page.status_code == 200, data
        html = page.get_data(as_text=True)
        assert field_error(html, rule_id, name).startswith(message), (data, html)
        assert "was not saved" in html
    with app.app_context(), db.new_session() as session:
        assert service.rule(session, RuleKey.LOGIN).version == 1  # none of them saved
    # Out of use, the rule gives nothing anyway: its numbers are checked when it is put in use.
    off = rule_form(rule_id, points="3", daily_cap="2")
    assert admin.post(f"/admin/points/rules/{rule_id}", data=off).status_code == 302
    on = admin.post(f"/admin/points/rules/{rule_id}", data={**off, f"rule{rule_id}-enabled": "y"})
    on_error = field_error(on.get_data(as_text=True), rule_id, "daily_cap")
    assert on_error.startswith("At least the points per action")
    with app.app_context(), db.new_session() as session:
        kept = service.rule(session, RuleKey.LOGIN)
        assert (kept.version, kept.points, kept.daily_cap, kept.enabled) == (2, 3, 2, False)


def test_saving_a_rule_unchanged_makes_no_version_and_no_audit_entry(app, org):
    rule_id = login_rule_id(app)
    admin = client_for(app, "admin1")
    same = rule_form(rule_id, points="1", daily_cap="1", enabled="y")  # as shipped
    page = admin.post(f"/admin/points/rules/{rule_id}", data=same, follow_redirects=True)
    assert "Nothing changed" in page.get_data(as_text=True)
    with app.app_context(), db.new_session() as session:
        assert service.rule(session, RuleKey.LOGIN).version == 1
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "points.rule")).all() == []


def test_my_points_cards_say_done_for_today_by_result_and_when_the_weeks_cap_is_reached(app, org, frozen_now):
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        login = service.rule(session, RuleKey.LOGIN)
        service.edit_rule(session, admin, login.id, service.RuleChange(1, 1, 1, True), now=START)
        session.commit()
    cadre = client_for(app, "10001")  # Wednesday's sign-in: 1/1 today, the week's 1 reached

    def card(key: str) -> str:
        page = cadre.get("/points/").get_data(as_text=True)
        return page.split(f'data-rule="{key}">')[1].split("</li>")[0]

    today = card("login")
    assert "1/1" in today and "Done for today" in today and "Earn here" not in today
    exam = card("exam")
    assert '<strong class="point-card-score">0</strong> <span class="point-card-max">by result</span>' in exam
    assert "Earn here" in exam
    frozen_now(START + timedelta(days=1))
    cadre.get("/")  # Thursday: the sign-in gives nothing, the week's cap being reached
    thursday = card("login")
    assert "0/1" in thursday and "Weekly cap reached: nothing more until Monday" in thursday
    assert "Earn here" not in thursday


def test_a_rules_text_reads_as_one_sentence_with_its_numbers(app, org):
    cadre = app.test_client()
    cadre.post("/login", data={"username": "10001", "password": PASSWORD})
    page = cadre.get("/points/").get_data(as_text=True)  # in Chinese, as a cadre reads it
    assert "每日首次登录。每次 1 分，每日上限 1 分。" in page
    admin = app.test_client()
    admin.post("/login", data={"username": "admin1", "password": PASSWORD})
    rules = admin.get("/admin/points/").get_data(as_text=True)
    assert "每有效阅读一篇。每次 1 分，每日上限 6 分。相应功能上线后即可启用。" in rules
    exam = rules.split('id="rule-exam"')[1].split("</form>")[0]
    assert "此处只设上限及是否使用。" in exam and "积分在每场测试中设定" not in exam


def test_the_board_links_the_readers_place_to_the_page_that_holds_it(app, org, people):
    for n in range(60):
        people.user(f"3{n:04d}", branch=org["second"], name=f"干警{n:02d}")
        give(app, f"3{n:04d}", 100 - n, "a")
    give(app, "10001", 2, "a")  # behind all 60 and, signing in, 3 points: place 61
    cadre = client_for(app, "10001")
    first = cadre.get("/points/board?period=week").get_data(as_text=True)
    assert "place 61" in first
    link = re.search(r'<a id="my-page" href="([^"]+)">See my row, on page 2</a>', first)
    assert link and "page=2" in link.group(1) and link.group(1).endswith("#my-row")
    second = cadre.get(link.group(1).replace("&amp;", "&").split("#")[0]).get_data(as_text=True)
    assert '<tr class="me" id="my-row">' in second and 'id="my-page"' not in second


def test_a_past_period_is_headed_by_its_dates_and_the_group_board_speaks_of_groups(app, org):
    cadre = app.test_client()
    cadre.post("/login", data={"username": "10001", "password": PASSWORD})
    week = cadre.get("/points/board?period=week&start=2026-03-04").get_data(as_text=True)
    assert "<h1>积分榜 · 人员 · 2026年3月2日至3月8日</h1>" in week
    month = cadre.get("/points/board?period=month&start=2026-03-04").get_data(as_text=True)
    assert "2026年3月</h1>" in month
    groups = cadre.get("/points/board?board=group&period=week").get_data(as_text=True)
    footnote = groups.split("</table>")[1]
    assert "人少的党小组也能公平比较" in footnote and "支部" not in footnote.replace("党小组", "")


def test_the_home_pages_points_give_today_and_this_week_and_the_way_to_my_points(app, org):
    give(app, "10001", 4, "last week", at=START - timedelta(days=7))
    give(app, "10001", 5, "tuesday", at=START - timedelta(days=1))
    give(app, "10001", 2, "today")
    with app.app_context(), db.new_session() as session:
        cadre = session.scalars(select(User).where(User.username == "10001")).one()
        glance = mine.glance(session, cadre, now=START)
    assert glance == mine.Glance(today=2, week=7)
    home = client_for(app, "10001").get("/").get_data(as_text=True)  # signing in gives today's point
    assert 'Today <strong data-period="day">3</strong> pts' in home
    assert 'This week <strong data-period="week">8</strong> pts' in home and 'href="/points/"' in home


def test_a_sent_award_form_is_not_added_to_with_other_numbers_and_nobody_awards_themselves(app, org):
    admin = client_for(app, "admin1")
    form = admin.get("/admin/points/award").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', form).group(1)
    first = {"usernames": "10001", "points": "3", "reason": "学习标兵", "token": token}
    assert admin.post("/admin/points/award", data=first).status_code == 302
    again = {**first, "usernames": "20001", "points": "-50", "reason": "另一件事"}  # Back, edit, send
    refused = admin.post("/admin/points/award", data=again).get_data(as_text=True)
    assert "This form was sent already" in refused
    fresh = admin.get("/admin/points/award").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', fresh).group(1)
    own = {"usernames": "admin1", "points": "5", "reason": "自评", "token": token}
    assert "Nobody awards points to themselves" in admin.post("/admin/points/award", data=own).get_data(
        as_text=True
    )
    with app.app_context(), db.new_session() as session:
        given = (
            session.execute(select(PointAward.points).where(PointAward.source.like("manual:%")))
            .scalars()
            .all()
        )
        assert given == [3]
