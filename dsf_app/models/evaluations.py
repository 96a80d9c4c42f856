"""Evaluations of a segment or of a change between two world versions: what was judged, by
which evaluator and model, when, and the validated result (never a half-parsed one)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import enum_field, foreign_key, id_field, json_field, timestamp_field


class EvaluationKind(StrEnum):
    CONSISTENCY = "consistency"
    QUALITY = "quality"
    INFORMATION_GAIN = "information_gain"
    VERSION_COMPARISON = "version_comparison"


class EvaluationSource(StrEnum):
    PERSON = "person"  # a button on a page
    AGENT = "agent"  # the World Agent's own tool call


class Evaluation(SQLModel, table=True):
    __tablename__ = "evaluation"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (
        Index("ix_evaluation_user_world_created", "user_id", "world_id", "created_at"),
        Index("ix_evaluation_user_story_created", "user_id", "story_id", "created_at"),
    )

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID = foreign_key("world.id")
    story_id: uuid.UUID | None = foreign_key("story.id", nullable=True)
    segment_id: uuid.UUID | None = foreign_key("story_segment.id", nullable=True)
    from_version: int | None = None
    to_version: int | None = None
    kind: EvaluationKind = enum_field()
    source: EvaluationSource = enum_field(EvaluationSource.PERSON)
    # What was judged, as a person reads it: "Part 3 · The Flood", "a draft", "v2 → v5".
    target: str = Field(default="", max_length=300)
    # The evaluator's headline figure from 0 to 100 (quality, consistency, novelty); none for diffs.
    score: float | None = None
    result: dict[str, Any] = json_field()
    model: str = Field(default="", max_length=200)
    created_at: datetime = timestamp_field()
