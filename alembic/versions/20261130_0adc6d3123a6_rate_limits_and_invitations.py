"""rate limit attempts for more than sign-in; world invitations

The sign-in attempts table now also counts sign-ups and collaborator invitations, so it is
renamed for what it holds. An invitation offers a role on a world to an email address until
the account with that email signs in.

Revision ID: 0adc6d3123a6
Revises: d1ae3b48aafe
Create Date: 2026-11-30 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0adc6d3123a6"
down_revision: str | None = "d1ae3b48aafe"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rename_attempts(old: str, new: str) -> None:
    op.rename_table(old, new)
    op.execute(f"ALTER TABLE {new} RENAME CONSTRAINT {old}_pkey TO {new}_pkey")
    for column in ("at", "key"):
        op.execute(f"ALTER INDEX ix_{old}_{column} RENAME TO ix_{new}_{column}")


def upgrade() -> None:
    _rename_attempts("sign_in_attempt", "rate_limit_attempt")
    op.create_table(
        "world_invitation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("invited_by", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["invited_by"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("world_id", "email"),
    )
    op.create_index(op.f("ix_world_invitation_email"), "world_invitation", ["email"])
    op.create_index(op.f("ix_world_invitation_invited_by"), "world_invitation", ["invited_by"])
    op.create_index(op.f("ix_world_invitation_world_id"), "world_invitation", ["world_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_world_invitation_world_id"), table_name="world_invitation")
    op.drop_index(op.f("ix_world_invitation_invited_by"), table_name="world_invitation")
    op.drop_index(op.f("ix_world_invitation_email"), table_name="world_invitation")
    op.drop_table("world_invitation")
    _rename_attempts("rate_limit_attempt", "sign_in_attempt")
