"""Importing is all or nothing and versioned; editing keeps old versions; retiring hides."""

from __future__ import annotations

from sqlalchemy import func, select

from studyhall import clock, db
from studyhall.banks import service
from studyhall.banks.formats import parse_file
from studyhall.banks.models import Question
from studyhall.errors import DomainError
from tests.banks.helpers import SAMPLE, row, sheet_rows, xlsx


def import_file(app, bank: str, data: bytes, filename: str = "bank.xlsx"):
    with app.app_context(), db.new_session() as session:
        plan = service.plan_import(session, bank, parse_file(filename, data))
        if not plan.ok:
            return plan, None
        summary = service.apply_import(session, None, plan, now=clock.now())
        session.commit()
        return plan, (summary.new, summary.versions, summary.unchanged)


def count(session, **where) -> int:
    query = select(func.count()).select_from(Question)
    for name, value in where.items():
        query = query.where(getattr(Question, name) == value)
    return session.scalar(query)


def test_import_creates_the_bank_and_every_question(app, session):
    _plan, counts = import_file(app, "国家安全", xlsx(sheet_rows(*SAMPLE)))
    assert counts == (4, 0, 0)
    question = session.scalars(select(Question).where(Question.external_id == "T-001")).one()
    assert (question.bank.name, question.answer, question.version, question.current) == (
        "国家安全",
        ["B"],
        1,
        True,
    )


def test_one_bad_row_means_nothing_is_imported(app, session):
    bad = [*SAMPLE, row("单选", "答案不在选项中的题（ ）。", ["甲", "乙"], "C")]
    plan, counts = import_file(app, "国家安全", xlsx(sheet_rows(*bad)))
    assert counts is None
    assert [(issue.row, issue.message) for issue in plan.result.errors] == [(6, "答案 C 不在选项之中。")]
    assert count(session) == 0 and service.get_bank(session, "国家安全") is None


def test_reimporting_the_same_file_adds_nothing(app, session):
    data = xlsx(sheet_rows(*SAMPLE))
    import_file(app, "国家安全", data)
    _plan, counts = import_file(app, "国家安全", data)
    assert counts == (0, 0, 4)
    assert count(session) == 4


def test_a_changed_question_becomes_a_new_version_by_id_or_by_stem(app, session):
    import_file(app, "国家安全", xlsx(sheet_rows(*SAMPLE)))
    changed = [list(r) for r in SAMPLE]
    changed[0][11] = "改写后的解析。"  # same 编号 T-001, new explanation
    changed[2][-1] = ""  # no 编号: found again by its stem
    changed[2][10] = "错"
    _plan, counts = import_file(app, "国家安全", xlsx(sheet_rows(*changed)))
    assert counts == (0, 2, 2)
    versions = session.scalars(
        select(Question).where(Question.external_id == "T-001").order_by(Question.version)
    ).all()
    assert [(q.version, q.current, q.explanation) for q in versions] == [
        (1, False, "国家安全法第十四条。"),
        (2, True, "改写后的解析。"),
    ]
    assert versions[0].lineage == versions[1].lineage
    judge = session.scalars(select(Question).where(Question.type == "judge", Question.current)).one()
    assert (judge.version, judge.answer) == (2, False)


def test_two_rows_for_one_bank_question_are_refused(app):
    import_file(app, "国家安全", xlsx(sheet_rows(*SAMPLE)))
    twice = [SAMPLE[0], [*SAMPLE[0][:-1], "T-001"]]
    plan, counts = import_file(app, "国家安全", xlsx(sheet_rows(*twice)))
    assert counts is None
    assert [(i.row, i.message) for i in plan.result.errors] == [(3, "编号 T-001 与第 2 行重复。")]


def test_duplicate_of_a_question_already_in_the_bank_is_warned(app):
    import_file(app, "国家安全", xlsx(sheet_rows(*SAMPLE)))
    copy = [*SAMPLE[0][:-1], "T-900"]  # same question under a new 编号 and a changed stem punctuation
    copy[1] = "每年（ ）为全民国家安全教育日"
    plan, _counts = import_file(app, "国家安全", xlsx(sheet_rows(copy)))
    assert [(w.row, w.message) for w in plan.result.warnings] == [(2, "与T-001的题目相同。")]


