"""conversations: a person's conversations with each agent (chat messages and runs belong to
one), and the turn a regenerated reply or edited message replaces

Revision ID: 5c0a71d3e9b2
Revises: 717cae8e64f6
Create Date: 2026-11-30 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c0a71d3e9b2"
down_revision: str | None = "d3fb46609ed3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_conversation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("fresh_context", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_chat_conversation_user_id"), "chat_conversation", ["user_id"], unique=False
    )
    op.create_index(
        op.f("ix_chat_conversation_world_id"), "chat_conversation", ["world_id"], unique=False
    )
    op.create_index(
        "ix_chat_conversation_user_world",
        "chat_conversation",
        ["user_id", "world_id", "started_at"],
        unique=False,
    )
    # Everything said so far with an agent is that person's first conversation with it.
    op.execute(
        """
        INSERT INTO chat_conversation (id, user_id, world_id, fresh_context, started_at)
        SELECT gen_random_uuid(), user_id, world_id, false, min(at) FROM (
            SELECT user_id, world_id, created_at AS at FROM chat_message
            UNION ALL SELECT user_id, world_id, started_at FROM agent_run
        ) AS said
        GROUP BY user_id, world_id
        """
    )
    for table in ("chat_message", "agent_run"):
        op.add_column(table, sa.Column("conversation_id", sa.UUID(), nullable=True))
        op.execute(
            f"""
            UPDATE {table} AS row SET conversation_id = c.id FROM chat_conversation AS c
            WHERE c.user_id = row.user_id AND c.world_id IS NOT DISTINCT FROM row.world_id
            """
        )
        # Messages go with their conversation; a run outlives it (a deleted world's runs stay
        # the person's, unlinked, as they do from the world).
        messages = table == "chat_message"
        if messages:
            op.alter_column(table, "conversation_id", nullable=False)
        op.create_foreign_key(
            f"{table}_conversation_id_fkey",
            table,
            "chat_conversation",
            ["conversation_id"],
            ["id"],
            ondelete="CASCADE" if messages else "SET NULL",
            # A run's check waits for the commit (see AgentRun.conversation_id).
            deferrable=None if messages else True,
            initially=None if messages else "DEFERRED",
        )
        op.create_index(
            op.f(f"ix_{table}_conversation_id"), table, ["conversation_id"], unique=False
        )
    op.add_column("agent_run", sa.Column("replaces_run_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        "agent_run_replaces_run_id_fkey",
        "agent_run",
        "agent_run",
        ["replaces_run_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        op.f("ix_agent_run_replaces_run_id"), "agent_run", ["replaces_run_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_agent_run_replaces_run_id"), table_name="agent_run")
    op.drop_constraint("agent_run_replaces_run_id_fkey", "agent_run", type_="foreignkey")
    op.drop_column("agent_run", "replaces_run_id")
    for table in ("agent_run", "chat_message"):
        op.drop_index(op.f(f"ix_{table}_conversation_id"), table_name=table)
        op.drop_constraint(f"{table}_conversation_id_fkey", table, type_="foreignkey")
        op.drop_column(table, "conversation_id")
    op.drop_index("ix_chat_conversation_user_world", table_name="chat_conversation")
    op.drop_index(op.f("ix_chat_conversation_world_id"), table_name="chat_conversation")
    op.drop_index(op.f("ix_chat_conversation_user_id"), table_name="chat_conversation")
    op.drop_table("chat_conversation")
