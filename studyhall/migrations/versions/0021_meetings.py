"""meetings: 三会一课 records (a meeting of a 党支部 or 党小组, its attendance and photos); the 三会一课
point rule is put in use

Revision ID: 0021_meetings
Revises: 0020_calendar_feeds
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0021_meetings"
down_revision = "0020_calendar_feeds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("starts_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=True),
        sa.Column("host_name", sa.String(length=100), nullable=False),
        sa.Column("recorder_id", sa.Integer(), nullable=True),
        sa.Column("recorder_name", sa.String(length=100), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"], name=op.f("fk_meeting_branch_id_branch")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_meeting_created_by_id_user")),
        sa.ForeignKeyConstraint(["host_id"], ["user.id"], name=op.f("fk_meeting_host_id_user")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_item.id"], name=op.f("fk_meeting_item_id_plan_item"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["recorder_id"], ["user.id"], name=op.f("fk_meeting_recorder_id_user")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"], name=op.f("fk_meeting_updated_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
        sa.UniqueConstraint(
            "branch_id", "kind", "starts_at", name=op.f("uq_meeting_branch_id_kind_starts_at")
        ),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_branch_starts", ["branch_id", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_item_id"), ["item_id"], unique=False)
        batch_op.create_index("ix_meeting_starts", ["starts_at"], unique=False)

    op.create_table(
        "meeting_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("points_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_attendance_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user.id"], name=op.f("fk_meeting_attendance_recorded_by_id_user")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_meeting_attendance_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
        sa.UniqueConstraint("meeting_id", "user_id", name=op.f("uq_meeting_attendance_meeting_id_user_id")),
    )
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_attendance_user_id"), ["user_id"], unique=False)

    op.create_table(
        "meeting_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["user.id"], name=op.f("fk_meeting_attachment_added_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_meeting_attachment_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_attachment_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attachment")),
        sa.UniqueConstraint(
            "meeting_id", "document_id", name=op.f("uq_meeting_attachment_meeting_id_document_id")
        ),
    )
    with op.batch_alter_table("meeting_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_attachment_meeting_id"), ["meeting_id"], unique=False)

    # The rule was shipped waiting for this feature, switched off: attending a recorded meeting now
    # earns its points. A rule an administrator has edited (version > 1) keeps what they chose.
    op.execute("UPDATE point_rule SET enabled = TRUE WHERE key = 'meeting' AND version = 1")


def downgrade() -> None:
    op.execute("UPDATE point_rule SET enabled = FALSE WHERE key = 'meeting' AND version = 1")
    op.drop_table("meeting_attachment")
    op.drop_table("meeting_attendance")
    op.drop_table("meeting")
