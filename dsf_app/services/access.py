"""Who may do what, in one place: the access level a person has on a world, as SQL, and the
"load this and check the person may do that" helpers every service uses.

A world is readable by its owner, its collaborators (any role) and, when public, by anyone signed
in; writable by its owner and collaborators with role editor or owner; managed (deleted, its
visibility or collaborators changed) by its owner only. Stories, segments, assets and Codex
entries inherit from their world (an entry still only suggested, or rejected, is seen by those who
may write the world); runs (and chat messages) belong to one person alone. A check reads only
the world's id, name, owner and visibility and the actor's collaborator role, never its documents;
the helpers that return the world load its row after the check.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy import ColumnElement, case, exists, literal, or_
from sqlmodel import Session, col, select

from dsf_app.errors import Forbidden, NotFound
from dsf_app.models import (
    AgentRun,
    Asset,
    CodexEntry,
    CodexStatus,
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


def _refusal(thing: str, world_name: str, need: Permission) -> str:
    if need is Permission.MANAGE:
        return (
            f"Only the owner of the world “{world_name}” can delete it, change who can see it "
            "or manage its collaborators."
        )
    return (
        f"You can read this {thing} but not change it; ask the owner of the world "
        f"“{world_name}” to make you an editor."
    )


@dataclass(frozen=True)
class WorldAccess:
    """What an access check reads of a world: its id and name (for the refusal) and the actor's
    level, decided from its owner, visibility and collaborators — never its documents."""

    id: uuid.UUID
    name: str
    level: Permission


def world_access(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    *,
    thing: str = "world",
    thing_id: uuid.UUID | None = None,
) -> WorldAccess:
    """What the actor may do to the world; NotFound (naming `thing`) if they cannot read it."""
    row = session.exec(
        select(World.id, World.name, access_level(actor)).where(col(World.id) == world_id)
    ).first()
    if row is None or row[2] < Permission.READ:
        raise NotFound(not_visible(thing, thing_id or world_id))
    return WorldAccess(id=row[0], name=row[1], level=Permission(row[2]))


def require_access(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    need: Permission = Permission.READ,
    *,
    thing: str = "world",
    thing_id: uuid.UUID | None = None,
) -> WorldAccess:
    """The access check alone: NotFound if the actor cannot read the world, Forbidden if they
    cannot do `need`."""
    access = world_access(session, actor, world_id, thing=thing, thing_id=thing_id)
    if access.level < need:
        raise Forbidden(_refusal(thing, access.name, need))
    return access


def _world(session: Session, access: WorldAccess) -> World:
    """The world row, once its access is checked (from the session's identity map if it was
    read in this session already)."""
    world = session.get(World, access.id)
    if world is None:  # deleted since the check, in another transaction
        raise NotFound(not_visible("world", access.id))
    return world


def world_with_level(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    *,
    thing: str = "world",
    thing_id: uuid.UUID | None = None,
) -> tuple[World, Permission]:
    """The world and what the actor may do to it; NotFound (naming `thing`) if they cannot
    read it."""
    access = world_access(session, actor, world_id, thing=thing, thing_id=thing_id)
    return _world(session, access), access.level


def require_world(
    session: Session, actor: Actor, world_id: uuid.UUID, need: Permission = Permission.READ
) -> World:
    """The world, or NotFound if the actor cannot read it, or Forbidden if they cannot do `need`."""
    return _world(session, require_access(session, actor, world_id, need))


def require_story(
    session: Session, actor: Actor, story_id: uuid.UUID, need: Permission = Permission.READ
) -> Story:
    story = session.get(Story, story_id)
    if story is None:
        raise NotFound(not_visible("story", story_id))
    require_access(session, actor, story.world_id, need, thing="story", thing_id=story_id)
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
    require_access(session, actor, world_id, need, thing="segment", thing_id=segment_id)
    return segment


def require_asset(
    session: Session, actor: Actor, asset_id: uuid.UUID, need: Permission = Permission.READ
) -> Asset:
    """An asset of a world follows the world; one without a world is its owner's alone."""
    asset = session.get(Asset, asset_id)
    if asset is None or (asset.world_id is None and asset.owner_id != actor.user_id):
        raise NotFound(not_visible("asset", asset_id))
    if asset.world_id is not None:
        require_access(session, actor, asset.world_id, need, thing="asset", thing_id=asset_id)
    return asset


def require_entry(
    session: Session, actor: Actor, entry_id: uuid.UUID, need: Permission = Permission.READ
) -> tuple[CodexEntry, World]:
    """A Codex entry and its world; suggested and rejected entries only for the world's writers."""
    entry = session.get(CodexEntry, entry_id)
    if entry is None:
        raise NotFound(not_visible("codex entry", entry_id))
    access = world_access(session, actor, entry.world_id, thing="codex entry", thing_id=entry_id)
    if entry.status != CodexStatus.ACTIVE and access.level < Permission.WRITE:
        raise NotFound(not_visible("codex entry", entry_id))
    if access.level < need:
        raise Forbidden(_refusal("codex entry", access.name, need))
    return entry, _world(session, access)


def require_run(session: Session, actor: Actor, run_id: uuid.UUID) -> AgentRun:
    """One of the actor's own runs; anyone else's is NotFound."""
    run = session.get(AgentRun, run_id)
    if run is None or run.user_id != actor.user_id:
        raise NotFound(not_visible("agent run", run_id))
    return run
