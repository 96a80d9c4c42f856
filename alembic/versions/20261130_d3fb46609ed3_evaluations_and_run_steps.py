"""evaluations, run steps and the analytics rollups

Revision ID: d3fb46609ed3
Revises: 717cae8e64f6
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d3fb46609ed3"
down_revision: str | None = "de66e2fa3e8e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
# The rollups' world keys (dsf_app/models/rollups.py), as of this migration.
NO_WORLD = "00000000-0000-0000-0000-000000000000"
ALL_WORLDS = "00000000-0000-0000-0000-000000000001"


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

    op.create_table(
        "run_day",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_key", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_kind", sa.String(length=20), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("user_id", "world_key", "day", "agent_kind"),
    )
    op.create_index(op.f("ix_run_day_world_id"), "run_day", ["world_id"], unique=False)
    op.create_table(
        "latency_day",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_key", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column(
            "seconds",
            postgresql.ARRAY(postgresql.DOUBLE_PRECISION()),
            server_default="{}",
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("user_id", "world_key", "day"),
    )
    op.create_index(op.f("ix_latency_day_world_id"), "latency_day", ["world_id"], unique=False)
    op.create_table(
        "tool_day",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_key", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", String(length=100), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("user_id", "world_key", "day", "name"),
    )
    op.create_index(op.f("ix_tool_day_world_id"), "tool_day", ["world_id"], unique=False)
    op.create_table(
        "run_world",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "world_id"),
    )
    op.create_index(op.f("ix_run_world_world_id"), "run_world", ["world_id"], unique=False)
    # The runs recorded so far, counted once per world and once across all worlds (their steps
    # were not recorded, so there are no tool calls to count).
    for world_key, world_id, by_world in (
        (f"coalesce(world_id, '{NO_WORLD}')", "world_id", ", world_id"),
        (f"'{ALL_WORLDS}'::uuid", "NULL::uuid", ""),
    ):
        op.execute(
            f"""
            INSERT INTO run_day (user_id, world_key, world_id, day, agent_kind, turns, tokens)
            SELECT user_id, {world_key}, {world_id}, (started_at AT TIME ZONE 'UTC')::date,
                agent_kind, count(*), coalesce(sum((usage->>'total_tokens')::bigint), 0)
            FROM agent_run
            GROUP BY user_id{by_world}, (started_at AT TIME ZONE 'UTC')::date, agent_kind
            """
        )
        op.execute(
            f"""
            INSERT INTO latency_day (user_id, world_key, world_id, day, seconds)
            SELECT user_id, {world_key}, {world_id}, (started_at AT TIME ZONE 'UTC')::date,
                array_agg(extract(epoch FROM ended_at - started_at)::float8
                    ORDER BY extract(epoch FROM ended_at - started_at)::float8)
            FROM agent_run
            WHERE ended_at IS NOT NULL
            GROUP BY user_id{by_world}, (started_at AT TIME ZONE 'UTC')::date
            """
        )
    op.execute(
        """
        INSERT INTO run_world (user_id, world_id)
        SELECT DISTINCT user_id, world_id FROM agent_run WHERE world_id IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_table("run_world")
    op.drop_table("tool_day")
    op.drop_table("latency_day")
    op.drop_table("run_day")
    op.drop_table("evaluation")
    op.drop_table("run_step")
