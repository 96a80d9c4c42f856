"""drop user.user_agent_id and world.world_agent_id: never written or read; each agent's Letta
id lives in agent_record (per person, per world, per experience context)

Revision ID: fe31ec720912
Revises: d1ae3b48aafe
Create Date: 2026-11-30 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "fe31ec720912"
down_revision: str | None = "0adc6d3123a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_column("world", "world_agent_id")
    op.drop_column("user", "user_agent_id")


def downgrade() -> None:
    op.add_column(
        "user",
        sa.Column("user_agent_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    )
    op.add_column(
        "world",
        sa.Column("world_agent_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    )
