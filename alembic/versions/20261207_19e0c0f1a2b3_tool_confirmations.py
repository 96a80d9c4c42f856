"""tool confirmations: destructive tool calls waiting for the person's answer

Revision ID: 19e0c0f1a2b3
Revises: 18a1e5c0d3f1
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

revision: str = "19e0c0f1a2b3"
down_revision: str | None = "18a1e5c0d3f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
