"""Snapshots of a world, one per version, so any two versions can be read back and diffed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import foreign_key, id_field, json_field, timestamp_field


class WorldVersion(SQLModel, table=True):
    __tablename__ = "world_version"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (UniqueConstraint("world_id", "version"),)

    id: uuid.UUID = id_field()
    world_id: uuid.UUID = foreign_key("world.id")
    version: int
    name: str = Field(max_length=200)
    description: str = ""
    foundation: dict[str, Any] = json_field()
    surface: dict[str, Any] = json_field()
    constraints: list[Any] = json_field(list)
    created_at: datetime = timestamp_field()
