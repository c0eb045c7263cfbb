"""The weekly and topic sets administrators build: drawn from banks and categories, checked field by
field, fixed once people have begun them."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from studyhall.accounts.models import AuditEvent
from studyhall.banks.models import Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.points import service as points
from studyhall.practice import service, sets, setup
from studyhall.practice.models import PracticeRound, PracticeSet, SetKind
from studyhall.practice.sets import SetSpec
from tests.conftest import START
from tests.practice.conftest import load_bank, question_row
from tests.practice.exams import publish_test

MONDAY = date(2026, 4, 13)  # START's week


def spec(bank_id: int, **changes) -> SetSpec:  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "kind": SetKind.WEEKLY,
        "title": "第16周每周答题",
        "first_day": MONDAY,
        "last_day": MONDAY + timedelta(days=6),
        "bank_ids": [bank_id],
        "count": 4,
    }
    values.update(changes)
    return SetSpec(**values)  # type: ignore[arg-type]


def save(in_app, given: SetSpec, set_id: int | None = None) -> PracticeSet:  # type: ignore[no-untyped-def]
    return in_app(
        "admin1", lambda s, u: sets.save(s, u, given, set_id=set_id, now=START, rng=random.Random(1))
    )


def external_ids(in_app, lineages: list[str]) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        in_app(
            "admin1",
            lambda s, u: s.scalars(
                select(Question.external_id).where(Question.lineage.in_(lineages), Question.current)
            ).all(),
        )
    )


def test_a_set_draws_the_number_asked_from_the_categories_chosen(app, bank, in_app):
    found = save(in_app, spec(bank, categories=["宪法"], count=5))
    drawn = external_ids(in_app, found.lineages)
    assert len(found.lineages) == 5 and len(drawn) == 5
    assert drawn <= {f"P-{n:02d}" for n in range(1, 13, 2)}  # odd numbers are 宪法
    assert found.built_from == {"bank_ids": [bank], "categories": ["宪法"], "count": 5}
    # Without categories, every question of the banks may be drawn: here all twelve.
    assert len(save(in_app, spec(bank, count=12)).lineages) == 12


def test_any_bank_may_be_drawn_on_open_for_practice_or_not(app, bank, in_app):
    closed = load_bank(app, "未开放题库", [question_row(100, "党章")], open_it=False)
    found = save(in_app, spec(closed, count=1))
    assert external_ids(in_app, found.lineages) == {"P-100"}


def test_a_retired_question_is_not_drawn(app, bank, in_app):
    def retire(session, user):  # type: ignore[no-untyped-def]
        for question in session.scalars(select(Question).where(Question.external_id != "P-01")):
            question.retired = True

    in_app("admin1", retire)
    assert external_ids(in_app, save(in_app, spec(bank, count=1)).lineages) == {"P-01"}
    with pytest.raises(sets.SetError) as refused:
        save(in_app, spec(bank, count=2))
    assert set(refused.value.problems) == {"count"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "题" * 101}, "title"),
        ({"first_day": date(1999, 12, 31)}, "first_day"),
        ({"last_day": date(2101, 6, 1), "kind": SetKind.TOPIC}, "last_day"),
        ({"last_day": MONDAY - timedelta(days=1)}, "last_day"),
        ({"last_day": MONDAY + timedelta(days=7)}, "last_day"),  # a weekly set: 7 days at most
        ({"bank_ids": []}, "bank_ids"),
        ({"bank_ids": [999_999]}, "bank_ids"),
        ({"count": 0}, "count"),
        ({"count": 51}, "count"),
        ({"count": 13}, "count"),  # the bank holds twelve
        ({"categories": ["宪法"], "count": 7}, "count"),  # six of them are 宪法
        ({"categories": ["宪法", "宪去"], "count": 2}, "categories"),  # a typo narrows nothing silently
        ({"description": "说" * 501}, "description"),
    ],
)
def test_what_is_wrong_with_a_set_is_refused_naming_its_field(app, bank, in_app, changes, field):
    def attempt(session, user):  # type: ignore[no-untyped-def]
        with pytest.raises(sets.SetError) as refused:
            sets.save(session, user, spec(bank, **changes), now=START)
        assert refused.value.message.startswith(str(sets.FIELD_LABELS[field]))
        return set(refused.value.problems)

    assert in_app("admin1", attempt) == {field}
    assert in_app("admin1", lambda s, u: s.scalars(select(PracticeSet)).all()) == []


def test_every_field_wrong_is_named_at_once(app, bank, in_app):
    wrong = spec(bank, title="", last_day=MONDAY - timedelta(days=1), count=0, description="说" * 501)
    with pytest.raises(sets.SetError) as refused:
        save(in_app, wrong)
    assert set(refused.value.problems) == {"title", "last_day", "count", "description"}
    for label in ("名称：", "结束日期：", "题数：", "说明："):
        assert label in refused.value.message


def test_the_draws_problems_come_with_the_forms_at_once(app, bank, in_app):
    wrong = spec(bank, last_day=MONDAY + timedelta(days=13), categories=["宪法", "国歌"], count=7)
    with pytest.raises(sets.SetError) as refused:
        save(in_app, wrong)
    # 14 days for a weekly set; no 国歌 in the bank; six 宪法 questions for seven asked.
    assert set(refused.value.problems) == {"last_day", "categories", "count"}


def test_a_topic_set_may_last_longer_than_a_week(app, bank, in_app):
    found = save(in_app, spec(bank, kind=SetKind.TOPIC, last_day=MONDAY + timedelta(days=30)))
    assert found.last_day == MONDAY + timedelta(days=30)


def test_an_edit_keeps_the_questions_unless_what_they_are_drawn_from_changes(app, bank, in_app):
    first = save(in_app, spec(bank))
    renamed = save(in_app, spec(bank, title="新标题", last_day=MONDAY + timedelta(days=5)), first.id)
    assert renamed.lineages == first.lineages and renamed.title == "新标题"
    more = save(in_app, spec(bank, count=6), first.id)
    assert len(more.lineages) == 6


def test_once_someone_has_begun_a_set_its_questions_stay_as_they_are(app, bank, in_app):
    found = save(in_app, spec(bank))
    in_app("admin1", lambda s, u: sets.publish(s, u, s.get_one(PracticeSet, found.id), now=START))
    in_app("10001", lambda s, u: service.of_set(s, u, s.get_one(PracticeSet, found.id), now=START))
    for changes, field in (({"count": 6}, "bank_ids"), ({"kind": SetKind.TOPIC}, "kind")):
        with pytest.raises(sets.SetError) as refused:
            save(in_app, spec(bank, **changes), found.id)
        assert set(refused.value.problems) == {field}
    with pytest.raises(DomainError) as refused_redraw:
        in_app("admin1", lambda s, u: sets.redraw(s, u, s.get_one(PracticeSet, found.id), now=START))
    assert refused_redraw.value.code == ErrorCode.STARTED
    # Its title and days may still change.
    assert save(in_app, spec(bank, title="改名"), found.id).lineages == found.lineages


def test_drawing_again_changes_the_questions_and_publishing_is_audited(app, bank, in_app):
    found = save(in_app, spec(bank, count=6))

    def redraw(session, user):  # type: ignore[no-untyped-def]
        target = session.get_one(PracticeSet, found.id)
        sets.redraw(session, user, target, now=START, rng=random.Random(99))
        return target.lineages

    assert set(in_app("admin1", redraw)) != set(found.lineages)

    def publish_twice_then_unpublish(session, user):  # type: ignore[no-untyped-def]
        target = session.get_one(PracticeSet, found.id)
        sets.publish(session, user, target, now=START)
        sets.publish(session, user, target, now=START + timedelta(hours=1))
        assert target.published_at == START
        sets.unpublish(session, user, target, now=START)
        assert target.published_at is None

    in_app("admin1", publish_twice_then_unpublish)
    actions = in_app(
        "admin1",
        lambda s, u: s.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("practice.set%"))
        ).all(),
    )
    assert sorted(actions) == sorted(
        ["practice.set_save", "practice.set_save", "practice.set_publish", "practice.set_unpublish"]
    )


def test_the_tests_still_to_come_that_may_ask_a_sets_questions_are_listed(app, org, bank, in_app):
    found = save(in_app, spec(bank, count=12))
    publish_test(
        in_app,
        "宪法测试",
        ["P-01", "P-02"],
        START + timedelta(days=2),
        START + timedelta(days=3),
        org["root"].id,
    )
    tests = in_app("admin1", lambda s, u: setup.tests_asking(s, set(found.lineages), now=START))
    assert [(test.title, count) for test, count in tests] == [("宪法测试", 2)]
    assert (
        in_app(
            "admin1", lambda s, u: setup.tests_asking(s, set(found.lineages), now=START + timedelta(days=4))
        )
        == []
    )


def test_a_weekly_set_defaults_to_its_iso_week():
    assert sets.this_week(date(2026, 4, 15)) == (MONDAY, MONDAY + timedelta(days=6))
    assert sets.this_week(date(2026, 4, 19)) == (MONDAY, MONDAY + timedelta(days=6))


def test_categories_are_read_from_commas_and_the_enumeration_comma():
    assert sets.category_list("宪法、国家安全法, 党章，宪法\n") == ["宪法", "国家安全法", "党章"]


def test_a_sets_status_follows_its_days(app, bank, in_app):
    found = save(in_app, spec(bank))
    assert sets.status(found, MONDAY) == sets.SetStatus.DRAFT
    found.published_at = START
    assert sets.status(found, MONDAY - timedelta(days=1)) == sets.SetStatus.UPCOMING
    assert sets.status(found, MONDAY + timedelta(days=6)) == sets.SetStatus.OPEN
    assert sets.status(found, MONDAY + timedelta(days=7)) == sets.SetStatus.ENDED


def test_a_published_weekly_set_earns_under_its_own_rule_capped_a_week_and_closes_after_its_last_day(
    app, bank, in_app
):
    found = save(in_app, spec(bank, count=6))
    in_app("admin1", lambda s, u: sets.publish(s, u, s.get_one(PracticeSet, found.id), now=START))

    def answer_all(session, user):  # type: ignore[no-untyped-def]
        practice_set = session.get_one(PracticeSet, found.id)
        practice_round = service.of_set(session, user, practice_set, now=START)
        assert practice_round.kind == service.RoundKind.WEEKLY and len(practice_round.question_ids) == 6
        return [
            service.answer(session, user, practice_round.id, n, ["A"], now=START).points for n in range(6)
        ]

    assert in_app("10001", answer_all) == [1, 1, 1, 1, 1, 0]  # 每周答题: 5 a week
    week_total = in_app(
        "10001",
        lambda s, u: sum(
            points.given(s, u.id, points.RuleKey.PRACTICE_WEEKLY, service.source(r, n)) or 0
            for r in s.scalars(select(PracticeRound).where(PracticeRound.user_id == u.id))
            for n in range(len(r.question_ids))
        ),
    )
    assert week_total == 5
    # After its last day it takes no answer and no one starts it.
    after = START + timedelta(days=7)
    with pytest.raises(DomainError) as refused:
        in_app(
            "10002",
            lambda s, u: service.of_set(s, u, s.get_one(PracticeSet, found.id), now=after),
        )
    assert refused.value.code == ErrorCode.NOT_OPEN


def test_one_weekly_set_at_a_time_is_published(app, bank, in_app):
    def publish(set_id: int) -> None:
        in_app("admin1", lambda s, u: sets.publish(s, u, s.get_one(PracticeSet, set_id), now=START))

    first = save(in_app, spec(bank))
    publish(first.id)
    # Another weekly set sharing Sunday: its week's cap would count twice the questions.
    second = save(
        in_app,
        spec(
            bank, title="另一套", first_day=MONDAY + timedelta(days=6), last_day=MONDAY + timedelta(days=12)
        ),
    )
    with pytest.raises(DomainError) as refused:
        publish(second.id)
    assert "第16周每周答题" in refused.value.message
    # A topic set alongside is fine, and so is the next week's weekly set.
    publish(save(in_app, spec(bank, kind=SetKind.TOPIC, title="专项")).id)
    publish(
        save(
            in_app,
            spec(
                bank, title="下周", first_day=MONDAY + timedelta(days=7), last_day=MONDAY + timedelta(days=13)
            ),
        ).id
    )
    # A published weekly set cannot be moved onto another's days either.
    with pytest.raises(sets.SetError) as moved:
        save(
            in_app,
            spec(bank, first_day=MONDAY + timedelta(days=1), last_day=MONDAY + timedelta(days=7)),
            first.id,
        )
    assert set(moved.value.problems) == {"first_day"}
