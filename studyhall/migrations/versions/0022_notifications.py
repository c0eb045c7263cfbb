"""notifications: a person's in-app notifications (reminders of study plan items), one per person
and key

Revision ID: 0022_notifications
Revises: 0021_meetings
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0022_notifications"
down_revision = "0021_meetings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["user.id"], name=op.f("fk_notification_recipient_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("recipient_id", "key", name=op.f("uq_notification_recipient_id_key")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_read_at", ["read_at"], unique=False)
        batch_op.create_index("ix_notification_unread", ["recipient_id", "read_at"], unique=False)


def downgrade() -> None:
    op.drop_table("notification")
