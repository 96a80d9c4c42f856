"""world versions: one snapshot per version of a world, so any two versions can be diffed

Revision ID: e9673951bc39
Revises: 1fdc60cd7cd4
Create Date: 2026-11-24 02:13:04.939215
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e9673951bc39"
down_revision: str | None = "1fdc60cd7cd4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "world_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("foundation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("surface", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("constraints", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("world_id", "version"),
    )
    op.create_index(op.f("ix_world_version_world_id"), "world_version", ["world_id"], unique=False)
    # Worlds made before history was kept start it with their current version.
    op.execute(
        "INSERT INTO world_version "
        "(id, world_id, version, name, description, foundation, surface, constraints, created_at) "
        "SELECT gen_random_uuid(), id, version, name, description, foundation, surface, "
        "constraints, updated_at FROM world"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_world_version_world_id"), table_name="world_version")
    op.drop_table("world_version")
