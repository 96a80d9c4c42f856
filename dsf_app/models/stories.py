"""Stories and their segments; a segment's children are alternative continuations (branches)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import foreign_key, id_field, json_field, timestamp_field


class Story(SQLModel, table=True):
    __table_args__ = (Index("ix_story_world_updated", "world_id", "updated_at"),)

    id: uuid.UUID = id_field()
    world_id: uuid.UUID = foreign_key("world.id")
    author_id: uuid.UUID = foreign_key("user.id")
    title: str = Field(max_length=300)
    description: str = ""
    meta: dict[str, Any] = json_field()
    world_contributions: list[Any] = json_field(list)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class StorySegment(SQLModel, table=True):
    __tablename__ = "story_segment"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (Index("ix_segment_story_order", "story_id", "order"),)

    id: uuid.UUID = id_field()
    story_id: uuid.UUID = foreign_key("story.id")
    parent_id: uuid.UUID | None = foreign_key("story_segment.id", nullable=True)
    order: int = 0
    title: str = Field(default="", max_length=300)
    # When the part happens in the story's world, as the writer puts it ("14 March 2187",
    # "Year 3 of the Strike"); "" when it does not say. Ordered by `services/in_world_dates.py`.
    in_world_date: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    content: str = ""
    word_count: int = 0
    world_evolution: dict[str, Any] = json_field()
    ui_components: list[Any] = json_field(list)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
