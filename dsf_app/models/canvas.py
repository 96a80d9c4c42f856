"""What agents put on a person's canvas, what the person clicked there, and the suggestions
offered beside the chat — in PostgreSQL, so every backend worker sees the same thing."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import enum_field, foreign_key, id_field, json_field, timestamp_field


class CanvasMode(StrEnum):
    INLINE = "inline"
    OVERLAY = "overlay"
    FULLSCREEN = "fullscreen"


class CanvasSurface(SQLModel, table=True):
    """One target (e.g. 'canvas-root') of one person's canvas for one world (or none)."""

    __tablename__ = "canvas_surface"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (
        UniqueConstraint(
            "user_id",
            "world_id",
            "target",
            name="uq_canvas_surface_user_world_target",
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True)
    target: str = Field(max_length=40)
    mode: CanvasMode = enum_field(CanvasMode.INLINE)
    # The root components, each a validated spec (dsf_app/canvas/specs.py) as JSON.
    spec: list[Any] = json_field(list)
    updated_at: datetime = timestamp_field()


class CanvasInteraction(SQLModel, table=True):
    """A click (or open, close, choice) on a canvas component, queued for the agent to read."""

    __tablename__ = "canvas_interaction"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (Index("ix_canvas_interaction_user_created", "user_id", "created_at"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True)
    target: str = Field(max_length=40)
    component_id: str = Field(max_length=64)
    interaction_type: str = Field(max_length=40)
    data: dict[str, Any] = json_field()
    created_at: datetime = timestamp_field()


class SuggestionPriority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class SuggestionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class Suggestion(SQLModel, table=True):
    """A dismissable card beside the chat; accepting it sends its action back to the agent."""

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True)
    title: str = Field(max_length=300)
    description: str = ""
    action_id: str = Field(max_length=64)
    priority: SuggestionPriority = enum_field(SuggestionPriority.MEDIUM)
    action_label: str | None = Field(default=None, max_length=300)
    action_data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    status: SuggestionStatus = enum_field(SuggestionStatus.OPEN)
    created_at: datetime = timestamp_field()
