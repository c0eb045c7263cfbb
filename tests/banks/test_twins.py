"""Questions that ask the same thing in other words, in other banks, are found: at import (said in
the preview), after an edit, and among the shipped banks, where each pair was checked by hand."""

from __future__ import annotations

from sqlalchemy import select

from studyhall import clock, db
from studyhall.accounts.models import Role
from studyhall.banks import service, twins
from studyhall.banks.models import Question
from tests.banks.helpers import row, sheet_rows, xlsx
from tests.banks.test_service import import_file

EMERGENCY = row(
    "单选",
    "根据宪法，依照法律规定决定省、自治区、直辖市的范围内部分地区进入紧急状态的是（  ）。",
    ["国务院", "全国人民代表大会常务委员会", "中华人民共和国主席", "省级人民政府"],
    "A",
    source="《中华人民共和国宪法》第八十九条",
    id="XF-T1",
)
# The same question in another law's words, its options in another order and partly other.
EMERGENCY_AGAIN = row(
    "单选",
    "根据国家安全法：依照法律规定，决定省、自治区、直辖市的范围内部分地区进入紧急状态的是（ ）",
    ["省、自治区、直辖市人民政府", "中央军事委员会", "国务院", "最高人民检察院"],
    "C",
    source="《中华人民共和国国家安全法》第三十七条",
    id="NS-T1",
)
# Same stem, another key: a different question.
NATIONWIDE = row(
    "单选",
    "根据国家安全法，决定全国或者个别省、自治区、直辖市进入紧急状态的是（  ）。",
    ["全国人民代表大会常务委员会", "国务院", "中华人民共和国主席", "中央军事委员会"],
    "A",
    source="《中华人民共和国国家安全法》第三十五条",
    id="NS-T2",
)


def lineage(session, external_id: str) -> str:  # type: ignore[no-untyped-def]
    return session.scalars(
        select(Question.lineage).where(Question.external_id == external_id, Question.current)
    ).one()


def test_the_preview_names_the_question_another_bank_asks_in_other_words(app, session):
    import_file(app, "宪法知识", xlsx(sheet_rows(EMERGENCY)))
    plan, counts = import_file(app, "国家安全知识", xlsx(sheet_rows(EMERGENCY_AGAIN, NATIONWIDE)))
    assert counts == (2, 0, 0)
    assert [(w.row, w.message) for w in plan.result.warnings] == [
        (
            2,
            "与「宪法知识」的XF-T1问的是同一件事：任一测验可能考到其中一题时，练习和测验回顾对两题都不显示答案。",
        )
    ]
    assert twins.of(session, [lineage(session, "NS-T1")]) == {
        lineage(session, "NS-T1"): {lineage(session, "XF-T1")}
    }
    assert twins.of(session, [lineage(session, "NS-T2"), lineage(session, "XF-T1")]) == {
        lineage(session, "XF-T1"): {lineage(session, "NS-T1")}
    }


def test_an_edit_that_makes_two_questions_ask_the_same_thing_pairs_them(app, people, session):
    admin = people.user("admin1", role=Role.ADMIN)
    import_file(app, "宪法知识", xlsx(sheet_rows(EMERGENCY)))
    import_file(app, "国家安全知识", xlsx(sheet_rows(NATIONWIDE)))
    assert twins.of(session, [lineage(session, "NS-T2")]) == {}
    with app.app_context(), db.new_session() as writer:
        nationwide = writer.scalars(select(Question).where(Question.external_id == "NS-T2")).one()
        edited = service.to_parsed(nationwide)
        edited.stem = EMERGENCY_AGAIN[1]
        edited.answer = ["B"]  # 国务院
        service.edit_question(
            writer, writer.get_one(type(admin), admin.id), nationwide.id, edited, now=clock.now()
        )
        writer.commit()
    assert twins.of(session, [lineage(session, "NS-T2")]) == {
        lineage(session, "NS-T2"): {lineage(session, "XF-T1")}
    }


def test_the_shipped_banks_twins_are_the_pairs_checked_by_hand(app, session):
    with app.app_context(), db.new_session() as writer:
        service.load_shipped_banks(writer, now=clock.now())
        writer.commit()
    external = dict(
        session.execute(select(Question.lineage, Question.external_id).where(Question.current)).all()
    )
    found = {
        frozenset((external[a], external[b]))
        for a, others in twins.of(session, list(external)).items()
        for b in others
    }
    # Each: one fact, one key, asked in two banks (or twice in one).
    assert found == {
        frozenset(("XF-049", "NS-049")),  # 部分地区进入紧急状态: 国务院
        frozenset(("XF-090", "JC-152")),  # 监察机关与审判机关、检察机关、执法部门互相配合、互相制约
        frozenset(("XF-091", "JC-004")),  # 独立行使检察权，不受行政机关、社会团体和个人的干涉
    }
