"""Compact JSON views of rows for tool results: what an agent needs, not every column."""

from __future__ import annotations

from typing import Any

from dsf_app.models import Story, StorySegment, World


def world_summary(world: World, *, full: bool = False) -> dict[str, Any]:
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
            "recent_changes": world.changelog[-5:],
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
        "word_count": segment.word_count,
    }
    if full:
        summary |= {"content": segment.content, "world_evolution": segment.world_evolution}
    return summary
