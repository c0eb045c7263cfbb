"""What a cadre studies: 本周学习 on the home page (items with state, due time and points, the
ring, what is overdue), each kind's item page, "我已学习" once with its points, earlier weeks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.banks import service as banks
from studyhall.banks.formats import parse_file
from studyhall.errors import DomainError
from studyhall.exams import setup
from studyhall.exams.models import Answer, Attempt, AttemptState, Exam
from studyhall.exams.setup import ExamSpec
from studyhall.plans import service
from studyhall.plans.models import ItemKind, PlanItem, PlanPeriod, Progress, ProgressState
from studyhall.plans.service import ItemSpec
from studyhall.points.models import PointAward
from tests.banks.helpers import SAMPLE, sheet_rows, xlsx
from tests.conftest import PASSWORD, START
from tests.plans.conftest import MONDAY, SUNDAY_2200, joined, read, signed_in

LAST_MONDAY = MONDAY - timedelta(weeks=1)


def done_by(app, username: str, item_id: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        person = session.scalars(select(User).where(User.username == username)).one()
        service.mark_done(session, person, session.get(PlanItem, item_id), now=START)
        session.commit()


def awards(session, username: str) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    person = session.scalars(select(User).where(User.username == username)).one()
    given = select(PointAward).where(
        PointAward.user_id == person.id, PointAward.source.startswith("plan_item:")
    )
    return [(award.source, award.points) for award in session.scalars(given)]


def test_the_home_page_shows_this_weeks_items_the_ring_and_what_is_overdue(app, make_plan):
    _plan, (first, _second, _third) = make_plan(
        [
            read("宪法第一章", points=2),
            read("宪法第三章", points=3),
            read("周三前读完", due=START - timedelta(hours=2)),
        ]
    )
    joined(app, START - timedelta(weeks=4))
    last_sunday = SUNDAY_2200 - timedelta(weeks=1)
    make_plan(
        [read("上周未完成", due=last_sunday), read("上周已完成", due=last_sunday)],
        start=LAST_MONDAY,
        theme="上周主题",
    )
    _draft, _ = make_plan([read("草稿里的文章")], publish=False, theme="草稿")
    with app.app_context(), db.new_session() as session:
        last_week = [
            mine.item.id
            for mine in service.week_of(
                session,
                session.scalars(select(User).where(User.username == "10001")).one(),
                LAST_MONDAY,
                now=START,
            )
        ]
    done_by(app, "10001", first)
    done_by(app, "10001", last_week[1])

    page = signed_in(app, "10001").get("/").get_data(as_text=True)
    this_week = page.split('id="study-items"')[1].split("</ul>")[0]
    rows = re.findall(r'data-state="(\w+)".*?class="study-title"[^>]*>([^<]+)<', this_week, flags=re.DOTALL)
    assert rows == [("late", "周三前读完"), ("done", "宪法第一章"), ("todo", "宪法第三章")]  # by due time
    assert "截止 04-19 周日 22:00" in this_week and "3 积分" in this_week
    assert 'data-done="1" data-total="3"' in page  # the ring
    assert "已完成 1/3 项 · 已得 2/7 积分" in page
    overdue = page.split('id="study-overdue"')[1].split("</ul>")[0]
    assert "上周未完成" in overdue and "上周已完成" not in overdue and "上周主题" in overdue
    assert "草稿里的文章" not in page


def test_a_week_with_nothing_planned_says_so_and_earlier_weeks_are_browsable(app, make_plan):
    make_plan([read("上周文章")], start=LAST_MONDAY, theme="上周主题")
    client = signed_in(app, "10001")
    assert "本周没有安排您的学习任务。" in client.get("/").get_data(as_text=True)
    before = client.get(f"/study/?week={(LAST_MONDAY - timedelta(weeks=1)).isoformat()}")
    assert "该周没有安排您的学习任务。" in before.get_data(as_text=True)  # not this week's
    earlier = client.get(f"/study/?week={(LAST_MONDAY + timedelta(days=3)).isoformat()}")  # any day of it
    page = earlier.get_data(as_text=True)
    assert earlier.status_code == 200 and "上周文章" in page and "上周主题" in page
    assert f'href="/study/?week={(LAST_MONDAY - timedelta(weeks=1)).isoformat()}"' in page
    assert 'id="study-overdue"' not in page  # the overdue list belongs to this week
    assert client.get("/study/?week=2026-13-01").status_code == 404


def test_each_kind_shows_what_it_needs(app, make_plan):
    exam_id = _an_exam(app)
    kinds = [
        read("宪法第一章", body_html="<h2>第一条</h2><p>中华人民共和国是……</p>", min_seconds=600),
        ItemSpec(ItemKind.WATCH, "专题片", SUNDAY_2200, link_url="http://video.intranet/a.mp4"),
        ItemSpec(
            ItemKind.MEETING,
            "支部党员大会",
            SUNDAY_2200,
            meeting_kind="assembly",
            starts_at=SUNDAY_2200 - timedelta(days=2, hours=5),
            place="三楼会议室",
        ),
        ItemSpec(ItemKind.REFLECTION, "学习心得", SUNDAY_2200, prompt="谈谈学习宪法的体会", min_chars=300),
        ItemSpec(ItemKind.TEST, "宪法测试", SUNDAY_2200, exam_id=exam_id),
    ]
    _plan, (reading, watch, meeting, reflection, test) = make_plan(kinds)
    client = signed_in(app, "10001")

    page = client.get(f"/study/items/{reading}").get_data(as_text=True)
    assert "<h2>第一条</h2><p>中华人民共和国是……</p>" in page
    # Ten minutes at least: the reading time counted makes it done, not a button.
    assert "data-reading-seconds" in page and 'id="mark-done"' not in page
    refused = client.post(f"/study/items/{reading}/done", follow_redirects=True).get_data(as_text=True)
    assert "此项不能手动标记完成" in refused
    page = client.get(f"/study/items/{watch}").get_data(as_text=True)
    assert 'href="http://video.intranet/a.mp4"' in page and 'id="mark-done"' in page
    page = client.get(f"/study/items/{meeting}").get_data(as_text=True)
    assert "支部党员大会" in page and "2026-04-17 周五 17:00" in page and "三楼会议室" in page
    assert 'id="mark-done"' not in page  # attendance does it
    page = client.get(f"/study/items/{reflection}").get_data(as_text=True)
    assert "谈谈学习宪法的体会" in page and "不少于 300 字" in page and 'id="mark-done"' not in page
    page = client.get(f"/study/items/{test}").get_data(as_text=True)
    assert f'href="/exams/{exam_id}"' in page and "宪法知识测试" in page


def test_marking_an_item_done_twice_gives_its_points_once(app, make_plan, session):
    _plan, (item_id,) = make_plan([read("宪法第一章", points=2)])
    client = signed_in(app, "10001")
    first = client.post(f"/study/items/{item_id}/done")
    assert first.headers["Location"] == "/#study"  # back to 本周学习, where the ring moved
    assert "已完成，获得 2 积分。" in client.get("/").get_data(as_text=True)
    again = client.post(f"/study/items/{item_id}/done", follow_redirects=True).get_data(as_text=True)
    assert "您已完成过此项" in again
    assert awards(session, "10001") == [(f"plan_item:{item_id}", 2)]
    page = client.get(f"/study/items/{item_id}").get_data(as_text=True)
    assert 'id="study-done"' in page and 'id="mark-done"' not in page


def test_only_the_kinds_a_person_marks_are_marked_and_only_ones_own_items(app, make_plan, session):
    meeting = ItemSpec(ItemKind.MEETING, "党课", SUNDAY_2200, meeting_kind="lecture", starts_at=SUNDAY_2200)
    _plan, (meeting_id, for_others) = make_plan([meeting, read("第二党支部专题", usernames=["20001"])])
    _draft, (draft_item,) = make_plan([read("草稿")], publish=False)
    client = signed_in(app, "10001")
    refused = client.post(f"/study/items/{meeting_id}/done", follow_redirects=True).get_data(as_text=True)
    assert "此项不能手动标记完成" in refused
    for item_id in (for_others, draft_item):
        assert client.get(f"/study/items/{item_id}").status_code == 404
        assert client.post(f"/study/items/{item_id}/done").status_code == 404
    assert session.scalar(select(func.count()).select_from(Progress)) == 0
    assert awards(session, "10001") == []


@pytest.fixture
def csrf_on(test_config):  # type: ignore[no-untyped-def]
    """CSRF as in production, for the test that asks for it before the app is made."""
    test_config["WTF_CSRF_ENABLED"] = True


def test_marking_done_needs_the_pages_csrf_token(csrf_on, app, make_plan, session):
    _plan, (item_id,) = make_plan([read("宪法第一章")])
    client = signed_in_with_token(app, "10001")
    assert client.post(f"/study/items/{item_id}/done").status_code == 400
    assert session.scalar(select(func.count()).select_from(Progress)) == 0
    page = client.get(f"/study/items/{item_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.split('class="done-form"')[1]).group(1)
    assert client.post(f"/study/items/{item_id}/done", data={"csrf_token": token}).status_code == 302
    assert awards(session, "10001") == [(f"plan_item:{item_id}", 2)]


def signed_in_with_token(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = login.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return client


def _an_exam(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        banks.apply_import(
            session,
            None,
            banks.plan_import(session, "题库", parse_file("b.xlsx", xlsx(sheet_rows(*SAMPLE)))),
            now=START,
        )
        spec = ExamSpec(
            title="宪法知识测试",
            opens_at=START,
            closes_at=START + timedelta(days=7),
            time_limit_minutes=15,
            items=[("T-001", 2)],
        )
        exam = setup.save_exam(session, admin, spec, now=START)
        session.commit()
        return exam.id


def test_a_test_item_is_done_once_its_person_has_handed_the_test_in(app, make_plan, session, people, org):
    people.user("10003", branch=org["first"])
    with app.app_context(), db.new_session() as writer:
        exam = Exam(
            title="宪法知识测试",
            opens_at=START,
            closes_at=START + timedelta(hours=2),
            time_limit_minutes=15,
            created_at=START,
            published_at=START,
        )
        writer.add(exam)
        writer.flush()
        users = {user.username: user for user in writer.scalars(select(User))}
        # 10001 handed it in with an answer, 10003 blank (that is not taking part), 10002 is still
        # writing; 20001 handed it in too, but the item is 第一党支部's: not theirs.
        taken = (("10001", True, True), ("10003", True, False), ("10002", False, True), ("20001", True, True))
        for username, handed_in, answered in taken:
            attempt = Attempt(
                exam_id=exam.id,
                user_id=users[username].id,
                number=1,
                started_at=START,
                deadline_at=START + timedelta(minutes=15),
                submitted_at=START + timedelta(minutes=10) if handed_in else None,
                state=AttemptState.SUBMITTED if handed_in else AttemptState.OPEN,
                score=8.0 if handed_in else None,
                max_score=10.0,
            )
            writer.add(attempt)
            writer.flush()
            if answered:
                writer.add(Answer(attempt_id=attempt.id, position=1, response="A", seq=1, saved_at=START))
        writer.commit()
        exam_id = exam.id
    _plan, (item_id,) = make_plan(
        [ItemSpec(ItemKind.TEST, "参加宪法知识测试", SUNDAY_2200, points=3, exam_id=exam_id)],
        branch="first",
        by="sec1",
    )
    with app.app_context(), db.new_session() as writer:
        assert service.complete_tests(writer, now=START + timedelta(minutes=11)) == 1
        assert service.complete_tests(writer, now=START + timedelta(minutes=12)) == 0  # once
        writer.commit()
    done = session.execute(
        select(User.username, Progress.state)
        .join(User, User.id == Progress.user_id)
        .where(Progress.item_id == item_id)
    ).all()
    assert [tuple(row) for row in done] == [("10001", ProgressState.DONE)]
    awarded = session.scalars(
        select(PointAward.points).where(PointAward.source == f"plan_item:{item_id}")
    ).all()
    assert awarded == [3]


def test_a_test_over_before_a_plans_period_is_not_linked_nor_copied_into_it(app, make_plan):
    """Nobody could take it for that plan: its item would only ever be overdue."""
    exam_id = _an_exam(app)  # open from Wednesday for a week
    test_item = ItemSpec(ItemKind.TEST, "宪法测试", SUNDAY_2200, exam_id=exam_id)
    _plan, _items = make_plan([read("宪法第一章"), test_item])
    fortnight = timedelta(weeks=2)
    later = ItemSpec(ItemKind.TEST, "宪法测试", SUNDAY_2200 + fortnight, exam_id=exam_id)
    with pytest.raises(DomainError) as refused:
        make_plan([later], start=MONDAY + fortnight)
    assert refused.value.field == "exam_id"  # type: ignore[attr-defined]
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        copied = service.start_from_previous(
            session, admin, PlanPeriod.WEEK, MONDAY + fortnight, None, now=START
        )
        assert [item.kind for item in copied.items] == [ItemKind.READ]  # the quiz is over by then
    with app.app_context(), db.new_session() as session:  # the editor offers tests still to close
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        offered = service.tests_to_link(session, admin, closing_after=START + fortnight)
        assert exam_id not in [exam.id for exam in offered]
        assert exam_id in [exam.id for exam in service.tests_to_link(session, admin, closing_after=START)]
