"""point_counts: how many people have each total in each period, so "my rank" adds up the counts
of the totals above instead of counting everyone ahead

Revision ID: 0013_point_counts
Revises: 0012_publications
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_point_counts"
down_revision = "0012_publications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "point_count",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "start", "points", name=op.f("pk_point_count")),
    )
    op.execute(
        "INSERT INTO point_count (period, start, points, people)"
        " SELECT period, start, points, COUNT(*) FROM point_total GROUP BY period, start, points"
    )


def downgrade() -> None:
    op.drop_table("point_count")
