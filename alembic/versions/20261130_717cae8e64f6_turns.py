"""turns: who drives a run (worker, heartbeat), its prompt, story and parent call; tool calls
claimed before they run; streamed text kept per Letta message

Revision ID: 717cae8e64f6
Revises: d1ae3b48aafe
Create Date: 2026-11-30 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "717cae8e64f6"
down_revision: str | None = "fe31ec720912"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("agent_run", sa.Column("story_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        "agent_run_story_id_fkey", "agent_run", "story", ["story_id"], ["id"], ondelete="SET NULL"
    )
    op.create_index(op.f("ix_agent_run_story_id"), "agent_run", ["story_id"], unique=False)
    op.add_column(
        "agent_run",
        sa.Column("prompt", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""),
    )
    op.alter_column("agent_run", "prompt", server_default=None)
    op.add_column(
        "agent_run",
        sa.Column(
            "parent_tool_call_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
        ),
    )
    op.create_index(
        op.f("ix_agent_run_parent_tool_call_id"), "agent_run", ["parent_tool_call_id"], unique=False
    )
    op.add_column(
        "agent_run",
        sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )
    op.add_column("agent_run", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))

    op.add_column("tool_execution", sa.Column("run_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        "tool_execution_run_id_fkey",
        "tool_execution",
        "agent_run",
        ["run_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_tool_execution_run_id"), "tool_execution", ["run_id"], unique=False)
    op.add_column(
        "tool_execution", sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True)
    )

    op.add_column(
        "chat_message",
        sa.Column("letta_message_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    )
    op.add_column(
        "chat_message",
        sa.Column("stream_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    )
    # A resumed turn used to store a second row for a tool call it had already shown.
    op.execute(
        """
        DELETE FROM chat_message AS later USING chat_message AS first
        WHERE later.user_id = first.user_id AND later.tool_call_id = first.tool_call_id
          AND (later.created_at, later.id) > (first.created_at, first.id)
        """
    )
    op.create_index(
        "ix_chat_user_tool_call", "chat_message", ["user_id", "tool_call_id"], unique=True
    )
    op.create_index(
        "ix_chat_run_letta_message", "chat_message", ["run_id", "letta_message_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_chat_run_letta_message", table_name="chat_message")
    op.drop_index("ix_chat_user_tool_call", table_name="chat_message")
    op.drop_column("chat_message", "stream_status")
    op.drop_column("chat_message", "letta_message_id")
    op.drop_column("tool_execution", "finished_at")
    op.drop_index(op.f("ix_tool_execution_run_id"), table_name="tool_execution")
    op.drop_constraint("tool_execution_run_id_fkey", "tool_execution", type_="foreignkey")
    op.drop_column("tool_execution", "run_id")
    op.drop_column("agent_run", "heartbeat_at")
    op.drop_column("agent_run", "worker")
    op.drop_index(op.f("ix_agent_run_parent_tool_call_id"), table_name="agent_run")
    op.drop_column("agent_run", "parent_tool_call_id")
    op.drop_column("agent_run", "prompt")
    op.drop_index(op.f("ix_agent_run_story_id"), table_name="agent_run")
    op.drop_constraint("agent_run_story_id_fkey", "agent_run", type_="foreignkey")
    op.drop_column("agent_run", "story_id")
