"""lore progressions: an entry's changes from a story part on (codex_progression), and a part's
in-world date (story_segment.in_world_date)

Revision ID: 1d06a0c0ffee
Revises: 1d04a0c0ffee
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "1d06a0c0ffee"
down_revision: str | None = "1d04a0c0ffee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = ("world_id", "entry_id", "segment_id", "created_by")


def upgrade() -> None:
    op.create_table(
        "codex_progression",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("segment_id", sa.UUID(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=50000), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entry_id"], ["codex_entry.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["segment_id"], ["story_segment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in INDEXED:
        op.create_index(f"ix_codex_progression_{column}", "codex_progression", [column])
    op.add_column(
        "story_segment",
        sa.Column(
            "in_world_date",
            sqlmodel.sql.sqltypes.AutoString(length=100),
            server_default="",
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("story_segment", "in_world_date")
    for column in INDEXED:
        op.drop_index(f"ix_codex_progression_{column}", table_name="codex_progression")
    op.drop_table("codex_progression")
