"""Every model change comes with a migration: the migrated schema equals the models."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, select

from studyhall import db, migrations
from studyhall.exams.models import Exam
from studyhall.models import metadata
from studyhall.points.models import Publication, PublicationSchedule


def test_migrations_match_the_models(app):
    with app.extensions["studyhall.engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_tests_saved_before_drafts_existed_stay_published(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrations.upgrade(engine, "0006_branch_order")
    created = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)
    table = Table("exam", MetaData(), autoload_with=engine)  # as it stood at that revision
    values = {
        "title": "旧测试",
        "instructions": "",
        "mode": "exam",
        "opens_at": created,
        "closes_at": created,
        "time_limit_minutes": 15,
        "attempts_allowed": 1,
        "grading": "highest",
        "shuffle_questions": True,
        "shuffle_options": True,
        "partial_credit": False,
        "show_score": True,
        "review": "after_close",
        "one_per_page": False,
        "access_code": "",
        "allowed_networks": "",
        "created_at": created,
    }
    with engine.begin() as connection:
        connection.execute(table.insert().values(values))
    migrations.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(select(Exam.__table__.c.published_at)).scalar_one() == created
    engine.dispose()


def old_notice(published: datetime) -> dict[str, object]:
    """A publication row as the first revisions of that table hold one."""
    return {
        "title": "积分公示",
        "period": "week",
        "start": published.date(),
        "branch_name": "",
        "published_at": published,
        "people": [],
        "sections": [],
        "withdrawal_reason": "",
    }


def test_notices_published_before_their_issuer_was_kept_are_signed_by_the_top_branch(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrations.upgrade(engine, "0012_publications")
    published = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)
    branch = Table("branch", MetaData(), autoload_with=engine)
    publication = Table("publication", MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        connection.execute(branch.insert().values(id=1, name="机关党委", parent_id=None))
        connection.execute(branch.insert().values(id=2, name="第一党支部", parent_id=1))
        connection.execute(publication.insert().values(old_notice(published)))
    migrations.upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(select(Publication.issuer, Publication.objection_days)).one()
    assert tuple(row) == ("机关党委", 7)
    engine.dispose()


def test_notices_and_the_schedule_from_before_学习强国_figures_carry_none(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrations.upgrade(engine, "0016_one_live_notice")
    published = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)
    publication = Table("publication", MetaData(), autoload_with=engine)
    schedule = Table("publication_schedule", MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        connection.execute(publication.insert().values(old_notice(published)))
        connection.execute(schedule.insert().values(id=1, weekly_since=published, updated_at=published))
    migrations.upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(
            select(Publication.with_xxqg, Publication.xxqg_exported_on, Publication.xxqg_previous_on)
        ).one()
        assert tuple(row) == (False, None, None)
        assert connection.execute(select(PublicationSchedule.with_xxqg)).scalar_one() is False
    engine.dispose()


def test_questions_stored_before_twins_were_found_are_paired(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrations.upgrade(engine, "0023_practice")
    created = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)
    bank = Table("bank", MetaData(), autoload_with=engine)
    question = Table("question", MetaData(), autoload_with=engine)
    stems = {  # one fact in two laws' words, and another question
        "a": "根据宪法，决定省、自治区、直辖市的范围内部分地区进入紧急状态的是（ ）。",
        "b": "根据国家安全法，决定省、自治区、直辖市的范围内部分地区进入紧急状态的是（ ）。",
        "c": "每年（ ）为全民国家安全教育日。",
    }
    options = {"a": ["国务院", "中央军委"], "b": ["全国人大", "国务院"], "c": ["4月15日", "12月4日"]}
    answers = {"a": ["A"], "b": ["B"], "c": ["A"]}
    with engine.begin() as connection:
        bank_id = connection.execute(
            bank.insert().values(name="题库", description="", require_source=False, created_at=created)
        ).inserted_primary_key[0]
        for lineage, stem in stems.items():
            values = {
                "bank_id": bank_id, "lineage": lineage, "version": 1, "current": True, "retired": False,
                "type": "single", "stem": stem, "options": options[lineage], "answer": answers[lineage],
                "explanation": "", "categories": [], "score": 1.0, "source": "", "external_id": "",
                "case_sensitive": False, "stem_key": lineage, "created_at": created,
            }  # fmt: skip
            connection.execute(question.insert().values(values))
    migrations.upgrade(engine)
    with engine.connect() as connection:
        twin = Table("question_twin", MetaData(), autoload_with=engine)
        pairs = set(connection.execute(select(twin.c.lineage, twin.c.twin)))
    assert pairs == {("a", "b"), ("b", "a")}
    engine.dispose()
