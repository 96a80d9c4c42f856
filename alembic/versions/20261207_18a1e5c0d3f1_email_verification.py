"""email verification: one-use tokens sent by email (verify the address, reset the password,
sign in by link)

Revision ID: 18a1e5c0d3f1
Revises: 5c0a71d3e9b2
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "18a1e5c0d3f1"
down_revision: str | None = "5c0a71d3e9b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_email_token_user_id", "email_token", ["user_id"])
    op.create_index("ix_email_token_token_hash", "email_token", ["token_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_email_token_token_hash", table_name="email_token")
    op.drop_index("ix_email_token_user_id", table_name="email_token")
    op.drop_table("email_token")
