"""plans: weekly (and monthly) study plans, their items and audiences, each person's progress;
the rule for a plan item done is put in use with the item's own points

Revision ID: 0015_plans
Revises: 0014_publication_notice
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0015_plans"
down_revision = "0014_publication_notice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("publish_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"], name=op.f("fk_plan_branch_id_branch")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_plan_created_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index("ix_plan_due", ["status", "publish_at"], unique=False)
        batch_op.create_index("ix_plan_start", ["period", "start"], unique=False)

    op.create_table(
        "plan_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("link_url", sa.String(length=500), nullable=False),
        sa.Column("min_seconds", sa.Integer(), nullable=True),
        sa.Column("meeting_kind", sa.String(length=16), nullable=True),
        sa.Column("starts_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("min_chars", sa.Integer(), nullable=True),
        sa.Column("exam_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["exam_id"], ["exam.id"], name=op.f("fk_plan_item_exam_id_exam")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_item_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_item")),
    )
    with op.batch_alter_table("plan_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_item_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_item_audience",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(branch_id IS NULL) <> (user_id IS NULL)",
            name=op.f("ck_plan_item_audience_one_of_branch_or_person"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_plan_item_audience_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["plan_item.id"],
            name=op.f("fk_plan_item_audience_item_id_plan_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_plan_item_audience_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_item_audience")),
    )
    with op.batch_alter_table("plan_item_audience", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_item_audience_item_id"), ["item_id"], unique=False)

    op.create_table(
        "plan_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("last_beat_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", studyhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_item.id"], name=op.f("fk_plan_progress_item_id_plan_item"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_plan_progress_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_progress")),
        sa.UniqueConstraint("item_id", "user_id", name=op.f("uq_plan_progress_item_id_user_id")),
    )
    with op.batch_alter_table("plan_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_progress_user_id"), ["user_id"], unique=False)

    # The rule was shipped waiting for this feature: each item now sets its points. A rule an
    # administrator has edited (version > 1) keeps what they chose.
    op.execute(
        "UPDATE point_rule SET enabled = TRUE, points = 0, daily_cap = NULL,"
        " description = '每完成一项学习计划，分值由每项设定。'"
        " WHERE key = 'plan_item' AND version = 1"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE point_rule SET enabled = FALSE, points = 1, daily_cap = 5,"
        " description = '每完成一项本周学习计划。' WHERE key = 'plan_item' AND version = 1"
    )
    op.drop_table("plan_progress")
    op.drop_table("plan_item_audience")
    op.drop_table("plan_item")
    op.drop_table("plan")
