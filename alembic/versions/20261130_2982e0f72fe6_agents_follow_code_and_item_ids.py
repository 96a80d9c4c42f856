"""agents follow the code and the world; list items get stable ids

AgentRecord keeps what its Letta agent was last brought to (a digest of the definition and
of each memory block DSF fills). Every object in a list of a world's foundation, surface or
constraints (rules, technology systems, history events…) gets an `id`, in the worlds and in
their stored versions. Ids given here follow positions (r-1, r-2, …), so a diff between two
versions from before this migration reads exactly as it did; new items get random ids.

Revision ID: 2982e0f72fe6
Revises: fe31ec720912
Create Date: 2026-11-30 15:00:00.000000
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "2982e0f72fe6"
down_revision: str | None = "717cae8e64f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENTS = ("foundation", "surface", "constraints")


def _valid(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 60
        and "." not in value
        and not value.lstrip("-").isdigit()
    )


def _with_ids(value: Any, key: str = "") -> Any:
    """A frozen copy of dsf_app.world_schema.with_item_ids, with ids from positions."""
    if isinstance(value, dict):
        return {name: _with_ids(item, name) for name, item in value.items()}
    if not isinstance(value, list):
        return value
    items = [_with_ids(item, key) for item in value]
    keep: dict[int, str] = {}  # the first item with each valid id keeps it
    for position, item in enumerate(items):
        if isinstance(item, dict) and _valid(item.get("id")) and item["id"] not in keep.values():
            keep[position] = item["id"]
    taken = set(keep.values())
    for position, item in enumerate(items):
        if isinstance(item, dict) and position not in keep:
            candidate, suffix = f"{(key[:1] or 'i').lower()}-{position + 1}", 1
            while candidate in taken:
                suffix += 1
                candidate = f"{(key[:1] or 'i').lower()}-{position + 1}-{suffix}"
            items[position] = {**item, "id": candidate}
            taken.add(candidate)
    return items


def _backfill(table: str) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT id, {', '.join(DOCUMENTS)} FROM {table}")).all()
    for row in rows:
        fresh = {name: _with_ids(getattr(row, name)) for name in DOCUMENTS}
        changed = {
            name: json.dumps(value) for name, value in fresh.items() if value != getattr(row, name)
        }
        if changed:
            sets = ", ".join(f"{name} = CAST(:{name} AS JSONB)" for name in changed)
            conn.execute(
                sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), {"id": row.id, **changed}
            )


def upgrade() -> None:
    op.add_column(
        "agent_record",
        sa.Column(
            "definition_digest",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
            server_default="",
        ),
    )
    op.add_column(
        "agent_record",
        sa.Column(
            "memory_digests",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            server_default="{}",
        ),
    )
    op.alter_column("agent_record", "definition_digest", server_default=None)
    op.alter_column("agent_record", "memory_digests", server_default=None)
    _backfill("world")
    _backfill("world_version")


def downgrade() -> None:
    # The ids stay in the documents: older code keeps unknown keys of list items.
    op.drop_column("agent_record", "memory_digests")
    op.drop_column("agent_record", "definition_digest")
