"""papers drawn ahead of the start

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exam_paper",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("drawn_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exam.id"], name=op.f("fk_exam_paper_exam_id_exam"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_paper")),
    )
    with op.batch_alter_table("exam_paper", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_paper_exam_id"), ["exam_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exam_paper", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_paper_exam_id"))

    op.drop_table("exam_paper")
