"""publications: frozen 积分公示 and the schedule that publishes them

Revision ID: 0012_publications
Revises: 0011_points_speed
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0012_publications"
down_revision = "0011_points_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("branch_name", sa.String(length=100), nullable=False),
        sa.Column("published_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("schedule_key", sa.String(length=40), nullable=True),
        sa.Column("top_n", sa.Integer(), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("withdrawn_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["user.id"], name=op.f("fk_publication_published_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["user.id"], name=op.f("fk_publication_withdrawn_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication")),
        sa.UniqueConstraint("schedule_key", name=op.f("uq_publication_schedule_key")),
    )
    op.create_index(op.f("ix_publication_published_at"), "publication", ["published_at"])
    op.create_table(
        "publication_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekly_since", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("monthly_since", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("top_n", sa.Integer(), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("updated_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_publication_schedule_updated_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_schedule")),
    )


def downgrade() -> None:
    op.drop_table("publication_schedule")
    op.drop_index(op.f("ix_publication_published_at"), table_name="publication")
    op.drop_table("publication")
