"""usage and quotas: what each person used today and the operator's overrides

Revision ID: 19b0d9e7c4a5
Revises: 19e0c0f1a2b3
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

revision: str = "19b0d9e7c4a5"
down_revision: str | None = "19e0c0f1a2b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
