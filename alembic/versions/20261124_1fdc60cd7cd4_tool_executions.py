"""tool executions

Revision ID: 1fdc60cd7cd4
Revises: e4d32cf53c58
Create Date: 2026-11-24 02:06:43.142429
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "1fdc60cd7cd4"
down_revision: str | None = "e4d32cf53c58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tool_execution",
        sa.Column("tool_call_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("tool_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tool_call_id"),
    )
    op.create_index(op.f("ix_tool_execution_user_id"), "tool_execution", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tool_execution_user_id"), table_name="tool_execution")
    op.drop_table("tool_execution")
