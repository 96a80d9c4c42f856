"""How a Codex entry changes as a story moves on: from one story part on, on the branches that
continue from it, a field of the entry is added to or replaced ("from The Dock Strike on, Ife has
a scar"). The entry row keeps its state before any part; `services/codex_progressions.py`
resolves an entry as of a part."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from dsf_app.models.columns import enum_field, foreign_key, id_field, timestamp_field


class ProgressionField(StrEnum):
    SUMMARY = "summary"
    BODY = "body"
    ALIASES = "aliases"


class ProgressionMode(StrEnum):
    ADD = "add"  # appended to the text (a new paragraph), or aliases added
    REPLACE = "replace"  # the field reads this from the part on


class CodexProgression(SQLModel, table=True):
    """One change of an entry from a story part on; deleting the part or the entry deletes it."""

    __tablename__ = "codex_progression"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    id: uuid.UUID = id_field()
    world_id: uuid.UUID = foreign_key("world.id")
    entry_id: uuid.UUID = foreign_key("codex_entry.id")
    segment_id: uuid.UUID = foreign_key("story_segment.id")
    field: ProgressionField = enum_field()
    mode: ProgressionMode = enum_field()
    # Text for summary and body; for aliases, one alias per line.
    value: str = Field(max_length=50_000)
    created_by: uuid.UUID | None = foreign_key("user.id", nullable=True, cascade=False)
    created_at: datetime = timestamp_field()
