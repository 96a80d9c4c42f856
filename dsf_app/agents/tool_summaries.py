"""Compact JSON views of rows for tool results: what an agent needs, not every column."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dsf_app.models import Story, StorySegment, World
from dsf_app.services.world_changes import Change


def world_summary(
    world: World, *, full: bool = False, recent_changes: Sequence[Change] = ()
) -> dict[str, Any]:
    """The world's card; `full` adds its documents and `recent_changes` (newest first)."""
    summary: dict[str, Any] = {
        "world_id": str(world.id),
        "name": world.name,
        "description": world.description,
        "state": world.state,
        "version": world.version,
        "visibility": world.visibility,
    }
    if full:
        summary |= {
            "foundation": world.foundation,
            "surface": world.surface,
            "constraints": world.constraints,
            "recent_changes": [change.entry() for change in reversed(recent_changes)],
        }
    return summary


def story_summary(story: Story) -> dict[str, Any]:
    return {"story_id": str(story.id), "title": story.title, "description": story.description}


def segment_summary(segment: StorySegment, *, full: bool = False) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "segment_id": str(segment.id),
        "parent_id": str(segment.parent_id) if segment.parent_id else None,
        "order": segment.order,
        "title": segment.title,
        "in_world_date": segment.in_world_date,
        "word_count": segment.word_count,
    }
    if full:
        summary |= {"content": segment.content, "world_evolution": segment.world_evolution}
    return summary