def test_editing_saves_a_new_version_and_keeps_the_old_one(app, people, session):
    admin = people.user("admin1", role=__import__("studyhall.accounts.models", fromlist=["Role"]).Role.ADMIN)
    import_file(app, "国家安全", xlsx(sheet_rows(*SAMPLE)))
    old = session.scalars(select(Question).where(Question.external_id == "T-001")).one()
    with app.app_context(), db.new_session() as writer:
        edited = service.to_parsed(writer.get(Question, old.id))
        edited.answer = ["C"]
        new = service.edit_question(
            writer, writer.get(type(admin), admin.id), old.id, edited, now=clock.now()
        )
        writer.commit()
        new_id = new.id
    session.expire_all()
    assert session.get(Question, old.id).answer == ["B"] and not session.get(Question, old.id).current
    assert session.get(Question, new_id).answer == ["C"] and session.get(Question, new_id).version == 2
    with app.app_context(), db.new_session() as writer:
        broken = service.to_parsed(writer.get(Question, new_id))
        broken.answer = ["Z"]
        try:
            service.edit_question(writer, writer.get(type(admin), admin.id), new_id, broken, now=clock.now())
        except DomainError as error:
            assert "不在选项之中" in error.message
        else:
            raise AssertionError("an edit with a wrong key was saved")


def test_retired_questions_leave_the_listing_and_the_export(app, session):
    import_file(app, "国家安全", xlsx(sheet_rows(*SAMPLE)))
    bank = service.get_bank(session, "国家安全")
    target = session.scalars(select(Question).where(Question.external_id == "T-002")).one()
    with app.app_context(), db.new_session() as writer:
        service.set_retired(writer, None, target.id, True, now=clock.now())  # type: ignore[arg-type]
        writer.commit()
    assert [q.external_id for q in service.search(session, bank).items] == ["T-001", "T-003", "T-004"]
    assert [q.external_id for q in service.search(session, bank, retired=True).items] == ["T-002"]
    exported = parse_file("x.csv", service.export_bank(session, bank, "csv"))
    assert [q.external_id for q in exported.questions] == ["T-001", "T-003", "T-004"]
    summary = service.summary(session, bank)
    assert (summary.total, summary.retired, summary.by_type["multiple"]) == (3, 1, 0)


def test_search_filters_by_type_category_difficulty_and_text(app, session):
    import_file(app, "国家安全", xlsx(sheet_rows(*SAMPLE)))
    bank = service.get_bank(session, "国家安全")
    ids = lambda page: [q.external_id for q in page.items]  # noqa: E731
    assert ids(service.search(session, bank, type="judge")) == ["T-003"]
    assert ids(service.search(session, bank, category="教育日")) == ["T-001"]
    assert ids(service.search(session, bank, category="教育")) == []  # whole knowledge points only
    assert ids(service.search(session, bank, difficulty=2)) == ["T-001"]
    assert ids(service.search(session, bank, text="公民")) == ["T-002", "T-003"]
    assert service.bank_categories(session, bank) == ["国家安全法", "教育日"]


def test_every_format_exports_what_it_can_hold_and_reads_it_back(app, session):
    import_file(app, "国家安全", xlsx(sheet_rows(*SAMPLE)))
    bank = service.get_bank(session, "国家安全")
    held = {"xlsx": 4, "csv": 4, "text": 4, "docx": 4, "moodlexml": 3, "gift": 3, "aiken": 1}
    for format_name, expected in held.items():
        data = service.export_bank(session, bank, format_name)
        again = parse_file(f"export.{format_name}", data, format_name)
        assert again.errors == [], format_name
        assert len(again.questions) == expected, format_name
        for question in again.questions:
            original = next(q for q in SAMPLE if q[1] == question.stem or q[1] in question.stem)
            assert (
                question.type
                == {"单选": "single", "多选": "multiple", "判断": "judge", "填空": "blank"}[original[0]]
            )


def test_shipped_banks_load_once_with_every_type_and_a_source_on_every_question(app, session):
    with app.app_context(), db.new_session() as writer:
        first = service.load_shipped_banks(writer, now=clock.now())
        writer.commit()
    with app.app_context(), db.new_session() as writer:
        second = service.load_shipped_banks(writer, now=clock.now())
        writer.commit()
    minimum = {
        "国家安全知识": 150,
        "宪法知识": 150,
        "党章党规知识": 100,
        "党的二十大报告": 150,
        "党纪知识": 150,
        "检察法律知识": 150,
    }
    assert {s.bank.name: s.new for s in first}.keys() == minimum.keys()
    for item in first:
        assert item.new >= minimum[item.bank.name]
    assert all(s.new == 0 and s.versions == 0 for s in second)
    for summary in service.summaries(session):
        assert all(count > 0 for count in summary.by_type.values()), summary.bank.name
    assert count(session, source="") == 0
