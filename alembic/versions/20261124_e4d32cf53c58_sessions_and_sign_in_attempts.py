"""sessions and sign-in attempts

Revision ID: e4d32cf53c58
Revises: 5e6b75cc71ee
Create Date: 2026-11-24 02:03:27.181411
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e4d32cf53c58"
down_revision: str | None = "5e6b75cc71ee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_sign_in_attempt_at"), "sign_in_attempt", ["at"], unique=False)
    op.create_index(op.f("ix_sign_in_attempt_key"), "sign_in_attempt", ["key"], unique=False)
    op.create_table(
        "user_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_user_session_token_hash"), "user_session", ["token_hash"], unique=True)
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_index(op.f("ix_user_session_token_hash"), table_name="user_session")
    op.drop_table("user_session")
    op.drop_index(op.f("ix_sign_in_attempt_key"), table_name="sign_in_attempt")
    op.drop_index(op.f("ix_sign_in_attempt_at"), table_name="sign_in_attempt")
    op.drop_table("sign_in_attempt")
