"""an order for branches that administrators set (None: the number in the name decides)

Revision ID: 0006_branch_order
Revises: 0005_security
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_branch_order"
down_revision = "0005_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("branch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_order", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("branch", schema=None) as batch_op:
        batch_op.drop_column("sort_order")
