"""sign-in sessions kept on the server; counters of tries at a secret

Revision ID: 0005_security
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0005_security"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_session",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_login_session_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_session")),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_user_id"), ["user_id"], unique=False)
    op.create_table(
        "try_counter",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_try_counter")),
    )
    with op.batch_alter_table("try_counter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_try_counter_window_start"), ["window_start"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("try_counter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_try_counter_window_start"))
    op.drop_table("try_counter")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_user_id"))
    op.drop_table("login_session")
