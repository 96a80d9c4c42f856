"""world changes: the changelog as one row per change

Each world's `changelog` array becomes rows of `world_change` in the same order (`seq` 1, 2, …),
and the column goes; a downgrade builds the arrays back from the rows.

Revision ID: 19c1a2b3d4e5
Revises: 19b0d9e7c4a5
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "19c1a2b3d4e5"
down_revision: str | None = "19b0d9e7c4a5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "world_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("operation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("world_id", "seq"),
    )
    # Entries were written by record_changes (version, at, author, path, operation, value,
    # reason, and restored_from for a restore); anything else in an array is not a change.
    op.execute(
        """
        INSERT INTO world_change
            (id, world_id, seq, version, at, author, operation, path, value, reason,
             restored_from)
        SELECT gen_random_uuid(), w.id,
               row_number() OVER (PARTITION BY w.id ORDER BY e.position),
               COALESCE((e.entry->>'version')::int, w.version),
               COALESCE((e.entry->>'at')::timestamptz, w.updated_at),
               COALESCE(e.entry->>'author', ''),
               COALESCE(e.entry->>'operation', ''),
               COALESCE(e.entry->>'path', ''),
               e.entry->'value',
               COALESCE(e.entry->>'reason', ''),
               (e.entry->>'restored_from')::int
        FROM world w
        CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN jsonb_typeof(w.changelog) = 'array' THEN w.changelog ELSE '[]' END
        ) WITH ORDINALITY AS e(entry, position)
        WHERE jsonb_typeof(e.entry) = 'object'
        """
    )
    op.drop_column("world", "changelog")


def downgrade() -> None:
    op.add_column(
        "world",
        sa.Column(
            "changelog",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            server_default=sa.text("'[]'::jsonb"),
        ),
    )
    # Times as record_changes wrote them: Python's isoformat of a UTC time.
    op.execute(
        """
        UPDATE world w SET changelog = c.entries
        FROM (
            SELECT world_id, jsonb_agg(
                jsonb_build_object(
                    'version', version,
                    'at', (to_jsonb(at AT TIME ZONE 'UTC') #>> '{}') || '+00:00',
                    'author', author,
                    'path', path, 'operation', operation, 'value', value, 'reason', reason
                )
                || CASE WHEN restored_from IS NULL THEN '{}'::jsonb
                        ELSE jsonb_build_object('restored_from', restored_from) END
                ORDER BY seq
            ) AS entries
            FROM world_change GROUP BY world_id
        ) c
        WHERE c.world_id = w.id
        """
    )
    op.alter_column("world", "changelog", server_default=None)
    op.drop_table("world_change")
