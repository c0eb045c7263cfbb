"""closed-book tests: exams, papers, attempts, answers

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exam",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("opens_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=False),
        sa.Column("attempts_allowed", sa.Integer(), nullable=False),
        sa.Column("grading", sa.String(length=16), nullable=False),
        sa.Column("pass_mark", sa.Double(), nullable=True),
        sa.Column("shuffle_questions", sa.Boolean(), nullable=False),
        sa.Column("shuffle_options", sa.Boolean(), nullable=False),
        sa.Column("partial_credit", sa.Boolean(), nullable=False),
        sa.Column("show_score", sa.Boolean(), nullable=False),
        sa.Column("review", sa.String(length=16), nullable=False),
        sa.Column("one_per_page", sa.Boolean(), nullable=False),
        sa.Column("tab_switch_limit", sa.Integer(), nullable=True),
        sa.Column("access_code", sa.String(length=64), nullable=False),
        sa.Column("allowed_networks", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_exam_created_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam")),
    )
    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ended_by", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("max_score", sa.Double(), nullable=False),
        sa.Column("tab_switches", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["exam_id"], ["exam.id"], name=op.f("fk_attempt_exam_id_exam")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_attempt_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt")),
        sa.UniqueConstraint("exam_id", "user_id", "number", name=op.f("uq_attempt_exam_id_user_id_number")),
    )
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempt_exam_id"), ["exam_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempt_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_attempt_open",
            ["exam_id", "user_id"],
            unique=True,
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        )

    op.create_table(
        "exam_audience",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"], name=op.f("fk_exam_audience_branch_id_branch")),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exam.id"], name=op.f("fk_exam_audience_exam_id_exam"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_exam_audience_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_audience")),
    )
    with op.batch_alter_table("exam_audience", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_audience_exam_id"), ["exam_id"], unique=False)

    op.create_table(
        "exam_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("extra_minutes", sa.Integer(), nullable=False),
        sa.Column("closes_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exam.id"], name=op.f("fk_exam_extension_exam_id_exam"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_exam_extension_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_extension")),
        sa.UniqueConstraint("exam_id", "user_id", name=op.f("uq_exam_extension_exam_id_user_id")),
    )
    op.create_table(
        "exam_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("lineage", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exam.id"], name=op.f("fk_exam_item_exam_id_exam"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_item")),
    )
    with op.batch_alter_table("exam_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_item_exam_id"), ["exam_id"], unique=False)

    op.create_table(
        "exam_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("min_difficulty", sa.Integer(), nullable=True),
        sa.Column("max_difficulty", sa.Integer(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["bank.id"], name=op.f("fk_exam_rule_bank_id_bank")),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exam.id"], name=op.f("fk_exam_rule_exam_id_exam"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_rule")),
    )
    with op.batch_alter_table("exam_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_rule_exam_id"), ["exam_id"], unique=False)

    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("saved_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempt.id"], name=op.f("fk_answer_attempt_id_attempt"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer")),
        sa.UniqueConstraint("attempt_id", "position", name=op.f("uq_answer_attempt_id_position")),
    )
    op.create_table(
        "attempt_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_attempt_event_attempt_id_attempt"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_event")),
    )
    with op.batch_alter_table("attempt_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempt_event_attempt_id"), ["attempt_id"], unique=False)

    op.create_table(
        "attempt_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("lineage", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.Column("awarded", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_attempt_item_attempt_id_attempt"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["exam_id"], ["exam.id"], name=op.f("fk_attempt_item_exam_id_exam")),
        sa.ForeignKeyConstraint(
            ["question_id"], ["question.id"], name=op.f("fk_attempt_item_question_id_question")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_item")),
        sa.UniqueConstraint("attempt_id", "position", name=op.f("uq_attempt_item_attempt_id_position")),
    )
    with op.batch_alter_table("attempt_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempt_item_exam_id"), ["exam_id"], unique=False)
        batch_op.create_index("ix_attempt_item_exam_lineage", ["exam_id", "lineage"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attempt_item", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_item_exam_lineage")
        batch_op.drop_index(batch_op.f("ix_attempt_item_exam_id"))

    op.drop_table("attempt_item")
    with op.batch_alter_table("attempt_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempt_event_attempt_id"))

    op.drop_table("attempt_event")
    op.drop_table("answer")
    with op.batch_alter_table("exam_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_rule_exam_id"))

    op.drop_table("exam_rule")
    with op.batch_alter_table("exam_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_item_exam_id"))

    op.drop_table("exam_item")
    op.drop_table("exam_extension")
    with op.batch_alter_table("exam_audience", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_audience_exam_id"))

    op.drop_table("exam_audience")
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_attempt_open",
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_attempt_user_id"))
        batch_op.drop_index(batch_op.f("ix_attempt_exam_id"))

    op.drop_table("attempt")
    op.drop_table("exam")
