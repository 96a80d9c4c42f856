"""email verification: one-use tokens sent by email

Revision ID: 18a1e5c0d3f1
Revises: 5c0a71d3e9b2
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

revision: str = "18a1e5c0d3f1"
down_revision: str | None = "5c0a71d3e9b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
