"""Who may do what, in one place: the access level a person has on a world, as SQL, and the
"load this and check the person may do that" helpers every service uses.

A world is readable by its owner, its collaborators (any role) and, when public, by anyone signed
in; writable by its owner and collaborators with role editor or owner; managed (deleted, its
visibility or collaborators changed) by its owner only. Stories, segments and assets inherit from
their world; runs (and chat messages) belong to one person alone.
"""

from __future__ import annotations

import uuid
from enum import IntEnum

from sqlalchemy import ColumnElement, case, exists, literal, or_
from sqlmodel import Session, col, select

from dsf_app.errors import Forbidden, NotFound
from dsf_app.models import (
    AgentRun,
    Asset,
    CollaboratorRole,
    Story,
    StorySegment,
    Visibility,
    World,
    WorldCollaborator,
)
from dsf_app.services.actor import Actor


class Permission(IntEnum):
    """What a person may do to a world; each level includes the ones below it."""

    NONE = 0
    READ = 1
    WRITE = 2
    MANAGE = 3


WRITER_ROLES = (CollaboratorRole.EDITOR.value, CollaboratorRole.OWNER.value)


def _collaborator(actor: Actor, *roles: str) -> ColumnElement[bool]:
    """True for worlds where the actor is a collaborator (with one of `roles`, if given)."""
    conditions = [
        col(WorldCollaborator.world_id) == World.id,
        col(WorldCollaborator.user_id) == actor.user_id,
    ]
    if roles:
        conditions.append(col(WorldCollaborator.role).in_(roles))
    return exists().where(*conditions)


def access_level(actor: Actor) -> ColumnElement[int]:
    """The actor's `Permission` on each world row, as an SQL expression (the one rule)."""
    return case(
        (col(World.owner_id) == actor.user_id, literal(Permission.MANAGE.value)),
        (_collaborator(actor, *WRITER_ROLES), literal(Permission.WRITE.value)),
        (
            or_(_collaborator(actor), col(World.visibility) == Visibility.PUBLIC.value),
            literal(Permission.READ.value),
        ),
        else_=literal(Permission.NONE.value),
    )


def readable_worlds_clause(actor: Actor) -> ColumnElement[bool]:
    return access_level(actor) >= Permission.READ.value


def member_worlds_clause(actor: Actor) -> ColumnElement[bool]:
    """Worlds the actor owns or collaborates on (not merely public ones)."""
    return or_(col(World.owner_id) == actor.user_id, _collaborator(actor))


def not_visible(thing: str, thing_id: uuid.UUID) -> str:
    """The same sentence whether the thing is missing or hidden, so private things stay secret."""
    return f"No {thing} with id {thing_id} is visible to you."


def _refusal(thing: str, world: World, need: Permission) -> str:
    if need is Permission.MANAGE:
        return (
            f"Only the owner of the world “{world.name}” can delete it, change who can see it "
            "or manage its collaborators."
        )
    return (
        f"You can read this {thing} but not change it; ask the owner of the world "
        f"“{world.name}” to make you an editor."
    )


def world_with_level(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    *,
    thing: str = "world",
    thing_id: uuid.UUID | None = None,
) -> tuple[World, Permission]:
    """The world and what the actor may do to it, in one query; NotFound (naming `thing`) if
    they cannot read it."""
    row = session.exec(select(World, access_level(actor)).where(col(World.id) == world_id)).first()
    if row is None or row[1] < Permission.READ:
        raise NotFound(not_visible(thing, thing_id or world_id))
    return row[0], Permission(row[1])


def _require_level(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    need: Permission,
    *,
    thing: str,
    thing_id: uuid.UUID,
) -> World:
    world, level = world_with_level(session, actor, world_id, thing=thing, thing_id=thing_id)
    if level < need:
        raise Forbidden(_refusal(thing, world, need))
    return world


def require_world(
    session: Session, actor: Actor, world_id: uuid.UUID, need: Permission = Permission.READ
) -> World:
    """The world, or NotFound if the actor cannot read it, or Forbidden if they cannot do `need`."""
    return _require_level(session, actor, world_id, need, thing="world", thing_id=world_id)


def require_story(
    session: Session, actor: Actor, story_id: uuid.UUID, need: Permission = Permission.READ
) -> Story:
    story = session.get(Story, story_id)
    if story is None:
        raise NotFound(not_visible("story", story_id))
    _require_level(session, actor, story.world_id, need, thing="story", thing_id=story_id)
    return story


def require_segment(
    session: Session, actor: Actor, segment_id: uuid.UUID, need: Permission = Permission.READ
) -> StorySegment:
    row = session.exec(
        select(StorySegment, Story.world_id)
        .join(Story, col(Story.id) == StorySegment.story_id)
        .where(StorySegment.id == segment_id)
    ).first()
    if row is None:
        raise NotFound(not_visible("segment", segment_id))
    segment, world_id = row
    _require_level(session, actor, world_id, need, thing="segment", thing_id=segment_id)
    return segment


def require_asset(
    session: Session, actor: Actor, asset_id: uuid.UUID, need: Permission = Permission.READ
) -> Asset:
    """An asset of a world follows the world; one without a world is its owner's alone."""
    asset = session.get(Asset, asset_id)
    if asset is None or (asset.world_id is None and asset.owner_id != actor.user_id):
        raise NotFound(not_visible("asset", asset_id))
    if asset.world_id is not None:
        _require_level(session, actor, asset.world_id, need, thing="asset", thing_id=asset_id)
    return asset


def require_run(session: Session, actor: Actor, run_id: uuid.UUID) -> AgentRun:
    """One of the actor's own runs; anyone else's is NotFound."""
    run = session.get(AgentRun, run_id)
    if run is None or run.user_id != actor.user_id:
        raise NotFound(not_visible("agent run", run_id))
    return run
