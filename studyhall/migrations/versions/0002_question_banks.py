"""question banks and versioned questions

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("require_source", sa.Boolean(), nullable=False),
        sa.Column("created_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank")),
        sa.UniqueConstraint("name", name=op.f("uq_bank_name")),
    )
    op.create_table(
        "question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("lineage", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("difficulty", sa.Integer(), nullable=True),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("case_sensitive", sa.Boolean(), nullable=False),
        sa.Column("stem_key", sa.String(length=40), nullable=False),
        sa.Column("created_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["bank_id"], ["bank.id"], name=op.f("fk_question_bank_id_bank")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_question_created_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question")),
        sa.UniqueConstraint("lineage", "version", name=op.f("uq_question_lineage_version")),
    )
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.create_index("ix_question_bank_current", ["bank_id", "current"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_bank_id"), ["bank_id"], unique=False)
        batch_op.create_index("ix_question_bank_stem_key", ["bank_id", "stem_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_lineage"), ["lineage"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_lineage"))
        batch_op.drop_index("ix_question_bank_stem_key")
        batch_op.drop_index(batch_op.f("ix_question_bank_id"))
        batch_op.drop_index("ix_question_bank_current")

    op.drop_table("question")
    op.drop_table("bank")
