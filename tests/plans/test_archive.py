"""我的学习档案: a person's year, month by month (the year and its months in the organisation's zone,
also when the clock crosses the new year), with the items done, reflections approved (优秀 marked),
meetings attended, tests taken (a score only where the test shows it) and the year's points; open to
its person, their 党支部's secretary and administrators, and to nobody else."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from studyhall import db
from studyhall.accounts.models import User
from studyhall.exams.models import Attempt, AttemptState, Exam
from studyhall.plans import archive, meetings, reflections, service
from studyhall.plans.meeting_models import AttendanceStatus
from studyhall.plans.meetings import Mark, MeetingSpec
from studyhall.plans.models import ItemKind, MeetingKind, PlanItem
from studyhall.plans.reflection_models import Decision
from studyhall.plans.service import ItemSpec
from studyhall.points import service as points
from studyhall.points.models import PointAward
from studyhall.points.service import RuleKey
from tests.conftest import START
from tests.plans.conftest import SUNDAY_2200, read, signed_in
from tests.plans.test_calendar import meeting

# The week from Monday 2026-12-28 to Sunday 2027-01-03, across the new year.
NEW_YEAR_WEEK = date(2026, 12, 28)
NEW_YEARS_EVE_2330 = datetime(2026, 12, 31, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai: still 2026
NEW_YEARS_DAY_0030 = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 in Shanghai: 2027 (UTC: still 2026)
DUE = datetime(2027, 1, 3, 14, 0, tzinfo=UTC)


def user(session, username: str) -> User:  # type: ignore[no-untyped-def]
    return session.scalars(select(User).where(User.username == username)).one()


def done(app: Flask, username: str, item_id: int, at: datetime) -> None:
    with app.app_context(), db.new_session() as session:
        item = session.get(PlanItem, item_id)
        assert item is not None
        service.mark_done(session, user(session, username), item, now=at)
        session.commit()


def excellent_reflection(session, item_id: int, text: str, *, at: datetime) -> int:  # type: ignore[no-untyped-def]
    """王建国's (10001) reflection on the item, submitted at `at` and approved as 优秀 by the
    secretary an hour later; its id. The caller commits."""
    written = reflections.submit(session, user(session, "10001"), item_id, text=text, now=at)
    reflections.review(
        session,
        user(session, "sec1"),
        written.id,
        Decision.APPROVE,
        "",
        submission=written.submissions,
        excellent=True,
        now=at + timedelta(hours=1),
    )
    return written.id


def record(app: Flask, viewer: str, username: str, year: int, now: datetime) -> archive.Archive:
    with app.app_context(), db.new_session() as session:
        person = user(session, username)
        found = archive.archive(session, user(session, viewer), person.id, year, now=now)
        session.expunge_all()
        return found


def titles(found: archive.Archive) -> list[tuple[int, str, str]]:
    """(month, kind, title) of every entry, in order."""
    return [
        (month.start.month, entry.kind.value, entry.title)
        for month in found.months
        for entry in month.entries
    ]


def taken(app: Flask, username: str, title: str, at: datetime, score: float, **exam) -> int:  # type: ignore[no-untyped-def]
    """A published test the person handed in at `at` with `score` of 10, and its points; its id."""
    with app.app_context(), db.new_session() as session:
        test = Exam(
            title=title,
            opens_at=at - timedelta(hours=1),
            closes_at=exam.pop("closes_at", at + timedelta(hours=1)),
            time_limit_minutes=15,
            created_at=at - timedelta(days=1),
            published_at=at - timedelta(days=1),
            **exam,
        )
        session.add(test)
        session.flush()
        person = user(session, username)
        session.add(
            Attempt(
                exam_id=test.id,
                user_id=person.id,
                number=1,
                started_at=at - timedelta(minutes=10),
                deadline_at=at + timedelta(minutes=5),
                submitted_at=at,
                state=AttemptState.SUBMITTED,
                score=score,
                max_score=10.0,
            )
        )
        points.award(session, person.id, RuleKey.EXAM, f"exam:{test.id}", at=at, points=8, reason=title)
        session.commit()
        return test.id


def test_the_year_holds_what_was_done_in_it_by_local_time_across_the_new_year(app, make_plan, frozen_now):
    _plan, (eve, new_year) = make_plan(
        [read("跨年学习一", due=DUE, points=2), read("跨年学习二", due=DUE, points=3)], start=NEW_YEAR_WEEK
    )
    done(app, "10001", eve, NEW_YEARS_EVE_2330)
    done(app, "10001", new_year, NEW_YEARS_DAY_0030)

    in_2026 = record(app, "10001", "10001", 2026, NEW_YEARS_DAY_0030)
    assert titles(in_2026) == [(12, "item", "跨年学习一")]
    assert in_2026.months[0].entries[0].points == 2
    in_2027 = record(app, "10001", "10001", 2027, NEW_YEARS_DAY_0030)
    assert titles(in_2027) == [(1, "item", "跨年学习二")]
    assert in_2027.points == 3  # the 2027 total: the plan item's points, awarded on 1 January

    # On the first minutes of 2027 the page opens on 2027; 2026 is one choice away.
    frozen_now(NEW_YEARS_DAY_0030)
    page = signed_in(app, "10001").get("/study/archive/").get_data(as_text=True)
    assert "2027年度学习档案" in page and "跨年学习二" in page and "跨年学习一" not in page
    assert re.search(r'<option value="2026">2026</option>', page)
    earlier = signed_in(app, "10001").get("/study/archive/?year=2026").get_data(as_text=True)
    assert "跨年学习一" in earlier and "跨年学习二" not in earlier


def test_reflections_meetings_and_tests_are_filed_with_their_points_and_only_shown_scores(
    app, make_plan, frozen_now
):
    thursday = datetime(2026, 4, 16, 6, 30, tzinfo=UTC)
    _plan, (reading, reflection_item, assembly) = make_plan(
        [
            read("宪法第一章", points=2),
            ItemSpec(
                ItemKind.REFLECTION, "学习宪法心得", SUNDAY_2200, points=3, prompt="谈谈体会", min_chars=5
            ),
            meeting("学习党章专题会", thursday, points=4, place="机关三楼会议室"),
        ]
    )
    done(app, "10001", reading, START + timedelta(hours=1))
    with app.app_context(), db.new_session() as session:  # the 三会一课 record of the item's meeting
        person = user(session, "10001")
        held = MeetingSpec(
            person.branch_id,
            MeetingKind.ASSEMBLY.value,
            "学习党章专题会",
            thursday,
            place="机关三楼会议室",
            host_name="书记甲",
            recorder_name="王建国",
            item_id=assembly,
        )
        present = [Mark(person.id, AttendanceStatus.PRESENT)]
        meetings.save(session, user(session, "admin1"), held, present, now=thursday + timedelta(hours=2))
        session.commit()
    with app.app_context(), db.new_session() as session:
        reflection_id = excellent_reflection(session, reflection_item, "学习宪法，增强宪法意识。", at=START)
        session.commit()
    taken(app, "10001", "宪法知识测试", START + timedelta(days=20), 9.5)
    taken(app, "10001", "保密知识测试", START + timedelta(days=21), 6.0, show_score=False)
    # Two attempts allowed and still open: its score would tell keys still in use.
    taken(
        app,
        "10001",
        "国家安全知识竞赛",
        START + timedelta(days=22),
        7.0,
        attempts_allowed=2,
        closes_at=START + timedelta(days=40),
    )

    now = START + timedelta(days=23)
    found = record(app, "10001", "10001", 2026, now)
    assert titles(found) == [
        (4, "item", "宪法第一章"),
        (4, "reflection", "学习宪法心得"),
        (4, "meeting", "学习党章专题会"),
        (5, "test", "宪法知识测试"),
        (5, "test", "保密知识测试"),
        (5, "test", "国家安全知识竞赛"),
    ]
    entries = {entry.title: entry for month in found.months for entry in month.entries}
    with app.app_context(), db.new_session() as session:  # the approval's, as the rule stands
        reflection_points = points.rule(session, RuleKey.REFLECTION).points
    assert entries["学习宪法心得"].points == 3 + reflection_points  # writing it and its approval
    assert entries["学习宪法心得"].reflection.excellent  # type: ignore[union-attr]
    with app.app_context(), db.new_session() as session:
        meeting_points = points.rule(session, RuleKey.MEETING).points
    assert entries["学习党章专题会"].points == 4 + meeting_points  # the item's and the attendance's
    assert [entries[title].score_shown for title in ("宪法知识测试", "保密知识测试", "国家安全知识竞赛")] == [
        True,
        False,
        False,
    ]
    assert entries["宪法知识测试"].points == 8
    assert found.counts == {
        archive.EntryKind.ITEM: 1,
        archive.EntryKind.REFLECTION: 1,
        archive.EntryKind.MEETING: 1,
        archive.EntryKind.TEST: 3,
    }
    assert found.excellent == 1
    with app.app_context(), db.new_session() as session:
        total = session.scalar(
            select(func.sum(PointAward.points)).where(PointAward.user_id == user(session, "10001").id)
        )
    assert found.points == total  # every award of 2026, signing in included

    frozen_now(now)
    page = signed_in(app, "10001").get("/study/archive/").get_data(as_text=True)
    assert "9.5 / 10 分" in page and "6 / 10" not in page and "7 / 10" not in page
    assert page.count("成绩暂不公布") == 2
    assert "机关三楼会议室" in page and "优秀" in page
    assert f'href="/reflections/items/{reflection_item}"' in page  # read it again
    secretary = signed_in(app, "sec1").get(f"/study/archive/{user_of(app, '10001')}").get_data(as_text=True)
    assert f'href="/reflections/review/{reflection_id}"' in secretary
    assert "王建国的学习档案" in secretary and "9.5 / 10 分" in secretary


def user_of(app: Flask, username: str) -> int:
    with app.app_context(), db.new_session() as session:
        return user(session, username).id


def test_a_record_is_its_persons_their_secretarys_and_the_administrators_only(app, org):
    ids = {name: user_of(app, name) for name in ("10001", "10002", "20001", "sec1")}
    cadre = signed_in(app, "10001")
    assert cadre.get("/study/archive/").status_code == 200
    assert cadre.get(f"/study/archive/{ids['10001']}").status_code == 200
    assert cadre.get(f"/study/archive/{ids['10002']}").status_code == 404
    assert cadre.get(f"/study/archive/{ids['sec1']}").status_code == 404

    secretary = signed_in(app, "sec1")  # of 第一党支部, whose 党小组 holds 10002
    assert secretary.get(f"/study/archive/{ids['10001']}").status_code == 200
    assert secretary.get(f"/study/archive/{ids['10002']}").status_code == 200
    assert secretary.get(f"/study/archive/{ids['20001']}").status_code == 404

    administrator = signed_in(app, "admin1")
    assert administrator.get(f"/study/archive/{ids['20001']}").status_code == 200
    assert administrator.get("/study/archive/99999").status_code == 404

    for year in ("abc", "1999", "2027", "-1", "2026.5"):
        assert cadre.get(f"/study/archive/?year={year}").status_code == 404, year
    assert signed_in(app, "20001").get(f"/study/archive/{ids['10001']}?year=2026").status_code == 404


def test_the_people_list_leads_a_secretary_to_each_persons_record(app, org):
    page = signed_in(app, "sec1").get("/admin/users").get_data(as_text=True)
    assert f'href="/study/archive/{user_of(app, "10002")}"' in page


def test_a_long_month_starts_its_own_printed_page_and_a_short_one_does_not(app, make_plan, frozen_now):
    many = [read(f"第{number}篇学习材料") for number in range(1, archive.LONG_MONTH + 2)]
    _plan, april = make_plan(many)
    _plan, (march,) = make_plan([read("三月学习")], start=date(2026, 3, 9))
    for item_id in april:
        done(app, "10001", item_id, START)
    done(app, "10001", march, datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    page = signed_in(app, "10001").get("/study/archive/").get_data(as_text=True)
    sections = re.findall(r'<section class="(archive-month[^"]*)"[^>]*data-month="(\d+)"', page)
    assert sections == [("archive-month", "3"), ("archive-month long", "4")]
