"""publication_notice: a 积分公示 keeps who issued it and its 公示期 (the days for objections), as
published; notices published before get the top branch's name and the default seven days

Revision ID: 0014_publication_notice
Revises: 0013_point_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_publication_notice"
down_revision = "0013_point_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("objection_days", sa.Integer(), server_default="7", nullable=False))
    # The default issuer, as publish() gives it when none is configured: the top branch's name.
    op.execute(
        "UPDATE publication SET issuer = COALESCE("
        "(SELECT name FROM branch WHERE parent_id IS NULL ORDER BY id LIMIT 1), '')"
    )


def downgrade() -> None:
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.drop_column("objection_days")
        batch_op.drop_column("issuer")
