"""The demo's plans: last week's, partly done; this week's, published with real texts, a meeting, a
reflection and the demo test; next week's, scheduled for its Monday 08:00."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from studyhall import clock, db, demo
from studyhall.accounts.models import User
from studyhall.plans import meetings
from studyhall.plans.meeting_models import Meeting
from studyhall.plans.models import ItemKind, Plan, PlanItem, PlanStatus, Progress, ProgressState

MONDAY = date(2026, 4, 13)  # START's week


def test_the_demo_has_three_weeks_of_plans_and_loading_twice_adds_none(app, session, client, frozen_now):
    for _load in range(2):
        with app.app_context(), db.new_session() as writer:
            demo.load_demo(writer, now=clock.now())
            writer.commit()
    weeks = {plan.start: plan for plan in session.scalars(select(Plan))}
    assert sorted(weeks) == [date(2026, 4, 6), MONDAY, date(2026, 4, 20)]
    last, this, coming = (weeks[day] for day in sorted(weeks))
    assert (last.status, this.status) == (PlanStatus.PUBLISHED, PlanStatus.PUBLISHED)
    assert this.published_at == datetime(2026, 4, 13, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai
    assert (coming.status, coming.publish_at) == (
        PlanStatus.SCHEDULED,
        datetime(2026, 4, 20, 0, 0, tzinfo=UTC),
    )
    assert [item.kind for item in this.items] == [
        ItemKind.READ, ItemKind.READ, ItemKind.MEETING, ItemKind.REFLECTION, ItemKind.TEST
    ]  # fmt: skip
    assert (
        "<h3>第一百三十四条</h3>\n<p>中华人民共和国人民检察院是国家的法律监督机关。</p>"
        in this.items[1].body_html
    )
    done_last_week = (
        select(func.count()).select_from(Progress).where(Progress.item_id.in_([i.id for i in last.items]))
    )
    assert 0 < session.scalar(done_last_week) < 2 * 40  # partly: about four in five, read items only
    timed = (
        select(Progress, PlanItem)
        .join(PlanItem, PlanItem.id == Progress.item_id)
        .where(PlanItem.min_seconds.is_not(None), Progress.state == ProgressState.DONE)
    )
    read = [(progress.seconds, item.min_seconds) for progress, item in session.execute(timed)]
    assert read and all(seconds >= minimum for seconds, minimum in read)  # done by reading that long

    # 三会一课 since last quarter began: last quarter complete but for 第四党支部, this one under way.
    assert 40 < session.scalar(select(func.count()).select_from(Meeting)) < 120
    with app.app_context():
        admin = session.scalars(select(User).where(User.username == "demo-admin")).one()
        last = meetings.checklist(session, admin, meetings.Quarter(2026, 1)).page.items
        this = meetings.checklist(session, admin, meetings.Quarter(2026, 2)).page.items
    assert [(check.name, check.complete) for check in last] == [
        ("第一党支部", True), ("第二党支部", True), ("第三党支部", True), ("第四党支部", False)
    ]  # fmt: skip
    assert all(
        line.held for check in this for line in check.lines if line.kind.value in ("committee", "group")
    )

    client.post("/login", data={"username": "demo001", "password": demo.PASSWORD})
    home = client.get("/").get_data(as_text=True)
    assert demo.THIS_WEEK_THEME in home and 'data-done="0" data-total="5"' in home
    assert "学习国家安全法心得体会" in home.split('id="study-overdue"')[1]  # last week's reflection
