"""Worlds, their collaborators, and the foundation/surface documents they hold (their changes are
rows of their own, `world_changes.WorldChange`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import (
    enum_field,
    foreign_key,
    id_field,
    json_field,
    timestamp_field,
)


class Visibility(StrEnum):
    PRIVATE = "private"
    SHARED = "shared"
    PUBLIC = "public"


class WorldState(StrEnum):
    SKETCH = "sketch"
    DRAFT = "draft"
    DETAILED = "detailed"


class CollaboratorRole(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


class World(SQLModel, table=True):
    __table_args__ = (
        Index("ix_world_owner_updated", "owner_id", "updated_at"),
        Index("ix_world_visibility_updated", "visibility", "updated_at"),
    )

    id: uuid.UUID = id_field()
    owner_id: uuid.UUID = foreign_key("user.id")
    name: str = Field(max_length=200)
    description: str = ""
    visibility: Visibility = enum_field(Visibility.PRIVATE)
    foundation: dict[str, Any] = json_field()
    surface: dict[str, Any] = json_field()
    constraints: list[Any] = json_field(list)
    state: WorldState = enum_field(WorldState.SKETCH)
    version: int = 1
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class WorldCollaborator(SQLModel, table=True):
    __tablename__ = "world_collaborator"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (UniqueConstraint("world_id", "user_id"),)

    id: uuid.UUID = id_field()
    world_id: uuid.UUID = foreign_key("world.id")
    user_id: uuid.UUID = foreign_key("user.id")
    role: CollaboratorRole = enum_field(CollaboratorRole.VIEWER)
    created_at: datetime = timestamp_field()


class WorldInvitation(SQLModel, table=True):
    """A role on a world offered to an email address; it becomes a WorldCollaborator when the
    account with that email next signs in (or is created), and the owner can revoke it first."""

    __tablename__ = "world_invitation"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (UniqueConstraint("world_id", "email"),)

    id: uuid.UUID = id_field()
    world_id: uuid.UUID = foreign_key("world.id")
    email: str = Field(index=True, max_length=320)
    role: CollaboratorRole = enum_field(CollaboratorRole.VIEWER)
    invited_by: uuid.UUID = foreign_key("user.id")
    created_at: datetime = timestamp_field()
