"""Reading time: counted on the server from the page's heartbeats, bounded per beat, nothing after a
gap or for a pause, never ahead of the clock however the beats come, and the item done exactly at
its minimum with its points once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from flask import render_template_string
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from studyhall import db
from studyhall.plans import reading
from studyhall.plans import service as plans
from studyhall.plans.models import ItemKind, Progress, ProgressState
from studyhall.plans.service import ItemSpec, PlanSpec
from studyhall.points.models import PointAward
from tests.conftest import START
from tests.plans.test_service import DUE, MONDAY, PlanPeriod, user


def publish(app, *items: ItemSpec) -> list[int]:  # type: ignore[no-untyped-def]
    """A published plan of these items for everyone; their ids."""
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        plan = plans.save_plan(
            session, admin, PlanSpec(PlanPeriod.WEEK, MONDAY, "学习", items=list(items)), now=START
        )
        plans.schedule(session, admin, plan.id, None, now=START)
        session.commit()
        return [item.id for item in plan.items]


def read_item(min_seconds: int | None = 60, points: int = 3) -> ItemSpec:
    return ItemSpec(
        ItemKind.READ, "宪法全文", DUE, points=points, body_html="<p>宪法</p>", min_seconds=min_seconds
    )


@pytest.fixture
def item_id(app, org) -> int:
    return publish(app, read_item())[0]


@pytest.fixture
def cadre(org, auth):  # type: ignore[no-untyped-def]
    auth.login("10001")


def beat(client, frozen_now, item_id: int, at: float, *, resume: bool = False) -> dict:  # type: ignore[no-untyped-def]
    """A heartbeat `at` seconds after START: what the server answers."""
    frozen_now(START + timedelta(seconds=at))
    response = client.post(f"/study/items/{item_id}/beat", json={"resume": resume})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def counted(client, frozen_now, item_id: int, times: list[float]) -> int:  # type: ignore[no-untyped-def]
    """Beat at each time (the first opens the page); the seconds counted after the last."""
    answer = beat(client, frozen_now, item_id, times[0], resume=True)
    for at in times[1:]:
        answer = beat(client, frozen_now, item_id, at)
    return answer["seconds"]


def test_each_beat_counts_the_time_since_the_one_before(client, cadre, item_id, frozen_now):
    assert counted(client, frozen_now, item_id, [0]) == 0  # opening the page counts nothing yet
    assert counted(client, frozen_now, item_id, [100, 115, 130, 142]) == 42


def test_a_beat_counts_at_most_twenty_seconds(client, cadre, item_id, frozen_now):
    assert counted(client, frozen_now, item_id, [0, 40]) == 20
    assert counted(client, frozen_now, item_id, [100, 120, 121]) == 20 + 20 + 1


def test_nothing_is_counted_after_a_gap_and_counting_starts_again_from_there(
    client, cadre, item_id, frozen_now
):
    """A tab left open sends no beats (hidden, nobody there): when it comes back, the time away counts
    nothing, and the beats after it count again."""
    assert counted(client, frozen_now, item_id, [0, 15, 15 + 46]) == 15
    assert beat(client, frozen_now, item_id, 15 + 46 + 15)["seconds"] == 30
    assert beat(client, frozen_now, item_id, 3600)["seconds"] == 30  # an hour later


def test_a_burst_of_beats_at_the_same_instant_counts_once(client, cadre, item_id, frozen_now):
    beat(client, frozen_now, item_id, 0, resume=True)
    answers = [beat(client, frozen_now, item_id, 15) for _ in range(10)]
    assert [answer["seconds"] for answer in answers] == [15] * 10


def test_a_beat_saying_the_page_resumes_counts_nothing_for_the_pause(client, cadre, item_id, frozen_now):
    assert counted(client, frozen_now, item_id, [0, 15]) == 15
    assert beat(client, frozen_now, item_id, 25, resume=True)["seconds"] == 15  # shown again after 10 s
    assert beat(client, frozen_now, item_id, 40)["seconds"] == 30


def test_the_item_is_done_exactly_at_its_minimum_with_its_points_once(
    app, client, session, cadre, item_id, frozen_now
):
    beat(client, frozen_now, item_id, 0, resume=True)
    answers = [beat(client, frozen_now, item_id, at) for at in (15, 30, 45, 59)]
    assert [(a["seconds"], a["done"]) for a in answers] == [
        (15, False),
        (30, False),
        (45, False),
        (59, False),
    ]
    assert beat(client, frozen_now, item_id, 60) == {"seconds": 60, "min_seconds": 60, "done": True}
    assert beat(client, frozen_now, item_id, 75) == {"seconds": 60, "min_seconds": 60, "done": True}
    cadre_id = user(session, "10001").id
    progress = session.scalars(select(Progress).where(Progress.item_id == item_id)).one()
    assert progress.state is ProgressState.DONE and progress.done_at == START + timedelta(seconds=60)
    awards = session.scalars(
        select(PointAward).where(PointAward.user_id == cadre_id, PointAward.source.like("plan_item:%"))
    ).all()
    assert [(award.points, award.source) for award in awards] == [(3, f"plan_item:{item_id}")]


@pytest.fixture
def two_items(app, org) -> list[int]:
    return publish(app, read_item(), read_item())


def test_two_items_read_at_once_share_the_minute_rather_than_each_earning_it(
    app, client, session, cadre, two_items, frozen_now
):
    """Two windows side by side (or a script) beating for two items: the clock is counted to one of
    them, so the week's timed items take the time of all of them, not of the longest one."""
    first, second = two_items
    for item_id in two_items:
        beat(client, frozen_now, item_id, 0, resume=True)
    for at in (15, 30, 45, 60):
        seen = [beat(client, frozen_now, item_id, at)["seconds"] for item_id in two_items]
        assert sum(seen) <= at
    assert beat(client, frozen_now, first, 60)["done"] and not beat(client, frozen_now, second, 60)["done"]
    for at in (75, 90, 105, 120):  # the first is done: its beats count nothing, the second's count
        beat(client, frozen_now, first, at)
        answer = beat(client, frozen_now, second, at)
    assert answer == {"seconds": 60, "min_seconds": 60, "done": True}
    done_at = session.scalars(
        select(Progress.done_at).where(Progress.item_id.in_(two_items)).order_by(Progress.item_id)
    ).all()
    assert done_at == [START + timedelta(seconds=60), START + timedelta(seconds=120)]


