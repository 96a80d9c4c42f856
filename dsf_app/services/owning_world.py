"""Which world a world, story, segment, asset or Codex entry id belongs to, what the acting
person may do there and whether it is one of their worlds: what an agent's confinement
(`agents/tool_scope.py`) decides on.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlmodel import Session, col, select

from dsf_app.models import World
from dsf_app.services.access import (
    WorldAccess,
    member_worlds_clause,
    require_asset,
    require_entry,
    require_segment,
    require_story,
    world_access,
)
from dsf_app.services.actor import Actor


class Thing(StrEnum):
    """What an id names, in the words a refusal uses."""

    WORLD = "world"
    STORY = "story"
    SEGMENT = "segment"
    ASSET = "asset"
    # An image a new one is drawn from: it may also be the person's own, outside any world.
    SOURCE_IMAGE = "image"
    ENTRY = "codex entry"


def owning_world(
    session: Session, actor: Actor, thing: Thing, thing_id: uuid.UUID
) -> WorldAccess | None:
    """The world `thing_id` is in, with what the person may do there (its documents are not
    read); None for an image of the person's own in no world. NotFound, as the access rule
    words it, if they cannot read it."""
    world_id = _world_id(session, actor, thing, thing_id)
    if world_id is None:  # require_asset let it through: it is the person's own
        return None
    return world_access(session, actor, world_id, thing=thing.value, thing_id=thing_id)


def is_member(session: Session, actor: Actor, world_id: uuid.UUID) -> bool:
    """Whether the world is one of the person's own or shared with them (not merely public)."""
    found = session.exec(
        select(World.id).where(col(World.id) == world_id, member_worlds_clause(actor))
    ).first()
    return found is not None


def _world_id(
    session: Session, actor: Actor, thing: Thing, thing_id: uuid.UUID
) -> uuid.UUID | None:
    if thing is Thing.WORLD:
        return thing_id
    if thing is Thing.STORY:
        return require_story(session, actor, thing_id).world_id
    if thing is Thing.SEGMENT:
        segment = require_segment(session, actor, thing_id)
        return require_story(session, actor, segment.story_id).world_id
    if thing in (Thing.ASSET, Thing.SOURCE_IMAGE):
        return require_asset(session, actor, thing_id).world_id
    entry, _ = require_entry(session, actor, thing_id)
    return entry.world_id
