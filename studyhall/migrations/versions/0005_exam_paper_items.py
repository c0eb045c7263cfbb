"""stocked papers as rows that a start copies into its attempt

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The stock is disposable: the scheduler draws it again within a minute.
    op.execute("DELETE FROM exam_paper")
    op.create_table(
        "exam_paper_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("lineage", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exam.id"], name=op.f("fk_exam_paper_item_exam_id_exam"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["question.id"], name=op.f("fk_exam_paper_item_question_id_question")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_paper_item")),
    )
    with op.batch_alter_table("exam_paper_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_paper_item_paper_id"), ["paper_id"], unique=False)
    with op.batch_alter_table("exam_paper", schema=None) as batch_op:
        batch_op.drop_column("lines")


def downgrade() -> None:
    op.execute("DELETE FROM exam_paper")
    with op.batch_alter_table("exam_paper", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lines", sa.JSON(), nullable=False))
    with op.batch_alter_table("exam_paper_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_paper_item_paper_id"))
    op.drop_table("exam_paper_item")
