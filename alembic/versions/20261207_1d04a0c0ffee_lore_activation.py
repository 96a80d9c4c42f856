"""lore activation (placeholder: filled in by the engineer who owns it)

Revision ID: 1d04a0c0ffee
Revises: 1d03a0c0ffee
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

revision: str = "1d04a0c0ffee"
down_revision: str | None = "1d03a0c0ffee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
