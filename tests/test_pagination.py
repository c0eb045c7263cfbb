"""Every list that pages: its second page renders and shows the rows that belong there.

The lists are found from the templates (every call of the `pager` macro names its endpoint), so a
new paginated page is walked here as soon as it renders a pager, and fails until it has a seeder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask, url_for
from jinja2 import Environment, nodes
from sqlalchemy import select

from studyhall import PROJECT_ROOT, clock, db
from studyhall.accounts.models import AuditEvent, User
from studyhall.banks import service as banks
from studyhall.banks.formats import FORMATS
from studyhall.banks.models import Question
from studyhall.notifications import service as notifications
from studyhall.pagination import Page
from studyhall.plans import meetings, reflections
from studyhall.plans import service as plans
from studyhall.plans.models import ItemKind, MeetingKind, PlanPeriod
from studyhall.plans.reflection_models import Decision
from studyhall.plans.service import ItemSpec, PlanSpec
from studyhall.points import publications
from studyhall.points import service as points
from studyhall.points.models import Period
from studyhall.points.periods import Span
from studyhall.points.publications import Highlights
from studyhall.practice import book, hub, sets
from studyhall.practice import service as practice
from studyhall.practice.models import RoundKind, SetKind
from tests.banks.helpers import csv_bytes, row, sheet_rows
from tests.conftest import START, People
from tests.plans.conftest import joined

PER_PAGE = 50
ROWS = PER_PAGE + 12


def pager_endpoints() -> set[str]:
    """The endpoint of every `pager(page, 'endpoint')` call in the templates."""
    env = Environment()
    found = set()
    for path in Path(PROJECT_ROOT / "templates").rglob("*.html"):
        for call in env.parse(path.read_text(encoding="utf-8")).find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name == "pager":
                endpoint = call.args[1]
                assert isinstance(endpoint, nodes.Const), f"{path.name}: give pager() a literal endpoint"
                found.add(endpoint.value)
    return found


# Each seeder adds more rows than fit on one page and returns the URL arguments of the list, a
# row that sorts onto page 2 and one that stays on page 1.
Seeder = Callable[[Flask, People], tuple[dict[str, object], str, str]]


def seed_people(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    for n in range(ROWS):
        people.user(f"person{n:03d}")
    return {}, f"person{ROWS - 1:03d}", "person000"  # by username; admin1 comes first


def seed_audit(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    # Older than anything the test's own sign-in records, so the oldest of them fall on page 2.
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    with app.app_context(), db.new_session() as session:
        for n in range(ROWS):
            session.add(
                AuditEvent(at=long_ago + timedelta(minutes=n), action="seeded", target=f"target{n:03d}")
            )
        session.commit()
    return {}, "target000", f"target{ROWS - 1:03d}"  # newest first


def seed_bank(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    questions = [
        row("判断", f"第{n:03d}条：这是一道用于翻页的判断题。", [], "√", id=f"P-{n:03d}") for n in range(ROWS)
    ]
    with app.app_context(), db.new_session() as session:
        plan = banks.plan_import(session, "翻页", FORMATS["csv"].parse(csv_bytes(sheet_rows(*questions))))
        assert plan.ok, plan.result.errors
        bank = banks.apply_import(session, None, plan, now=clock.now()).bank
        session.commit()
        return {"bank_id": bank.id}, f"P-{ROWS - 1:03d}", "P-000"  # by 编号


def _give(app: Flask, username: str, amount: int, reason: str, at: datetime) -> None:
    with app.app_context(), db.new_session() as session:
        user_id = session.scalars(select(User.id).where(User.username == username)).one()
        points.settle(session, user_id, points.RuleKey.MANUAL, reason, amount, at=at, reason=reason)
        session.commit()


def seed_board(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    branch = people.branch("第一党支部")  # the boards rank the members of a 党支部
    for n in range(ROWS):
        people.user(f"person{n:03d}", branch=branch)
        _give(app, f"person{n:03d}", ROWS - n, f"seed{n}", datetime(2026, 1, 5, tzinfo=UTC))
    return {"period": "all"}, f"person{ROWS - 1:03d}", "person000"  # most points first


def seed_ledger(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    for n in range(ROWS):
        _give(app, "admin1", 1, f"reason{n:03d}", datetime(2026, 1, 5, tzinfo=UTC) + timedelta(minutes=n))
    return {}, "reason000", f"reason{ROWS - 1:03d}"  # newest first


def seed_plans(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        for n in range(ROWS):
            spec = PlanSpec(PlanPeriod.WEEK, date(2020, 1, 6) + timedelta(weeks=n), f"plan{n:03d}")
            plans.save_plan(session, admin, spec, now=clock.now())
        session.commit()
    return {}, "plan000", f"plan{ROWS - 1:03d}"  # all past: latest first


def seed_publications(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    with app.app_context(), db.new_session() as session:
        for n in range(ROWS):  # one notice in force per period: a week each
            week = Span(Period.WEEK, date(2025, 1, 6) + timedelta(weeks=n))
            at = datetime(2026, 4, 13, tzinfo=UTC) + timedelta(minutes=n)
            publications.publish(session, None, week, None, Highlights(), now=at, title=f"notice{n:03d}")
        session.commit()
    return {}, "notice000", f"notice{ROWS - 1:03d}"  # newest first


def _reflections(app: Flask, people: People, *, excellent: bool) -> None:
    """ROWS people of a 党支部 who each submitted a reflection on one item, a minute apart (approved
    and marked 优秀 if asked); the item's title is their 工号, to find the rows by."""
    branch = people.branch("第一党支部")
    names = [f"writer{n:03d}" for n in range(ROWS)]
    for name in names:
        people.user(name, branch=branch)
    joined(app, START, *names)  # before the item is due: it is theirs
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        due = datetime(2026, 4, 19, 14, 0, tzinfo=UTC)
        items = [
            ItemSpec(ItemKind.REFLECTION, name, due, prompt="谈谈体会", min_chars=1, usernames=[name])
            for name in names
        ]
        written = []
        for first in range(0, ROWS, plans.MAX_ITEMS):
            spec = PlanSpec(
                PlanPeriod.WEEK, date(2026, 4, 13), "翻页", items=items[first : first + plans.MAX_ITEMS]
            )
            plan = plans.save_plan(session, admin, spec, now=START)
            plans.schedule(session, admin, plan.id, None, now=START)
            written += [(item.id, item.title) for item in plan.items]
        for n, (item_id, name) in enumerate(written):
            at = START + timedelta(minutes=n)
            writer = session.scalars(select(User).where(User.username == name)).one()
            reflection = reflections.submit(session, writer, item_id, text="学习心得", seq=1, now=at)
            if excellent:
                reflections.review(
                    session, admin, reflection.id, Decision.APPROVE, "", submission=1, excellent=True, now=at
                )
        session.commit()


