"""uploaded images: asset.uploaded (a person uploaded it), asset.thumbnail_key (its small copy in
S3) and asset.cover (the image its world's card shows; at most one per world)

Revision ID: 1d02a0c0ffee
Revises: 19c1a2b3d4e5
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "1d02a0c0ffee"
down_revision: str | None = "19c1a2b3d4e5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "asset", sa.Column("uploaded", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.alter_column("asset", "uploaded", server_default=None)
    op.add_column(
        "asset",
        sa.Column("thumbnail_key", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    )
    op.add_column(
        "asset", sa.Column("cover", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.alter_column("asset", "cover", server_default=None)
    op.create_index(
        "uq_asset_world_cover",
        "asset",
        ["world_id"],
        unique=True,
        postgresql_where=sa.text("cover"),
    )


def downgrade() -> None:
    op.drop_index("uq_asset_world_cover", table_name="asset", postgresql_where=sa.text("cover"))
    op.drop_column("asset", "cover")
    op.drop_column("asset", "thumbnail_key")
    op.drop_column("asset", "uploaded")
