"""A world's Codex: lore entries (characters, places, factions…) with aliases, the links between
them, and the vectors that let worlds and story segments be searched by meaning."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from dsf_app.models.agents import EMBEDDING_DIMENSIONS
from dsf_app.models.columns import (
    enum_field,
    foreign_key,
    id_field,
    json_field,
    timestamp_field,
)
from dsf_app.models.lore_rules import ActivationRules, RulesColumn


class CodexKind(StrEnum):
    CHARACTER = "character"
    PLACE = "place"
    FACTION = "faction"
    SPECIES = "species"
    ARTIFACT = "artifact"
    CONCEPT = "concept"
    EVENT = "event"


class CodexStatus(StrEnum):
    ACTIVE = "active"
    SUGGESTED = "suggested"  # proposed by the World Agent; the person accepts or rejects it
    REJECTED = "rejected"  # kept so the same name is not proposed again


class CodexEntry(SQLModel, table=True):
    __tablename__ = "codex_entry"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (Index("ix_codex_entry_world_status", "world_id", "status"),)

    id: uuid.UUID = id_field()
    world_id: uuid.UUID = foreign_key("world.id")
    kind: CodexKind = enum_field(CodexKind.CONCEPT)
    name: str = Field(max_length=200)
    aliases: list[Any] = json_field(list)
    summary: str = ""
    body: str = ""
    tags: list[Any] = json_field(list)
    image_asset_id: uuid.UUID | None = foreign_key("asset.id", nullable=True, cascade=False)
    status: CodexStatus = enum_field(CodexStatus.ACTIVE)
    pinned: bool = False  # always put in front of the World Agent
    excluded: bool = False  # never put in front of the World Agent
    # When it is put in front of the World Agent (SillyTavern's World Info rules), typed.
    activation: ActivationRules = Field(
        default_factory=ActivationRules, sa_column=Column(RulesColumn, nullable=False)
    )
    # Fields of an imported lorebook entry that DSF does not use, kept for the export.
    extra: dict[str, Any] = json_field()
    # The world's version when the entry last changed: a write naming an older one is stale.
    version: int = 1
    created_by: uuid.UUID | None = foreign_key("user.id", nullable=True, cascade=False)
    updated_by: uuid.UUID | None = foreign_key("user.id", nullable=True, cascade=False)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    embedding: list[float] | None = Field(
        default=None, sa_column=Column(Vector(EMBEDDING_DIMENSIONS), nullable=True)
    )


class CodexLink(SQLModel, table=True):
    """One entry pointing at another, with what the link means ("rival of", "lives in")."""

    __tablename__ = "codex_link"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (UniqueConstraint("from_id", "to_id", "relation"),)

    id: uuid.UUID = id_field()
    world_id: uuid.UUID = foreign_key("world.id")
    from_id: uuid.UUID = foreign_key("codex_entry.id")
    to_id: uuid.UUID = foreign_key("codex_entry.id")
    relation: str = Field(default="", max_length=100)
    created_at: datetime = timestamp_field()


class CodexEntryVersion(SQLModel, table=True):
    """An active entry as it was at one version of its world (`state` None: removed then),
    written whenever a change of the entry makes a new version — so two versions of a world can
    be diffed without copying the whole Codex into every snapshot."""

    __tablename__ = "codex_entry_version"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (
        UniqueConstraint("entry_id", "version"),
        Index("ix_codex_entry_version_world_version", "world_id", "version"),
    )

    id: uuid.UUID = id_field()
    world_id: uuid.UUID = foreign_key("world.id")
    # Not a foreign key: the history of an entry outlives the entry.
    entry_id: uuid.UUID = Field(index=True)
    version: int
    state: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    created_at: datetime = timestamp_field()


class SearchVector(SQLModel, table=True):
    """The embedding of a world (segment_id empty) or of one of its story segments, for the
    search by meaning; recomputed when the world or segment changed after `embedded_at`."""

    __tablename__ = "search_vector"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (
        UniqueConstraint(
            "world_id",
            "segment_id",
            name="uq_search_vector_world_segment",
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: uuid.UUID = id_field()
    world_id: uuid.UUID = foreign_key("world.id")
    segment_id: uuid.UUID | None = foreign_key("story_segment.id", nullable=True)
    embedded_at: datetime = timestamp_field()
    embedding: list[float] = Field(sa_column=Column(Vector(EMBEDDING_DIMENSIONS), nullable=False))
