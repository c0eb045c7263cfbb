"""points_speed: the board index also holds the person, so a board and "my rank" count from it
alone; an index of the people who have left, whose totals those counts take away

Revision ID: 0011_points_speed
Revises: 0010_display
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_points_speed"
down_revision = "0010_display"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("point_total", schema=None) as batch_op:
        batch_op.drop_index("ix_point_total_board")
        batch_op.create_index(
            "ix_point_total_board",
            ["period", "start", sa.literal_column("points DESC"), "reached_at", "user_id"],
            unique=False,
        )
    departed = sa.column("active").is_(sa.false())
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index("ix_user_departed", ["id"], postgresql_where=departed, sqlite_where=departed)


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index("ix_user_departed")
    with op.batch_alter_table("point_total", schema=None) as batch_op:
        batch_op.drop_index("ix_point_total_board")
        batch_op.create_index(
            "ix_point_total_board",
            ["period", "start", sa.literal_column("points DESC"), "reached_at"],
            unique=False,
        )