def seed_reflections_to_review(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    _reflections(app, people, excellent=False)
    return {}, ">writer000<", f">writer{ROWS - 1:03d}<"  # newest submission first


def seed_excellent_reflections(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    _reflections(app, people, excellent=True)
    return {}, ">writer000<", f">writer{ROWS - 1:03d}<"  # newest first


def seed_meetings(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    branch = people.branch("第一党支部")
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        for n in range(ROWS):
            spec = meetings.MeetingSpec(
                branch.id,
                MeetingKind.COMMITTEE,
                f"topic{n:03d}",
                START - timedelta(days=n),
                host_name="书记",
                recorder_name="记录员",
            )
            meetings.save(session, admin, spec, now=START)
        session.commit()
    return {}, ">topic030<", ">topic000<"  # latest first, 30 a page


def seed_checklist(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    for n in range(25):  # each a 党支部 of its own, 20 a page
        people.branch(f"支部{n:03d}")
    return {}, "支部020", "支部000"


def seed_notifications(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User.id).where(User.username == "admin1")).one()
        for n in range(ROWS):
            at = START + timedelta(minutes=n)
            notifications.notify(
                session, [admin], kind="seeded", title=f"note{n:03d}", key=f"seed:{n}", now=at
            )
        session.commit()
    # Newest first, notifications.PER_PAGE to a page: the second holds those before the newest page.
    return {}, f"note{ROWS - notifications.PER_PAGE - 1:03d}", f"note{ROWS - 1:03d}"


def seed_progress(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    branch = people.branch("第一党支部")
    for n in range(ROWS):
        people.user(f"person{n:03d}", branch=branch)
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        now = clock.now()
        monday = plans.period_start(PlanPeriod.WEEK, plans.local_today(now))
        item = ItemSpec(ItemKind.READ, "宪法", plans.default_due(PlanPeriod.WEEK, monday), body_html="学习")
        plan = plans.save_plan(
            session, admin, PlanSpec(PlanPeriod.WEEK, monday, "翻页", items=[item]), now=now
        )
        plans.schedule(session, admin, plan.id, None, now=now)
        session.commit()
    return {}, f"person{ROWS - 1:03d}", "person000"  # the 党支部's people by 工号, admin1 (in none) last


def _practice_bank(app: Flask, count: int) -> int:
    """A bank of `count` true-false questions (key √), each in a category of its own: catNNN."""
    questions = [
        row("判断", f"第{n:03d}题：这是一道练习题。", [], "√", categories=f"cat{n:03d}", id=f"Q-{n:03d}")
        for n in range(count)
    ]
    with app.app_context(), db.new_session() as session:
        plan = banks.plan_import(session, "练习", FORMATS["csv"].parse(csv_bytes(sheet_rows(*questions))))
        assert plan.ok, plan.result.errors
        bank = banks.apply_import(session, None, plan, now=clock.now()).bank
        session.commit()
        return bank.id


def seed_practice_sets(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    bank_id = _practice_bank(app, 1)
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        for n in range(ROWS):
            monday = date(2020, 1, 6) + timedelta(weeks=n)
            spec = sets.SetSpec(SetKind.WEEKLY, f"set{n:03d}", monday, monday, [bank_id], 1)
            sets.save(session, admin, spec, now=clock.now())
        session.commit()
    # Latest first, sets.PER_PAGE a page.
    return {}, f"set{ROWS - sets.PER_PAGE - 1:03d}", f"set{ROWS - 1:03d}"


def seed_heat(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    _practice_bank(app, ROWS)
    cadre = people.user("cadre1")
    with app.app_context(), db.new_session() as session:
        user = session.get_one(User, cadre.id)
        for n, question_id in enumerate(session.scalars(select(Question.id).order_by(Question.id))):
            found = practice._start(
                session, user.id, RoundKind.TOPIC, f"seed{n}", [question_id], now=clock.now()
            )
            practice.answer(session, user, found.id, 0, False, now=clock.now())
        session.commit()
    # Each category one mistake of one answer: by name, 20 a page.
    return {}, 'data-category="cat020"', 'data-category="cat000"'


def seed_book(app: Flask, people: People) -> tuple[dict[str, object], str, str]:
    """The signed-in administrator's own wrong-answer book, a card per question, added in order."""
    _practice_bank(app, ROWS)
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        for question in session.scalars(select(Question).order_by(Question.id)):
            book.add(session, admin.id, question, now=clock.now())
        session.commit()
    # All due at once: in the order added, hub.PER_PAGE a page.
    return {}, f"第{hub.PER_PAGE + 5:03d}题", "第000题"


SEEDERS: dict[str, Seeder] = {
    "accounts.users": seed_people,
    "accounts.audit": seed_audit,
    "banks.browse": seed_bank,
    "meetings.checklist": seed_checklist,
    "meetings.index": seed_meetings,
    "plans.index": seed_plans,
    "notifications.index": seed_notifications,
    "points.board": seed_board,
    "progress.index": seed_progress,
    "points.my_points": seed_ledger,
    "practice.book_page": seed_book,
    "practice_admin.set_list": seed_practice_sets,
    "practice_reports.heat": seed_heat,
    "publications.index": seed_publications,
    "reflections.excellent": seed_excellent_reflections,
    "reflections.review_list": seed_reflections_to_review,
}


@pytest.mark.parametrize("endpoint", sorted(pager_endpoints()))
def test_page_two_of_every_paginated_list_shows_its_rows(endpoint, app, people, admin, client):
    assert endpoint in SEEDERS, f"{endpoint} renders a pager: add a seeder for it to SEEDERS"
    args, on_page_two, on_page_one = SEEDERS[endpoint](app, people)
    with app.test_request_context():
        url = url_for(endpoint, page=2, **args)
    # Query arguments named like url_for's own keywords are not passed on to the pager's links.
    response = client.get(url + "&endpoint=x&_anchor=y&_external=1")
    assert response.status_code == 200, url
    assert "#y" not in response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert on_page_two in body and on_page_one not in body
    assert 'rel="prev"' in body
    # Every pager offers its pages by number too, the one shown marked as the current one.
    pager = body.split('class="pager"')[1].split("</nav>")[0]
    assert '<span aria-current="page">2</span>' in pager and re.search(r'page=1[^"]*"[^>]*>1</a>', pager)


@pytest.mark.parametrize(
    ("page", "pages", "numbers"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),  # a gap of one page shows the page, not …
        (6, 12, [1, None, 4, 5, 6, 7, 8, None, 12]),
        (12, 12, [1, None, 10, 11, 12]),
    ],
)
def test_a_pager_numbers_the_first_and_last_pages_and_those_near_this_one(page, pages, numbers):
    assert Page(items=[], total=pages * 10, page=page, per_page=10).numbers() == numbers
