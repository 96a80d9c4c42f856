"""initial schema

Revision ID: 5e6b75cc71ee
Revises:
Create Date: 2026-11-24 01:47:32.069801
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5e6b75cc71ee"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("image", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("preferences", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("user_agent_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_user_email"), "user", ["email"], unique=True)
    op.create_table(
        "oauth_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column(
            "provider_account_id",
            sqlmodel.sql.sqltypes.AutoString(length=200),
            nullable=False,
        ),
        sa.Column("tokens", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "provider_account_id"),
    )
    op.create_index(op.f("ix_oauth_account_user_id"), "oauth_account", ["user_id"], unique=False)
    op.create_table(
        "world",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.UUID(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("foundation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("surface", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("constraints", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("changelog", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "world_agent_id",
            sqlmodel.sql.sqltypes.AutoString(length=100),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_world_owner_id"), "world", ["owner_id"], unique=False)
    op.create_index("ix_world_owner_updated", "world", ["owner_id", "updated_at"], unique=False)
    op.create_index(
        "ix_world_visibility_updated",
        "world",
        ["visibility", "updated_at"],
        unique=False,
    )
    op.create_table(
        "agent_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "letta_agent_id",
            sqlmodel.sql.sqltypes.AutoString(length=100),
            nullable=False,
        ),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("letta_agent_id"),
    )
    op.create_index(
        "ix_agent_record_lookup",
        "agent_record",
        ["kind", "user_id", "world_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_index(op.f("ix_agent_record_user_id"), "agent_record", ["user_id"], unique=False)
    op.create_index(op.f("ix_agent_record_world_id"), "agent_record", ["world_id"], unique=False)
    op.create_table(
        "agent_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("agent_kind", sa.String(length=20), nullable=False),
        sa.Column(
            "letta_agent_id",
            sqlmodel.sql.sqltypes.AutoString(length=100),
            nullable=False,
        ),
        sa.Column("letta_run_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("tool_calls", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("usage", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=384), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_agent_run_user_id"), "agent_run", ["user_id"], unique=False)
    op.create_index(
        "ix_agent_run_user_started",
        "agent_run",
        ["user_id", "started_at"],
        unique=False,
    )
    op.create_index(op.f("ix_agent_run_world_id"), "agent_run", ["world_id"], unique=False)
    op.create_table(
        "story",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("author_id", sa.UUID(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("meta", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "world_contributions",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_story_author_id"), "story", ["author_id"], unique=False)
    op.create_index(op.f("ix_story_world_id"), "story", ["world_id"], unique=False)
    op.create_index("ix_story_world_updated", "story", ["world_id", "updated_at"], unique=False)
    op.create_table(
        "world_collaborator",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("world_id", "user_id"),
    )
    op.create_index(
        op.f("ix_world_collaborator_user_id"),
        "world_collaborator",
        ["user_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_world_collaborator_world_id"),
        "world_collaborator",
        ["world_id"],
        unique=False,
    )
    op.create_table(
        "chat_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("story_id", sa.UUID(), nullable=True),
        sa.Column("run_id", sa.UUID(), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("content", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("message_type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("tool_call_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("tool_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("tool_args", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("tool_result", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("tool_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["agent_run.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_chat_message_run_id"), "chat_message", ["run_id"], unique=False)
    op.create_index(op.f("ix_chat_message_story_id"), "chat_message", ["story_id"], unique=False)
    op.create_index(op.f("ix_chat_message_user_id"), "chat_message", ["user_id"], unique=False)
    op.create_index(op.f("ix_chat_message_world_id"), "chat_message", ["world_id"], unique=False)
    op.create_index(
        "ix_chat_user_world_created",
        "chat_message",
        ["user_id", "world_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "story_segment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("story_id", sa.UUID(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("content", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("world_evolution", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("ui_components", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["story_segment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_segment_story_order", "story_segment", ["story_id", "order"], unique=False)
    op.create_index(
        op.f("ix_story_segment_parent_id"), "story_segment", ["parent_id"], unique=False
    )
    op.create_index(op.f("ix_story_segment_story_id"), "story_segment", ["story_id"], unique=False)
    op.create_table(
        "asset",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("story_id", sa.UUID(), nullable=True),
        sa.Column("segment_id", sa.UUID(), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("meta", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.Column("prompt", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["segment_id"], ["story_segment.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_index(op.f("ix_asset_owner_id"), "asset", ["owner_id"], unique=False)
    op.create_index(op.f("ix_asset_segment_id"), "asset", ["segment_id"], unique=False)
    op.create_index(op.f("ix_asset_story_id"), "asset", ["story_id"], unique=False)
    op.create_index(op.f("ix_asset_world_id"), "asset", ["world_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_asset_world_id"), table_name="asset")
    op.drop_index(op.f("ix_asset_story_id"), table_name="asset")
    op.drop_index(op.f("ix_asset_segment_id"), table_name="asset")
    op.drop_index(op.f("ix_asset_owner_id"), table_name="asset")
    op.drop_table("asset")
    op.drop_index(op.f("ix_story_segment_story_id"), table_name="story_segment")
    op.drop_index(op.f("ix_story_segment_parent_id"), table_name="story_segment")
    op.drop_index("ix_segment_story_order", table_name="story_segment")
    op.drop_table("story_segment")
    op.drop_index("ix_chat_user_world_created", table_name="chat_message")
    op.drop_index(op.f("ix_chat_message_world_id"), table_name="chat_message")
    op.drop_index(op.f("ix_chat_message_user_id"), table_name="chat_message")
    op.drop_index(op.f("ix_chat_message_story_id"), table_name="chat_message")
    op.drop_index(op.f("ix_chat_message_run_id"), table_name="chat_message")
    op.drop_table("chat_message")
    op.drop_index(op.f("ix_world_collaborator_world_id"), table_name="world_collaborator")
    op.drop_index(op.f("ix_world_collaborator_user_id"), table_name="world_collaborator")
    op.drop_table("world_collaborator")
    op.drop_index("ix_story_world_updated", table_name="story")
    op.drop_index(op.f("ix_story_world_id"), table_name="story")
    op.drop_index(op.f("ix_story_author_id"), table_name="story")
    op.drop_table("story")
    op.drop_index(op.f("ix_agent_run_world_id"), table_name="agent_run")
    op.drop_index("ix_agent_run_user_started", table_name="agent_run")
    op.drop_index(op.f("ix_agent_run_user_id"), table_name="agent_run")
    op.drop_table("agent_run")
    op.drop_index(op.f("ix_agent_record_world_id"), table_name="agent_record")
    op.drop_index(op.f("ix_agent_record_user_id"), table_name="agent_record")
    op.drop_index(
        "ix_agent_record_lookup",
        table_name="agent_record",
        postgresql_nulls_not_distinct=True,
    )
    op.drop_table("agent_record")
    op.drop_index("ix_world_visibility_updated", table_name="world")
    op.drop_index("ix_world_owner_updated", table_name="world")
    op.drop_index(op.f("ix_world_owner_id"), table_name="world")
    op.drop_table("world")
    op.drop_index(op.f("ix_oauth_account_user_id"), table_name="oauth_account")
    op.drop_table("oauth_account")
    op.drop_index(op.f("ix_user_email"), table_name="user")
    op.drop_table("user")
