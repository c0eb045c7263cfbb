"""question twins: questions that ask the same thing in other words, held back together while a test
may ask any of them; found for the questions already stored (every version)

Revision ID: 0024_question_twins
Revises: 0023_practice
"""

import sqlalchemy as sa
from alembic import op

from studyhall.banks import twins

revision = "0024_question_twins"
down_revision = "0023_practice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_twin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lineage", sa.String(length=32), nullable=False),
        sa.Column("twin", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_twin")),
    )
    with op.batch_alter_table("question_twin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_twin_lineage"), ["lineage"], unique=False)
    # Only the columns the comparison reads, as they stand at this revision.
    question = sa.table(
        "question",
        sa.column("lineage", sa.String),
        sa.column("type", sa.String),
        sa.column("stem", sa.Text),
        sa.column("options", sa.JSON),
        sa.column("answer", sa.JSON),
    )
    rows = op.get_bind().execute(
        sa.select(question.c.lineage, question.c.type, question.c.stem, question.c.options, question.c.answer)
    )
    found = twins.pairs(tuple(row) for row in rows)
    if found:
        twin = sa.table("question_twin", sa.column("lineage", sa.String), sa.column("twin", sa.String))
        op.bulk_insert(twin, [{"lineage": a, "twin": b} for a, b in sorted(found)])


def downgrade() -> None:
    with op.batch_alter_table("question_twin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_twin_lineage"))
    op.drop_table("question_twin")
