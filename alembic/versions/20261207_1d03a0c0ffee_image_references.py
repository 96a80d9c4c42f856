"""image references: the images a generated image was drawn from (its references, or the image
it edited), in the order they were sent to the provider

Revision ID: 1d03a0c0ffee
Revises: 1d02a0c0ffee
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1d03a0c0ffee"
down_revision: str | None = "1d02a0c0ffee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "asset_reference",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("asset_id", sa.UUID(), nullable=False),
        sa.Column("reference_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reference_id"], ["asset.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("asset_id", "position"),
    )
    for column in ("asset_id", "reference_id"):
        op.create_index(f"ix_asset_reference_{column}", "asset_reference", [column])


def downgrade() -> None:
    for column in ("asset_id", "reference_id"):
        op.drop_index(f"ix_asset_reference_{column}", table_name="asset_reference")
    op.drop_table("asset_reference")
