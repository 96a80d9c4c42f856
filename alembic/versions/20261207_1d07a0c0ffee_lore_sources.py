"""lore sources: a world's documents (text, Markdown, PDF, EPUB) and their passages, each with
its page and embedding, under an HNSW index for the nearest passages by cosine distance

Revision ID: 1d07a0c0ffee
Revises: 1d06a0c0ffee
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "1d07a0c0ffee"
down_revision: str | None = "1d06a0c0ffee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("chars", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("passages", sa.Integer(), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_source_created_by"), "source", ["created_by"], unique=False)
    op.create_index(op.f("ix_source_world_id"), "source", ["world_id"], unique=False)
    op.create_table(
        "source_passage",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=384), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "number"),
    )
    op.create_index(
        op.f("ix_source_passage_source_id"), "source_passage", ["source_id"], unique=False
    )
    op.create_index(
        op.f("ix_source_passage_world_id"), "source_passage", ["world_id"], unique=False
    )
    op.create_index(
        "ix_source_passage_embedding",
        "source_passage",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_source_passage_embedding", table_name="source_passage")
    op.drop_index(op.f("ix_source_passage_world_id"), table_name="source_passage")
    op.drop_index(op.f("ix_source_passage_source_id"), table_name="source_passage")
    op.drop_table("source_passage")
    op.drop_index(op.f("ix_source_created_by"), table_name="source")
    op.drop_index(op.f("ix_source_world_id"), table_name="source")
    op.drop_table("source")
