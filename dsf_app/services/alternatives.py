"""Another version of a part of a story, which the World Agent writes as a new branch from the
same parent (an alternative opening for the first part): what to ask the agent for, and the
alternative the reader switches to once the agent has saved it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from dsf_app.errors import NotFound
from dsf_app.models import Story
from dsf_app.models.columns import utcnow
from dsf_app.services import reader
from dsf_app.services.access import Permission, not_visible, require_segment, require_story
from dsf_app.services.actor import Actor


@dataclass(frozen=True)
class Request:
    """Asked at `asked_at`: a new continuation of `parent_id` (None: a new opening)."""

    parent_id: uuid.UUID | None
    asked_at: datetime
    message: str  # what the person sends the World Agent, as the chat shows it


@dataclass(frozen=True)
class Arrival:
    segment_id: uuid.UUID
    choices: dict[uuid.UUID | None, uuid.UUID]  # the branch choices that lead to it


def ask(session: Session, actor: Actor, story_id: uuid.UUID, segment_id: uuid.UUID) -> Request:
    """The request for another version of `segment_id`, a part of the story the person may
    edit (another story's segment is NotFound, as the reader shows only its own story)."""
    segment = require_segment(session, actor, segment_id, Permission.WRITE)
    if segment.story_id != story_id:
        raise NotFound(not_visible("segment", segment_id))
    story = session.get_one(Story, story_id)
    parent_id = reader.outline(session, story.id).nodes[segment.id].parent_id
    named = f"“{segment.title}”" if segment.title else f"segment {segment.id}"
    where = (
        f"as an alternative opening (story_manager branch with opening true, story_id {story.id})"
        if parent_id is None
        else f"as a new branch from the same parent (story_manager branch with parent_id "
        f"{parent_id}, story_id {story.id})"
    )
    message = (
        f"Write another version of {named} (segment {segment.id}) of the story “{story.title}”, "
        f"{where}. Keep what came before it; take the scene somewhere new."
    )
    return Request(parent_id=parent_id, asked_at=utcnow(), message=message)


def arrived(
    session: Session,
    actor: Actor,
    story_id: uuid.UUID,
    parent_id: uuid.UUID | None,
    since: datetime,
) -> Arrival | None:
    """The newest continuation of `parent_id` saved after `since`, if there is one yet."""
    story = require_story(session, actor, story_id)
    tree = reader.outline(session, story.id)
    new = [
        child for child in tree.children.get(parent_id, []) if tree.nodes[child].created_at > since
    ]
    if not new:
        return None
    newest = max(new, key=lambda child: tree.nodes[child].created_at)
    return Arrival(segment_id=newest, choices=tree.leaf_path_through(newest))
