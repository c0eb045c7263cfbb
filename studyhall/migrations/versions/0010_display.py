"""display: the corridor screens, each with its token, panels and name privacy

Revision ID: 0010_display
Revises: 0009_xxqg
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0010_display"
down_revision = "0009_xxqg"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "display",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("panels", sa.JSON(), nullable=False),
        sa.Column("rotate_seconds", sa.Integer(), nullable=False),
        sa.Column(
            "privacy",
            sa.Enum("full_name", "surname", name="privacy", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("revoked_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_display")),
        sa.UniqueConstraint("token", name=op.f("uq_display_token")),
    )


def downgrade() -> None:
    op.drop_table("display")
