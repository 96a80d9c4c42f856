"""evaluations and run steps

Revision ID: d3fb46609ed3
Revises: fe31ec720912
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d3fb46609ed3"
down_revision: str | None = "fe31ec720912"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "run_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("parent_call_id", String(length=100), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", String(length=20), nullable=False),
        sa.Column("name", String(length=100), nullable=False),
        sa.Column("tool_call_id", String(length=100), nullable=True),
        sa.Column("letta_step_id", String(length=100), nullable=True),
        sa.Column("status", String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["agent_run.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_run_step_run_id"), "run_step", ["run_id"], unique=False)
    op.create_index(op.f("ix_run_step_user_id"), "run_step", ["user_id"], unique=False)
    op.create_index(op.f("ix_run_step_world_id"), "run_step", ["world_id"], unique=False)
    op.create_index("ix_run_step_run_position", "run_step", ["run_id", "position"], unique=False)
    op.create_index(
        "ix_run_step_user_kind_started",
        "run_step",
        ["user_id", "kind", "started_at"],
        unique=False,
        postgresql_include=["name", "status", "world_id"],
    )
    op.create_index(
        "ix_run_step_user_parent_call", "run_step", ["user_id", "parent_call_id"], unique=False
    )
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("story_id", sa.UUID(), nullable=True),
        sa.Column("segment_id", sa.UUID(), nullable=True),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("kind", String(length=20), nullable=False),
        sa.Column("source", String(length=20), nullable=False),
        sa.Column("target", String(length=300), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("model", String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["segment_id"], ["story_segment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_evaluation_user_id"), "evaluation", ["user_id"], unique=False)
    op.create_index(op.f("ix_evaluation_world_id"), "evaluation", ["world_id"], unique=False)
    op.create_index(op.f("ix_evaluation_story_id"), "evaluation", ["story_id"], unique=False)
    op.create_index(op.f("ix_evaluation_segment_id"), "evaluation", ["segment_id"], unique=False)
    op.create_index(
        "ix_evaluation_user_world_created",
        "evaluation",
        ["user_id", "world_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_evaluation_user_story_created",
        "evaluation",
        ["user_id", "story_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("evaluation")
    op.drop_table("run_step")
