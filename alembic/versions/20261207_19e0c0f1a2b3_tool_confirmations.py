"""tool confirmations: destructive tool calls waiting for the person's answer (Approve or Deny)

Revision ID: 19e0c0f1a2b3
Revises: 18a1e5c0d3f1
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "19e0c0f1a2b3"
down_revision: str | None = "18a1e5c0d3f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tool_confirmation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tool_call_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("tool_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["agent_run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tool_call_id"),
    )
    for column in ("user_id", "world_id", "run_id"):
        op.create_index(f"ix_tool_confirmation_{column}", "tool_confirmation", [column])


def downgrade() -> None:
    for column in ("user_id", "world_id", "run_id"):
        op.drop_index(f"ix_tool_confirmation_{column}", table_name="tool_confirmation")
    op.drop_table("tool_confirmation")
