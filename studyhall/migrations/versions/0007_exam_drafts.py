"""tests are drafts until published; the tests there were are published

Revision ID: 0007_exam_drafts
Revises: 0006_branch_order
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0007_exam_drafts"
down_revision = "0006_branch_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exam", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", studyhall.db.UTCDateTime(timezone=True), nullable=True))
    # Before drafts, a test was live as soon as it was saved.
    op.execute("UPDATE exam SET published_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("exam", schema=None) as batch_op:
        batch_op.drop_column("published_at")
