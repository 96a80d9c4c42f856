"""story_manager: stories and their segments, with branching continuations."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from sqlmodel import Session

from dsf_app.agents import tool_scope
from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tool_summaries import segment_summary, story_summary
from dsf_app.agents.topics import Topic
from dsf_app.models import AgentKind
from dsf_app.services import canvas, stories
from dsf_app.services.access import Permission, require_segment, require_story


class WorldEvolution(BaseModel):
    elements_introduced: list[str] = Field(default_factory=list)
    rules_applied: list[str] = Field(default_factory=list)
    rules_challenged: list[str] = Field(default_factory=list)
    new_questions: list[str] = Field(default_factory=list)


class SegmentInput(BaseModel):
    title: str = Field(default="", max_length=300)
    content: str = Field(min_length=1, max_length=100_000, description="The prose of the scene.")
    in_world_date: str = Field(
        default="",
        max_length=100,
        description="When the scene happens in the world, as the story tells time (“14 March "
        "2187”, “Year 3 of the Strike”); shown to the reader beside the part.",
    )
    world_evolution: WorldEvolution = Field(
        default_factory=WorldEvolution,
        description="How this segment uses and grows the world's rules.",
    )


class StoryManagerArgs(BaseModel):
    operation: Literal[
        "create", "save_segment", "branch", "load", "list", "delete", "delete_segment"
    ] = Field(
        description=(
            "create: a new story in the world (title, description). save_segment: append a "
            "segment (after parent_id, or after the last one). branch: an alternative "
            "continuation from parent_id, or with opening an alternative opening of the story. load: a story with its segments. list: the world's stories. "
            "delete: a whole story with its segments (story_id). delete_segment: one segment "
            "(segment_id); its continuations move up, or go too with with_branch. The person "
            "is asked to confirm a delete first."
        )
    )
    world_id: uuid.UUID | None = Field(default=None, description="Defaults to the current world.")
    story_id: uuid.UUID | None = Field(default=None, description="Defaults to the current story.")
    title: str | None = Field(default=None, max_length=300, description="For create.")
    description: str | None = Field(default=None, max_length=5000, description="For create.")
    parent_id: uuid.UUID | None = Field(
        default=None, description="The segment this one continues from (for branch)."
    )
    opening: bool = Field(
        default=False,
        description="For branch: an alternative first segment of the story, in place of parent_id.",
    )
    segment: SegmentInput | None = Field(default=None, description="For save_segment and branch.")
    segment_id: uuid.UUID | None = Field(default=None, description="For delete_segment.")
    with_branch: bool = Field(
        default=False,
        description="For delete_segment: delete every segment continuing from it too.",
    )

    @model_validator(mode="after")
    def _needs(self) -> StoryManagerArgs:
        missing = {
            "create": [] if self.title else ["title"],
            "save_segment": [] if self.segment else ["segment"],
            "branch": ([] if self.segment else ["segment"])
            + ([] if self.parent_id or self.opening else ["parent_id (or opening)"]),
            "load": [],
            "list": [],
            "delete": [],
            "delete_segment": [] if self.segment_id else ["segment_id"],
        }[self.operation]
        if missing:
            raise ValueError(f"{self.operation} needs {', '.join(missing)}")
        if self.opening and (self.operation != "branch" or self.parent_id):
            raise ValueError("opening is for branch only, without parent_id")
        return self


async def run(ctx: ToolContext, args: StoryManagerArgs) -> dict[str, Any]:
    if args.operation == "create":
        world_id = tool_scope.world_id(ctx, args.world_id)

        def create(session: Session) -> dict[str, Any]:
            story = stories.create_story(
                session, ctx.actor, world_id, args.title or "", args.description or ""
            )
            return {"created": story_summary(story)}

        created = await ctx.write(create)
        ctx.note_change(Topic.STORIES)
        return created
    if args.operation == "list":
        world_id = tool_scope.world_id(ctx, args.world_id)
        return await ctx.read(
            lambda session: {
                "stories": [
                    story_summary(story)
                    for story in stories.list_stories(session, ctx.actor, world_id)
                ]
            }
        )
    if args.operation == "delete_segment" and args.segment_id is not None:
        return await _delete_segment(ctx, args.segment_id, args.with_branch)
    story_id = tool_scope.story_id(ctx, args.story_id)
    if args.operation == "delete":

        def delete(session: Session) -> dict[str, Any]:
            stories.delete_story(session, ctx.actor, story_id)
            return {"deleted_story": str(story_id)}

        deleted = await ctx.write(delete)
        ctx.note_change(Topic.STORIES)
        return deleted
    if args.operation == "load":

        def load(session: Session) -> dict[str, Any]:
            story = stories.get_story(session, ctx.actor, story_id)
            segments = stories.list_segments(session, ctx.actor, story_id)
            return {**story_summary(story), "segments": [segment_summary(s) for s in segments]}

        return await ctx.read(load)
    segment = args.segment or SegmentInput(content="")

    def save(session: Session) -> dict[str, Any]:
        saved = stories.add_segment(
            session,
            ctx.actor,
            story_id,
            segment.title,
            segment.content,
            parent_id=args.parent_id,
            world_evolution=segment.world_evolution.model_dump(),
            # The scene on the canvas is kept with the segment, so the reader shows it again.
            ui_components=canvas.snapshot_for_segment(session, ctx.actor, ctx.world_id),
            opening=args.opening,
            in_world_date=segment.in_world_date,
        )
        return {"saved": segment_summary(saved)}

    saved = await ctx.write(save)
    ctx.note_change(Topic.STORIES)
    return saved


async def _delete_segment(
    ctx: ToolContext, segment_id: uuid.UUID, with_branch: bool
) -> dict[str, Any]:
    def delete(session: Session) -> dict[str, Any]:
        gone = stories.delete_segment(session, ctx.actor, segment_id, with_branch=with_branch)
        return {"deleted_segments": gone.deleted, "moved_up": gone.moved}

    deleted = await ctx.write(delete)
    ctx.note_change(Topic.STORIES)
    return deleted


async def confirm(ctx: ToolContext, args: StoryManagerArgs) -> str | None:
    """Deleting a story or a segment cannot be undone: the person confirms it, told what goes."""
    if args.operation == "delete":
        story_id = tool_scope.story_id(ctx, args.story_id)

        def story(session: Session) -> tuple[str, int]:
            found = require_story(session, ctx.actor, story_id, Permission.WRITE)
            return found.title, len(stories.list_segments(session, ctx.actor, story_id))

        title, parts = await ctx.read(story)
        return (
            f"Delete the story “{title}” with all {parts} of its segments. This cannot be undone."
        )
    segment_id = args.segment_id
    if args.operation != "delete_segment" or segment_id is None:
        return None
    segment = await ctx.read(
        lambda session: require_segment(session, ctx.actor, segment_id, Permission.WRITE)
    )
    named = segment.title or segment.content[:80]
    rest = (
        "and every segment that continues from it"
        if args.with_branch
        else "(what continues from it moves up to follow the segment before it)"
    )
    return f"Delete the segment “{named}” {rest}. This cannot be undone."


register(
    Tool(
        name="story_manager",
        description=(
            "Write stories set in the world: create a story, save segments in order, branch "
            "alternative continuations from any segment, read stories back, and delete a "
            "story or a segment (the person confirms)."
        ),
        args=StoryManagerArgs,
        run=run,
        kinds=frozenset({AgentKind.WORLD}),
        confirm=confirm,
    )
)
