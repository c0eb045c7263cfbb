"""reflections: 心得体会 written for a plan's reflection items, drafts saved as they are typed, and
every review of them; the rule for an approved reflection is put in use

Revision ID: 0018_reflections
Revises: 0017_publication_xxqg
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0018_reflections"
down_revision = "0017_publication_xxqg"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reflection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("saved_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("excellent", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_item.id"], name=op.f("fk_reflection_item_id_plan_item"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["user.id"], name=op.f("fk_reflection_reviewed_by_id_user")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_reflection_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection")),
        sa.UniqueConstraint("item_id", "user_id", name=op.f("uq_reflection_item_id_user_id")),
    )
    with op.batch_alter_table("reflection", schema=None) as batch_op:
        batch_op.create_index("ix_reflection_queue", ["state", "submitted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reflection_user_id"), ["user_id"], unique=False)

    op.create_table(
        "reflection_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reflection_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reflection_id"],
            ["reflection.id"],
            name=op.f("fk_reflection_review_reflection_id_reflection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["user.id"], name=op.f("fk_reflection_review_reviewed_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection_review")),
    )
    with op.batch_alter_table("reflection_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reflection_review_reflection_id"), ["reflection_id"], unique=False
        )

    # The rule was shipped waiting for this feature, switched off: an approved reflection now earns
    # its points. A rule an administrator has edited (version > 1) keeps what they chose.
    op.execute("UPDATE point_rule SET enabled = TRUE WHERE key = 'reflection' AND version = 1")


def downgrade() -> None:
    op.execute("UPDATE point_rule SET enabled = FALSE WHERE key = 'reflection' AND version = 1")
    op.drop_table("reflection_review")
    op.drop_table("reflection")
