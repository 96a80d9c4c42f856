"""the Codex: lore entries, their links and their history, the lore chosen for each agent run,
and the vectors of worlds and segments for the search by meaning

Revision ID: de66e2fa3e8e
Revises: 717cae8e64f6
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "de66e2fa3e8e"
down_revision: str | None = "2982e0f72fe6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "codex_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("aliases", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tags", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("image_asset_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("extra", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=384), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["image_asset_id"], ["asset.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_codex_entry_created_by"), "codex_entry", ["created_by"], unique=False)
    op.create_index(
        op.f("ix_codex_entry_image_asset_id"), "codex_entry", ["image_asset_id"], unique=False
    )
    op.create_index(op.f("ix_codex_entry_updated_by"), "codex_entry", ["updated_by"], unique=False)
    op.create_index(op.f("ix_codex_entry_world_id"), "codex_entry", ["world_id"], unique=False)
    op.create_index(
        "ix_codex_entry_world_status", "codex_entry", ["world_id", "status"], unique=False
    )
    op.create_table(
        "codex_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("from_id", sa.UUID(), nullable=False),
        sa.Column("to_id", sa.UUID(), nullable=False),
        sa.Column("relation", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["from_id"], ["codex_entry.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_id"], ["codex_entry.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("from_id", "to_id", "relation"),
    )
    op.create_index(op.f("ix_codex_link_from_id"), "codex_link", ["from_id"], unique=False)
    op.create_index(op.f("ix_codex_link_to_id"), "codex_link", ["to_id"], unique=False)
    op.create_index(op.f("ix_codex_link_world_id"), "codex_link", ["world_id"], unique=False)
    op.create_table(
        "codex_entry_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id", "version"),
    )
    op.create_index(
        op.f("ix_codex_entry_version_entry_id"), "codex_entry_version", ["entry_id"], unique=False
    )
    op.create_index(
        op.f("ix_codex_entry_version_world_id"), "codex_entry_version", ["world_id"], unique=False
    )
    op.create_index(
        "ix_codex_entry_version_world_version",
        "codex_entry_version",
        ["world_id", "version"],
        unique=False,
    )
    op.create_table(
        "search_vector",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("segment_id", sa.UUID(), nullable=True),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=384), nullable=False),
        sa.ForeignKeyConstraint(["segment_id"], ["story_segment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "world_id",
            "segment_id",
            name="uq_search_vector_world_segment",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(
        op.f("ix_search_vector_segment_id"), "search_vector", ["segment_id"], unique=False
    )
    op.create_index(op.f("ix_search_vector_world_id"), "search_vector", ["world_id"], unique=False)
    op.add_column(
        "agent_run",
        sa.Column(
            "lore",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            server_default=sa.text("'[]'::jsonb"),
        ),
    )
    op.alter_column("agent_run", "lore", server_default=None)


def downgrade() -> None:
    op.drop_column("agent_run", "lore")
    op.drop_index(op.f("ix_search_vector_world_id"), table_name="search_vector")
    op.drop_index(op.f("ix_search_vector_segment_id"), table_name="search_vector")
    op.drop_table("search_vector")
    op.drop_index("ix_codex_entry_version_world_version", table_name="codex_entry_version")
    op.drop_index(op.f("ix_codex_entry_version_world_id"), table_name="codex_entry_version")
    op.drop_index(op.f("ix_codex_entry_version_entry_id"), table_name="codex_entry_version")
    op.drop_table("codex_entry_version")
    op.drop_index(op.f("ix_codex_link_world_id"), table_name="codex_link")
    op.drop_index(op.f("ix_codex_link_to_id"), table_name="codex_link")
    op.drop_index(op.f("ix_codex_link_from_id"), table_name="codex_link")
    op.drop_table("codex_link")
    op.drop_index("ix_codex_entry_world_status", table_name="codex_entry")
    op.drop_index(op.f("ix_codex_entry_world_id"), table_name="codex_entry")
    op.drop_index(op.f("ix_codex_entry_updated_by"), table_name="codex_entry")
    op.drop_index(op.f("ix_codex_entry_image_asset_id"), table_name="codex_entry")
    op.drop_index(op.f("ix_codex_entry_created_by"), table_name="codex_entry")
    op.drop_table("codex_entry")
