"""publication_xxqg: a 积分公示 may carry each person's 学习强国 figures, frozen with the days of the
export they are from and of the one before it; the schedule may ask for them. Off for the notices
published before and for the schedule as it was.

Revision ID: 0017_publication_xxqg
Revises: 0016_one_live_notice
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_publication_xxqg"
down_revision = "0016_one_live_notice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.add_column(sa.Column("with_xxqg", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("xxqg_exported_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("xxqg_previous_on", sa.Date(), nullable=True))
    with op.batch_alter_table("publication_schedule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("with_xxqg", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("publication_schedule", schema=None) as batch_op:
        batch_op.drop_column("with_xxqg")
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.drop_column("xxqg_previous_on")
        batch_op.drop_column("xxqg_exported_on")
        batch_op.drop_column("with_xxqg")
