"""practice: rounds and answers, published sets, the wrong-answer book's FSRS cards, the tests filed
into it, and which banks are open for practice; the practice rule switched on, and the plan-item and meeting
rules capped

Revision ID: 0023_practice
Revises: 0022_notifications
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0023_practice"
down_revision = "0022_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("weekly", "topic", name="setkind", native_enum=False, length=16), nullable=False
        ),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("lineages", sa.JSON(), nullable=False),
        sa.Column("built_from", sa.JSON(), nullable=False),
        sa.Column("published_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_practice_set_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_set")),
    )
    op.create_table(
        "practice_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "daily",
                "weekly",
                "topic",
                "challenge",
                "review",
                name="roundkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("started_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["practice_set.id"],
            name=op.f("fk_practice_round_set_id_practice_set"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_practice_round_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_round")),
        sa.UniqueConstraint("user_id", "kind", "key", name=op.f("uq_practice_round_user_id_kind_key")),
    )
    with op.batch_alter_table("practice_round", schema=None) as batch_op:
        batch_op.create_index("ix_practice_round_kind_day", ["kind", "day"], unique=False)

    op.create_table(
        "review_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lineage", sa.String(length=32), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column(
            "origin",
            sa.Enum("practice", "exam", "added", name="cardorigin", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("due", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("wrong_question_id", sa.Integer(), nullable=True),
        sa.Column("wrong_response", sa.JSON(), nullable=True),
        sa.Column("wrong_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("wrong_count", sa.Integer(), nullable=False),
        sa.Column("learnt_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["bank_id"], ["bank.id"], name=op.f("fk_review_card_bank_id_bank")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_review_card_user_id_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["wrong_question_id"], ["question.id"], name=op.f("fk_review_card_wrong_question_id_question")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_card")),
        sa.UniqueConstraint("user_id", "lineage", name=op.f("uq_review_card_user_id_lineage")),
    )
    with op.batch_alter_table("review_card", schema=None) as batch_op:
        batch_op.create_index("ix_review_card_due", ["user_id", "learnt_at", "due"], unique=False)

    op.create_table(
        "practice_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("lineage", sa.String(length=32), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["question.id"], name=op.f("fk_practice_answer_question_id_question")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["practice_round.id"],
            name=op.f("fk_practice_answer_round_id_practice_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_practice_answer_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_answer")),
        sa.UniqueConstraint("round_id", "position", name=op.f("uq_practice_answer_round_id_position")),
    )
    with op.batch_alter_table("practice_answer", schema=None) as batch_op:
        batch_op.create_index("ix_practice_answer_lineage_correct", ["lineage", "correct"], unique=False)
        batch_op.create_index("ix_practice_answer_user_lineage", ["user_id", "lineage"], unique=False)

    op.create_table(
        "practice_filed_attempt",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("filed_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_practice_filed_attempt_attempt_id_attempt"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_practice_filed_attempt")),
    )
    with op.batch_alter_table("bank", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("practice_since", studyhall.db.UTCDateTime(timezone=True), nullable=True)
        )

    # The rule was shipped waiting for this feature, switched off: a right answer in 每日答题 now earns
    # its point. A rule an administrator has edited (version > 1) keeps what they chose.
    op.execute("UPDATE point_rule SET enabled = TRUE WHERE key = 'practice' AND version = 1")
    # Whoever records a meeting or writes a plan decides who earns its points, a secretary
    # included: the rules as shipped now cap them. Edited rules keep what an administrator chose.
    op.execute(
        "UPDATE point_rule SET daily_cap = 20, weekly_cap = 50 WHERE key = 'plan_item' AND version = 1"
        " AND daily_cap IS NULL AND weekly_cap IS NULL"
    )
    op.execute(
        "UPDATE point_rule SET daily_cap = 4, weekly_cap = 10 WHERE key = 'meeting' AND version = 1"
        " AND daily_cap IS NULL AND weekly_cap IS NULL"
    )


def downgrade() -> None:
    op.execute("UPDATE point_rule SET enabled = FALSE WHERE key = 'practice' AND version = 1")
    for key in ("plan_item", "meeting"):
        op.execute(
            f"UPDATE point_rule SET daily_cap = NULL, weekly_cap = NULL WHERE key = '{key}' AND version = 1"
        )
    with op.batch_alter_table("bank", schema=None) as batch_op:
        batch_op.drop_column("practice_since")

    op.drop_table("practice_filed_attempt")
    with op.batch_alter_table("practice_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_practice_answer_user_lineage")
        batch_op.drop_index("ix_practice_answer_lineage_correct")

    op.drop_table("practice_answer")
    with op.batch_alter_table("review_card", schema=None) as batch_op:
        batch_op.drop_index("ix_review_card_due")

    op.drop_table("review_card")
    with op.batch_alter_table("practice_round", schema=None) as batch_op:
        batch_op.drop_index("ix_practice_round_kind_day")

    op.drop_table("practice_round")
    op.drop_table("practice_set")
