"""one_live_notice: one 积分公示 in force per period and scope (the whole organisation or a
党支部), kept by a unique key cleared on withdrawal; of notices published twice before, the
earliest stays in force and the later ones are withdrawn

Revision ID: 0016_one_live_notice
Revises: 0015_plans
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_one_live_notice"
down_revision = "0015_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE publication SET withdrawn_at = published_at,"
        " withdrawal_reason = '重复发布，保留最早一份。'"
        " WHERE withdrawn_at IS NULL AND EXISTS (SELECT 1 FROM publication AS earlier"
        " WHERE earlier.withdrawn_at IS NULL AND earlier.period = publication.period"
        " AND earlier.start = publication.start"
        " AND COALESCE(earlier.branch_id, 0) = COALESCE(publication.branch_id, 0)"
        " AND earlier.id < publication.id)"
    )
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_key", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE publication SET live_key = period || ':' || CAST(start AS VARCHAR(10)) || ':'"
        " || CAST(COALESCE(branch_id, 0) AS VARCHAR(12)) WHERE withdrawn_at IS NULL"
    )
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_publication_live_key"), ["live_key"])


def downgrade() -> None:
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_publication_live_key"), type_="unique")
        batch_op.drop_column("live_key")
