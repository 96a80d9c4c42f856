"""Stories in a world and their segments; a segment's children are alternative continuations."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dsf_app.errors import Invalid
from dsf_app.models import Story, StorySegment
from dsf_app.models.columns import utcnow
from dsf_app.services import in_world_dates, reader, validation
from dsf_app.services.access import Permission, require_segment, require_story, require_world
from dsf_app.services.actor import Actor

MAX_TITLE = 300
MAX_CONTENT = 200_000

STORY_CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": lambda v: validation.text(v, what="story title", max_length=MAX_TITLE, required=True),
    "description": lambda v: validation.text(
        v, what="story description", max_length=validation.MAX_DESCRIPTION
    ),
    "meta": lambda v: validation.json_object(v, what="story metadata"),
}

SEGMENT_CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": lambda v: validation.text(v, what="segment title", max_length=MAX_TITLE),
    "in_world_date": lambda v: validation.text(
        v, what="in-world date", max_length=in_world_dates.MAX_LENGTH
    ),
    "content": lambda v: validation.text(
        v, what="segment content", max_length=MAX_CONTENT, strip=False
    ),
    "world_evolution": lambda v: validation.json_object(v, what="world evolution"),
    "ui_components": lambda v: validation.json_list(v, what="ui components"),
}


def create_story(
    session: Session, actor: Actor, world_id: uuid.UUID, title: str, description: str = ""
) -> Story:
    fields = validation.fields({"description": description}, STORY_CHECKS, thing="story")
    story = Story(
        world_id=require_world(session, actor, world_id, Permission.WRITE).id,
        author_id=actor.user_id,
        title=STORY_CHECKS["title"](title),
        **fields,
    )
    session.add(story)
    session.flush()
    return story


def get_story(session: Session, actor: Actor, story_id: uuid.UUID) -> Story:
    return require_story(session, actor, story_id)


def list_stories(session: Session, actor: Actor, world_id: uuid.UUID) -> list[Story]:
    """The world's stories, most recently updated first."""
    world = require_world(session, actor, world_id)
    return list(
        session.exec(
            select(Story)
            .where(Story.world_id == world.id)
            .order_by(col(Story.updated_at).desc(), col(Story.id).desc())
        ).all()
    )


