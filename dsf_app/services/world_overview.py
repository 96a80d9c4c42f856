"""Everything the world page shows about one world, read in one session: the world and what the
actor may do to it, its foundation as far as it can be read, its versions and newest changes,
its stories, and who works on it (for the people who do)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from dsf_app.errors import Forbidden
from dsf_app.models import World
from dsf_app.services import invitations, reader, stories, versions, world_changes, worlds
from dsf_app.services.access import Permission, world_with_level
from dsf_app.services.actor import Actor
from dsf_app.world_schema import WorldFoundation, readable_foundation


@dataclass(frozen=True)
class WorldOverview:
    world: World
    level: Permission
    foundation: WorldFoundation
    versions: list[int]
    changes: world_changes.ChangePage
    stories: list[reader.StoryCard]
    # The stories' parts that say when they happen, for the history timeline.
    dated_parts: list[stories.DatedPart]
    # None for someone who reads the world (it is public) without working on it.
    collaborators: list[worlds.Collaborator] | None
    # Pending invitations, for the owner only.
    invited: list[invitations.Invitation]


def overview(session: Session, actor: Actor, world_id: uuid.UUID) -> WorldOverview:
    """The world page's content; NotFound if the actor cannot read the world."""
    world, level = world_with_level(session, actor, world_id)
    try:
        people: list[worlds.Collaborator] | None = worlds.list_collaborators(
            session, actor, world.id
        )
    except Forbidden:
        people = None
    return WorldOverview(
        world=world,
        level=level,
        foundation=readable_foundation(world.foundation),
        versions=[info.version for info in versions.list_versions(session, actor, world.id)],
        changes=world_changes.page(session, actor, world.id),
        stories=reader.story_cards(session, actor, world.id),
        dated_parts=stories.dated_parts(session, actor, world.id),
        collaborators=people,
        invited=(
            invitations.list_invitations(session, actor, world.id)
            if level >= Permission.MANAGE
            else []
        ),
    )
