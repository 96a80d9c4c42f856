"""A world's changelog: one row per change, kept forever and read newest first, a page at a time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import id_field, timestamp_field


class WorldChange(SQLModel, table=True):
    """One change of a world, with who made it and why. `seq` orders a world's changes in time
    (1 for its first, then one more for each), so the unique index on (world, seq) serves every
    read: the newest page, the page before a given change, and the cascade when a world goes."""

    __tablename__ = "world_change"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (UniqueConstraint("world_id", "seq"),)

    id: uuid.UUID = id_field()
    # No index of its own: the (world_id, seq) index leads with it.
    world_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("world.id", ondelete="CASCADE"), nullable=False
        )
    )
    seq: int
    version: int  # the world's version this change made (several changes may make one)
    at: datetime = timestamp_field()
    author: str  # "agent" or "person"
    operation: str  # add, update, remove or restore
    path: str  # where in the world: "rules.<id>.statement", "codex/<name>", "" for a restore
    value: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    reason: str
    restored_from: int | None = None  # for a restore: the version it brought back