def update_story(
    session: Session,
    actor: Actor,
    story_id: uuid.UUID,
    *,
    title: str | None = None,
    description: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Story:
    """Change any of title, description, meta (status, tags); None leaves a field as it is."""
    changes = validation.fields(
        {"title": title, "description": description, "meta": meta}, STORY_CHECKS, thing="story"
    )
    story = require_story(session, actor, story_id, Permission.WRITE)
    _apply(story, changes)
    _touch(session, story)
    return story


def delete_story(session: Session, actor: Actor, story_id: uuid.UUID) -> None:
    """Delete the story and its segments; its assets stay in the world, unlinked."""
    session.delete(require_story(session, actor, story_id, Permission.WRITE))
    session.flush()


def add_segment(
    session: Session,
    actor: Actor,
    story_id: uuid.UUID,
    title: str,
    content: str,
    parent_id: uuid.UUID | None = None,
    world_evolution: dict[str, Any] | None = None,
    ui_components: list[Any] | None = None,
    *,
    opening: bool = False,
    in_world_date: str = "",
) -> StorySegment:
    """A new segment after `parent_id` (a branch if the parent has children already), with
    `opening` an alternative opening of the story, or else after the story's last segment."""
    fields = _segment_fields(title, content, world_evolution, ui_components, in_world_date)
    story = require_story(session, actor, story_id, Permission.WRITE)
    if opening and parent_id is not None:
        raise Invalid("An opening continues no segment; leave out the parent, or the opening.")
    order = 0 if opening else _next_order(session, actor, story, parent_id)
    if opening or parent_id is not None:
        # A segment saved without a parent continues the newest one an order before it: a new
        # branch at this order would take those over, so their place is written down first.
        _write_implicit_parents(session, reader.outline(session, story.id))
    segment = StorySegment(story_id=story.id, parent_id=parent_id, order=order, **fields)
    session.add(segment)
    _touch(session, story)
    return segment


def _next_order(session: Session, actor: Actor, story: Story, parent_id: uuid.UUID | None) -> int:
    if parent_id is None:
        last = session.exec(
            select(func.max(StorySegment.order)).where(StorySegment.story_id == story.id)
        ).one()
        return 0 if last is None else last + 1
    parent = require_segment(session, actor, parent_id)
    if parent.story_id != story.id:
        raise Invalid(
            f"Segment {parent_id} belongs to another story; continue from a segment of "
            f"“{story.title}”."
        )
    return parent.order + 1


def update_segment(
    session: Session,
    actor: Actor,
    segment_id: uuid.UUID,
    *,
    title: str | None = None,
    content: str | None = None,
    world_evolution: dict[str, Any] | None = None,
    ui_components: list[Any] | None = None,
    in_world_date: str | None = None,
) -> StorySegment:
    """Change any of the fields given (None leaves one as it is); recounts the words."""
    changes = _segment_fields(title, content, world_evolution, ui_components, in_world_date)
    segment = require_segment(session, actor, segment_id, Permission.WRITE)
    _apply(segment, changes)
    session.add(segment)
    _touch(session, session.get_one(Story, segment.story_id))
    return segment


def _segment_fields(
    title: str | None,
    content: str | None,
    world_evolution: dict[str, Any] | None,
    ui_components: list[Any] | None,
    in_world_date: str | None,
) -> dict[str, Any]:
    """The checked fields given, with the word count when the content is among them."""
    fields = validation.fields(
        {
            "title": title,
            "in_world_date": in_world_date,
            "content": content,
            "world_evolution": world_evolution,
            "ui_components": ui_components,
        },
        SEGMENT_CHECKS,
        thing="segment",
    )
    if "content" in fields:
        fields["word_count"] = len(fields["content"].split())
    return fields


def get_segment(session: Session, actor: Actor, segment_id: uuid.UUID) -> StorySegment:
    return require_segment(session, actor, segment_id)


def list_segments(
    session: Session, actor: Actor, story_id: uuid.UUID, *, limit: int = 200, offset: int = 0
) -> list[StorySegment]:
    """The story's segments by order, then by creation (branches at one order side by side)."""
    validation.page(limit, offset)
    story = require_story(session, actor, story_id)
    return list(
        session.exec(
            select(StorySegment)
            .where(StorySegment.story_id == story.id)
            .order_by(col(StorySegment.order), col(StorySegment.created_at), col(StorySegment.id))
            .limit(limit)
            .offset(offset)
        ).all()
    )


TIMELINE_PARTS = 200


@dataclass(frozen=True)
class DatedPart:
    """A part that says when it happens in the world, as the world's history shows it."""

    story_id: uuid.UUID
    segment_id: uuid.UUID
    label: str  # "Low Tide · part 5 · The Dock Strike"
    date: str


def dated_parts(
    session: Session, actor: Actor, world_id: uuid.UUID, *, limit: int = TIMELINE_PARTS
) -> list[DatedPart]:
    """The world's story parts with an in-world date (at most `limit`, by story and place)."""
    world = require_world(session, actor, world_id)
    rows = session.execute(
        sa_select(
            col(Story.id),
            col(Story.title),
            col(StorySegment.id),
            col(StorySegment.order),
            col(StorySegment.title),
            col(StorySegment.in_world_date),
        )
        .join(Story, col(Story.id) == StorySegment.story_id)
        .where(col(Story.world_id) == world.id, col(StorySegment.in_world_date) != "")
        .order_by(col(Story.title), col(Story.id), col(StorySegment.order))
        .limit(limit)
    ).all()
    return [
        DatedPart(
            story, segment, " · ".join(t for t in (title, f"part {order + 1}", part) if t), date
        )
        for story, title, segment, order, part, date in rows
    ]


@dataclass(frozen=True)
class SegmentDeletion:
    """What deleting a segment did: how many segments went, and how many continuations moved
    up to follow the deleted segment's parent."""

    deleted: int
    moved: int


def delete_segment(
    session: Session, actor: Actor, segment_id: uuid.UUID, *, with_branch: bool
) -> SegmentDeletion:
    """Delete the segment; with `with_branch`, every continuation below it too. Otherwise its
    continuations move up one place: they continue the deleted segment's parent (or become
    alternative openings), so nothing written after it is lost.

    The tree is taken as the reader shows it, where a segment saved without a parent continues
    the newest one an order before it; those implicit links are written down first, so no
    segment silently changes place when one before it goes."""
    segment = require_segment(session, actor, segment_id, Permission.WRITE)
    story = session.get_one(Story, segment.story_id)
    tree = reader.outline(session, story.id)
    _write_implicit_parents(session, tree)
    below = tree.below(segment.id)
    if with_branch:
        doomed = [segment.id, *below]
        session.execute(delete(StorySegment).where(col(StorySegment.id).in_(doomed)))
        _touch(session, story)
        return SegmentDeletion(deleted=len(doomed), moved=0)
    children = tree.children.get(segment.id, [])
    session.execute(
        update(StorySegment)
        .where(col(StorySegment.id).in_(children))
        .values(parent_id=tree.nodes[segment.id].parent_id)
    )
    # A segment's order is its depth, which the implicit links above are read from.
    session.execute(
        update(StorySegment)
        .where(col(StorySegment.id).in_(below))
        .values(order=col(StorySegment.order) - 1)
    )
    session.execute(delete(StorySegment).where(col(StorySegment.id) == segment.id))
    _touch(session, story)
    return SegmentDeletion(deleted=1, moved=len(children))


def _write_implicit_parents(session: Session, tree: reader.Outline) -> None:
    """Store each implicit parent as the segment's `parent_id` (one batched statement)."""
    implicit = [
        {"id": node.id, "parent_id": node.parent_id}
        for node in tree.nodes.values()
        if node.parent_id is not None and not node.stored_parent
    ]
    if implicit:
        session.execute(update(StorySegment), implicit)


def _apply(row: Story | StorySegment, changes: dict[str, Any]) -> None:
    """Set the checked fields and mark the row as updated now."""
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()


def _touch(session: Session, story: Story) -> None:
    """Mark the story (and so its list position) as just changed, and flush."""
    story.updated_at = utcnow()
    session.add(story)
    session.flush()
