"""Which world a world, story, segment, asset or Codex entry id belongs to, and what the acting
person may do there: what an agent's confinement to one world (`agents/tool_scope.py`) decides on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from dsf_app.models import World
from dsf_app.services.access import (
    Permission,
    require_asset,
    require_entry,
    require_segment,
    require_story,
    world_with_level,
)
from dsf_app.services.actor import Actor


class Thing(StrEnum):
    """What an id names, in the words a refusal uses."""

    WORLD = "world"
    STORY = "story"
    SEGMENT = "segment"
    ASSET = "asset"
    ENTRY = "codex entry"


@dataclass(frozen=True)
class Owner:
    """The world a thing is in (None: an image of the person's own, in no world) and the
    acting person's permission there."""

    world: World | None
    level: Permission


def owning_world(session: Session, actor: Actor, thing: Thing, thing_id: uuid.UUID) -> Owner:
    """The world `thing_id` is in; NotFound (as the access rule words it) if the person cannot
    read it."""
    world_id = _world_id(session, actor, thing, thing_id)
    if world_id is None:  # require_asset let it through: it is the person's own
        return Owner(None, Permission.MANAGE)
    world, level = world_with_level(session, actor, world_id, thing=thing.value, thing_id=thing_id)
    return Owner(world, level)


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
    if thing is Thing.ASSET:
        return require_asset(session, actor, thing_id).world_id
    entry, _ = require_entry(session, actor, thing_id)
    return entry.world_id
