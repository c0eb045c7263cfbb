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
            "与「宪法知识」的XF-T1（根据宪法，依照法律规定决定省、自治区、直辖市的范围内部分地区…）问的是同一件事："
            "任一测试可能考到其中一题时，练习和测试回顾对两题都不显示答案。",
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


def test_the_shipped_banks_twins_are_the_groups_checked_by_hand(app, session):
    with app.app_context(), db.new_session() as writer:
        service.load_shipped_banks(writer, now=clock.now())
        writer.commit()
    external = dict(
        session.execute(select(Question.lineage, Question.external_id).where(Question.current)).all()
    )
    groups = {
        frozenset(external[twin] for twin in {lineage, *others})
        for lineage, others in twins.of(session, list(external)).items()
    }
    assert groups == {
        # One fact asked twice, in two banks or one:
        frozenset(("XF-049", "NS-049")),  # 部分地区进入紧急状态: 国务院
        frozenset(("XF-090", "JC-152")),  # 监察机关与审判机关、检察机关、执法部门互相配合、互相制约
        frozenset(("XF-091", "JC-004", "XF-116")),  # 独立行使检察权 / 监察权，不受……干涉
        frozenset(("XF-008", "ES-080")),  # 工人阶级领导的、以工农联盟为基础的人民民主专政的社会主义国家
        frozenset(("ES-127", "NS-007")),  # 统筹传统安全和非传统安全……: the same four options
        frozenset(("DJ-067", "DZ-058")),  # 政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律、生活纪律
        frozenset(("DJ-047", "DJ-082")),  # 拒不执行党组织的分配、调动、交流等决定
        # Kin: one rule with one word changed, whose keys hint at each other.
        frozenset(("DJ-026", "DJ-028")),  # 警告 / 严重警告：一年 / 一年半内不得提拔
        frozenset(("DJ-048", "DJ-050")),  # 减轻 / 加重处分
        frozenset(("XF-036", "XF-138")),  # 全国 / 地方各级人大每届任期五年
        frozenset(("XF-060", "XF-119")),  # 地方各级人民检察院 / 人民法院对产生它的国家权力机关负责
    }


def test_a_statement_a_key_of_the_same_options_and_a_twin_of_a_twin_are_twins(app, session):
    rows = [
        # NS-028 and a 判断 stating its answer, and a 填空 asking it again.
        row(
            "单选",
            "国家安全法规定，为防备和抵御侵略，国家实施的军事战略方针是（  ）。",
            ["积极防御", "先发制人"],
            "A",
            id="C-1",
        ),
        row("判断", "为防备和抵御侵略，国家实施积极防御的军事战略方针。", [], "对", id="C-2"),
        # The same four options for the key, in another order and with a pair's words swapped.
        row(
            "多选",
            "国家安全工作应当统筹（  ）。",
            [
                "传统安全和非传统安全",
                "自身安全和共同安全",
                "国土安全和国民安全",
                "内部安全和外部安全",
                "网络安全",
            ],
            "ABCD",
            id="C-3",
        ),
        row(
            "多选",
            "报告要求统筹（  ）。",
            [
                "外部安全和内部安全",
                "国土安全和国民安全",
                "政治安全",
                "自身安全和共同安全",
                "传统安全和非传统安全",
            ],
            "ABDE",
            id="C-4",
        ),
    ]
    import_file(app, "甲题库", xlsx(sheet_rows(*rows)))
    lineages = {external: lineage(session, external) for external in ("C-1", "C-2", "C-3", "C-4")}
    found = twins.of(session, list(lineages.values()))
    assert found[lineages["C-1"]] == {lineages["C-2"]} and found[lineages["C-3"]] == {lineages["C-4"]}
    # A 填空 near C-2 but not C-1 joins their group: a twin of a twin answers both.
    chained = row(
        "填空", "为防备和抵御侵略，国家实施____的军事战略方针，保卫国家。", [], "积极防御", id="C-5"
    )
    import_file(app, "乙题库", xlsx(sheet_rows(chained)))
    assert twins.of(session, [lineages["C-1"]])[lineages["C-1"]] == {lineages["C-2"], lineage(session, "C-5")}
