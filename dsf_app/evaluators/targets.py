"""What an evaluator judges: a saved segment or a draft not saved yet (the arguments of the
three segment tools), and two versions of a world (the arguments of compare_versions)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field, model_validator


class SegmentTarget(BaseModel):
    segment_id: uuid.UUID | None = Field(
        default=None,
        description="The saved segment to evaluate (story_manager load lists segment ids).",
    )
    draft: str | None = Field(
        default=None,
        min_length=1,
        max_length=100_000,
        description="Text not saved yet, e.g. a segment you are about to save.",
    )
    story_id: uuid.UUID | None = Field(
        default=None,
        description="For a draft: the story it belongs to; defaults to the current one.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> SegmentTarget:
        if (self.segment_id is None) == (self.draft is None):
            raise ValueError("pass exactly one of segment_id (a saved segment) or draft (text)")
        return self


class VersionsTarget(BaseModel):
    world_id: uuid.UUID | None = Field(
        default=None, description="The world; defaults to the current one."
    )
    from_version: int = Field(
        ge=1, description="The earlier version (world_manager load shows the current one)."
    )
    to_version: int = Field(ge=1, description="The later version.")

    @model_validator(mode="after")
    def _two_versions(self) -> VersionsTarget:
        if self.from_version == self.to_version:
            raise ValueError("from_version and to_version must differ")
        return self