def test_switching_to_another_item_counts_it_from_then_on(client, cadre, two_items, frozen_now):
    first, second = two_items
    assert counted(client, frozen_now, first, [0, 15, 30]) == 30
    assert counted(client, frozen_now, second, [35, 50, 65]) == 30  # shown in front, the first hidden
    assert counted(client, frozen_now, first, [70, 85]) == 45  # and back again


def test_two_beats_for_two_items_at_the_same_instant_count_the_time_once(app, org, two_items):
    with app.app_context(), db.new_session() as session:
        cadre = user(session, "10001")
        for item_id in two_items:
            reading.beat(session, cadre, item_id, resume=True, now=START)
        session.commit()
    ready = threading.Barrier(2, timeout=15)

    def beat_at_once(item_id: int) -> int:
        with app.app_context(), db.new_session() as session:
            cadre = user(session, "10001")
            ready.wait()
            seconds = reading.beat(session, cadre, item_id, resume=False, now=START + timedelta(seconds=15))
            session.commit()
            return seconds.seconds

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(beat_at_once, two_items)) == [0, 15]


def test_only_reading_and_watching_items_count_time_and_only_for_their_audience(
    app, client, org, auth, frozen_now
):
    reflection, own = publish(
        app,
        ItemSpec(ItemKind.REFLECTION, "心得体会", DUE, prompt="谈谈体会"),
        ItemSpec(
            ItemKind.READ, "第二党支部自学", DUE, body_html="<p>x</p>", min_seconds=60, usernames=["20001"]
        ),
    )
    auth.login("10001")
    refused = client.post(f"/study/items/{reflection}/beat", json={})
    assert refused.status_code == 400 and refused.get_json()["message"] == "只有阅读和观看类学习任务计时。"
    assert client.post(f"/study/items/{own}/beat", json={}).status_code == 404  # not theirs


def test_the_page_shows_the_time_counted_against_the_minimum(app, org, item_id, frozen_now):
    with app.app_context(), db.new_session() as session:
        cadre = user(session, "10001")
        reading.beat(session, cadre, item_id, resume=True, now=START)
        reading.beat(session, cadre, item_id, resume=False, now=START + timedelta(seconds=15))
        session.commit()
    with app.test_request_context("/"):
        mine = plans.item_for(db.session(), cadre, item_id, now=START)
        page = render_template_string('{% include "plans/_reading.html" %}', item=mine.item, mine=mine)
        preview = render_template_string(
            '{% include "plans/_reading.html" %}', item=mine.item, mine=mine, preview=True
        )
    assert "已计学习时间 <strong data-reading-seconds>0:15</strong>" in page
    assert "至少 1:00" in page and 'max="60" value="15"' in page
    assert f'data-beat-url="/study/items/{item_id}/beat"' in page and 'data-beat-seconds="15"' in page
    assert "data-reading" not in preview  # an editor's preview counts no time


@settings(max_examples=60, deadline=None)
@given(
    beats=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.sampled_from([0, 0.5, 1, 7, 15, 19, 20, 21, 44, 45, 46, 300]),
            st.booleans(),
        ),
        max_size=25,
    )
)
def test_however_beats_come_the_time_counted_never_runs_ahead_of_the_clock(beats):
    """Each beat's credit is within the time since the person's previous beat of any item, so the
    sum over all their items is within the time from the first beat to the last (a forged burst, two
    tabs, a tab left open, several items at once)."""
    moment = START
    last: dict[int, datetime] = {}
    latest: datetime | None = None
    total = 0
    for item, gap, resume in beats:
        moment += timedelta(seconds=gap)
        counts = 0 if resume else reading.credit(last.get(item), moment, latest=latest)
        assert 0 <= counts <= reading.MAX_BEAT.total_seconds()
        total += counts
        last[item] = moment
        latest = moment
    assert total <= (moment - START).total_seconds()
