"""documents: the .docx, PDF and video files of read and watch items (stored under DOCUMENTS_PATH,
named by their SHA-256), and plan_item.document_id now refers to one

Revision ID: 0019_documents
Revises: 0018_reflections
"""

import sqlalchemy as sa
from alembic import op

import studyhall.db

revision = "0019_documents"
down_revision = "0018_reflections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("page_sizes", sa.JSON(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", studyhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user.id"], name=op.f("fk_document_uploaded_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_sha256"), ["sha256"], unique=False)
    # No item could name a document before this table existed; one that does names none.
    op.execute(sa.text("UPDATE plan_item SET document_id = NULL WHERE document_id IS NOT NULL"))
    with op.batch_alter_table("plan_item", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_item_document_id_document"), "document", ["document_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_item", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_plan_item_document_id_document"), type_="foreignkey")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_sha256"))
    op.drop_table("document")
