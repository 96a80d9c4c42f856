"""Images, audio and video stored in S3, linked to a world, story or segment."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import (
    enum_field,
    foreign_key,
    id_field,
    json_field,
    timestamp_field,
)


class AssetType(StrEnum):
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"


class AssetCategory(StrEnum):
    CHARACTER = "character"
    BACKGROUND = "background"
    UI = "ui"
    MUSIC = "music"
    SFX = "sfx"
    OTHER = "other"


class Asset(SQLModel, table=True):
    __table_args__ = (
        Index("uq_asset_world_cover", "world_id", unique=True, postgresql_where=text("cover")),
    )

    id: uuid.UUID = id_field()
    owner_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True)
    story_id: uuid.UUID | None = foreign_key("story.id", nullable=True, cascade=False)
    segment_id: uuid.UUID | None = foreign_key("story_segment.id", nullable=True, cascade=False)
    type: AssetType = enum_field(AssetType.IMAGE)
    category: AssetCategory = enum_field(AssetCategory.OTHER)
    storage_key: str = Field(unique=True, max_length=1000)
    content_type: str = Field(default="application/octet-stream", max_length=100)
    size_bytes: int = 0
    description: str = ""
    meta: dict[str, Any] = json_field()
    generated: bool = False
    # A person uploaded it (services/image_uploads.py); `owner_id` is the uploader.
    uploaded: bool = False
    prompt: str | None = None
    # A small copy for grids (uploads have one; /assets/<id>/thumbnail falls back to the image).
    thumbnail_key: str | None = Field(default=None, max_length=1000)
    # The image its world's card shows (at most one per world; without one, the newest image).
    cover: bool = False
    created_at: datetime = timestamp_field()
