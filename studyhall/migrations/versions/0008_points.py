"""points: rules, the ledger and its totals; each test's points settings; attempts' points state

Revision ID: 0008_points
Revises: 0007_exam_drafts
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0008_points"
down_revision = "0007_exam_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "point_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("weekly_cap", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_rule")),
        sa.UniqueConstraint("key", name=op.f("uq_point_rule_key")),
    )
    op.create_table(
        "point_award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("awarded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["awarded_by_id"], ["user.id"], name=op.f("fk_point_award_awarded_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["point_rule.id"], name=op.f("fk_point_award_rule_id_point_rule")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_point_award_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_award")),
        sa.UniqueConstraint(
            "user_id", "rule_id", "source", "seq", name=op.f("uq_point_award_user_id_rule_id_source_seq")
        ),
    )
    with op.batch_alter_table("point_award", schema=None) as batch_op:
        batch_op.create_index("ix_point_award_user_at", ["user_id", "at"], unique=False)
        batch_op.create_index("ix_point_award_user_rule_day", ["user_id", "rule_id", "day"], unique=False)

    op.create_table(
        "point_rule_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("weekly_cap", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("valid_from", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["user.id"], name=op.f("fk_point_rule_version_changed_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["point_rule.id"], name=op.f("fk_point_rule_version_rule_id_point_rule")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_rule_version")),
        sa.UniqueConstraint("rule_id", "version", name=op.f("uq_point_rule_version_rule_id_version")),
    )
    op.create_table(
        "point_total",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reached_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_point_total_user_id_user")),
        sa.PrimaryKeyConstraint("period", "start", "user_id", name=op.f("pk_point_total")),
    )
    with op.batch_alter_table("point_total", schema=None) as batch_op:
        batch_op.create_index(
            "ix_point_total_board",
            ["period", "start", sa.literal_column("points DESC"), "reached_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_point_total_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("points_settled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("exam", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("points_mode", sa.String(length=16), server_default="tiers", nullable=False)
        )
        batch_op.add_column(sa.Column("points_full", sa.Integer(), server_default="10", nullable=False))
        batch_op.add_column(sa.Column("points_pass", sa.Integer(), server_default="8", nullable=False))
        batch_op.add_column(sa.Column("points_taken", sa.Integer(), server_default="5", nullable=False))
        batch_op.add_column(sa.Column("points_factor", sa.Integer(), server_default="10", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("exam", schema=None) as batch_op:
        batch_op.drop_column("points_factor")
        batch_op.drop_column("points_taken")
        batch_op.drop_column("points_pass")
        batch_op.drop_column("points_full")
        batch_op.drop_column("points_mode")

    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_column("points_settled")

    with op.batch_alter_table("point_total", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_point_total_user_id"))
        batch_op.drop_index("ix_point_total_board")

    op.drop_table("point_total")
    op.drop_table("point_rule_version")
    with op.batch_alter_table("point_award", schema=None) as batch_op:
        batch_op.drop_index("ix_point_award_user_rule_day")
        batch_op.drop_index("ix_point_award_user_at")

    op.drop_table("point_award")
    op.drop_table("point_rule")
