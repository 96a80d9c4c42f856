"""world changes: the changelog as one row per change

Revision ID: 19c1a2b3d4e5
Revises: 19b0d9e7c4a5
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

revision: str = "19c1a2b3d4e5"
down_revision: str | None = "19b0d9e7c4a5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
