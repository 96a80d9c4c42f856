"""usage and quotas: what each person used today and the operator's overrides

Revision ID: 19b0d9e7c4a5
Revises: 19e0c0f1a2b3
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "19b0d9e7c4a5"
down_revision: str | None = "19e0c0f1a2b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usage_day",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("meter", sa.String(length=20), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "day", "meter"),
    )
    op.create_table(
        "quota_override",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("meter", sa.String(length=20), nullable=False),
        sa.Column("daily_limit", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "meter"),
    )


def downgrade() -> None:
    op.drop_table("quota_override")
    op.drop_table("usage_day")
