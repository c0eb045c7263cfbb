"""What the plan page tests share: signed-in clients and plans made through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from studyhall import db
from studyhall.accounts.models import User
from studyhall.plans import service
from studyhall.plans.models import ItemKind, PlanItem, PlanPeriod
from studyhall.plans.service import ItemSpec, PlanSpec
from tests.conftest import PASSWORD, START

MONDAY = date(2026, 4, 13)  # START's week
SUNDAY_2200 = datetime(2026, 4, 19, 14, 0, tzinfo=UTC)  # the week's Sunday, 22:00 in Shanghai


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def read(title: str, due: datetime = SUNDAY_2200, points: int = 2, **fields) -> ItemSpec:  # type: ignore[no-untyped-def]
    return ItemSpec(
        ItemKind.READ, title, due, points=points, body_html=fields.pop("body_html", "学习内容"), **fields
    )


def joined(app, at: datetime, *usernames: str) -> None:  # type: ignore[no-untyped-def]
    """Date these accounts (everyone's, if none is named) as made at `at`: an item due before
    someone's account was made is not theirs, and the fixtures make people at START."""
    with app.app_context(), db.new_session() as session:
        chosen = update(User).values(created_at=at)
        session.execute(chosen.where(User.username.in_(usernames)) if usernames else chosen)
        session.commit()


@pytest.fixture
def make_plan(app, org):  # type: ignore[no-untyped-def]
    """make_plan(items, by="admin1", start=MONDAY, branch=None, publish=True) -> the plan's id and
    its items' ids, made (and published now) through the service."""

    def make(
        items: list[ItemSpec],
        *,
        by: str = "admin1",
        start: date = MONDAY,
        branch: str | None = None,
        publish: bool = True,
        theme: str = "学习贯彻宪法",
    ) -> tuple[int, list[int]]:
        with app.app_context(), db.new_session() as session:
            actor = session.scalars(select(User).where(User.username == by)).one()
            branch_id = org[branch].id if branch else None
            plan = service.save_plan(
                session, actor, PlanSpec(PlanPeriod.WEEK, start, theme, branch_id, items=items), now=START
            )
            if publish:
                service.schedule(session, actor, plan.id, None, now=START)
            session.commit()
            return plan.id, [item.id for item in plan.items]

    return make


# ---- progress and reminders (test_progress.py, test_reminders.py) -------------------------------

WEDNESDAY_2200 = datetime(2026, 4, 15, 14, 0, tzinfo=UTC)
THURSDAY = START + timedelta(days=1)  # 党章学习 is overdue from Wednesday 22:00


def mark(app, username: str, item_id: int, *, done: bool = True) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        person = session.scalars(select(User).where(User.username == username)).one()
        item = session.get(PlanItem, item_id)
        if done:
            service.mark_done(session, person, item, now=START)
        else:
            service.progress_for(session, person, item, START)
        session.commit()


@pytest.fixture
def week(app, org, make_plan, frozen_now):  # type: ignore[no-untyped-def]
    """The organisation's plan of START's week: 宪法全文 (everyone, Sunday), 党章学习 (everyone,
    Wednesday 22:00), 第二支部专题 (第二党支部 only) and 个人任务 (李晓燕 only). 王建国 has done the
    first two, 李晓燕 has started the first; the clock is on Thursday. Its ids: plan, items."""
    plan_id, items = make_plan(
        [
            read("宪法全文"),
            read("党章学习", due=WEDNESDAY_2200),
            read("第二支部专题", branch_ids=[org["second"].id]),
            read("个人任务", usernames=["10002"]),
        ]
    )
    mark(app, "10001", items[0])
    mark(app, "10001", items[1])
    mark(app, "10002", items[0], done=False)
    frozen_now(THURSDAY)
    return plan_id, items
