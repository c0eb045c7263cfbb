"""xxqg: 学习强国 snapshots imported from the app's export, a row per person matched

Revision ID: 0009_xxqg
Revises: 0008_points
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0009_xxqg"
down_revision = "0008_points"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "xxqg_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exported_on", sa.Date(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("periods", sa.JSON(), nullable=False),
        sa.Column("unmatched", sa.Integer(), nullable=False),
        sa.Column("created_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_xxqg_snapshot_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xxqg_snapshot")),
        sa.UniqueConstraint("sha256", name=op.f("uq_xxqg_snapshot_sha256")),
    )
    with op.batch_alter_table("xxqg_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_xxqg_snapshot_exported_on"), ["exported_on"], unique=False)

    op.create_table(
        "xxqg_snapshot_row",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("periods", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["xxqg_snapshot.id"], name=op.f("fk_xxqg_snapshot_row_snapshot_id_xxqg_snapshot")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_xxqg_snapshot_row_user_id_user")),
        sa.PrimaryKeyConstraint("snapshot_id", "user_id", name=op.f("pk_xxqg_snapshot_row")),
    )
    with op.batch_alter_table("xxqg_snapshot_row", schema=None) as batch_op:
        batch_op.create_index(
            "ix_xxqg_snapshot_row_board",
            ["snapshot_id", sa.literal_column("total DESC"), "line"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_xxqg_snapshot_row_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("xxqg_snapshot_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xxqg_snapshot_row_user_id"))
        batch_op.drop_index("ix_xxqg_snapshot_row_board")

    op.drop_table("xxqg_snapshot_row")
    with op.batch_alter_table("xxqg_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xxqg_snapshot_exported_on"))

    op.drop_table("xxqg_snapshot")
