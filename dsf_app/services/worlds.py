"""Worlds: creating, listing, updating and deleting them, their visibility and collaborators
(invited by email through `invitations`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.models import (
    Asset,
    CollaboratorRole,
    Story,
    User,
    Visibility,
    World,
    WorldCollaborator,
    WorldState,
)
from dsf_app.models.columns import utcnow
from dsf_app.services import invitations, validation
from dsf_app.services.access import (
    Permission,
    member_worlds_clause,
    readable_worlds_clause,
    require_world,
)
from dsf_app.services.actor import Actor
from dsf_app.services.assets import stored_keys
from dsf_app.services.users import get_user
from dsf_app.services.versions import record_version
from dsf_app.world_schema import with_item_ids


@dataclass(frozen=True)
class WorldListing:
    world: World
    story_count: int


@dataclass(frozen=True)
class Sharing:
    """What adding a collaborator did: an invitation, unless the email was already a
    collaborator's (then their role changed)."""

    email: str
    role: CollaboratorRole
    invited: bool


@dataclass(frozen=True)
class Collaborator:
    user_id: uuid.UUID
    email: str
    name: str
    role: CollaboratorRole


FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": lambda v: validation.text(v, what="world name", max_length=200, required=True),
    "description": lambda v: validation.text(
        v, what="world description", max_length=validation.MAX_DESCRIPTION
    ),
    "foundation": lambda v: with_item_ids(validation.json_object(v, what="world foundation")),
    "surface": lambda v: with_item_ids(validation.json_object(v, what="world surface")),
    "constraints": lambda v: with_item_ids(validation.json_list(v, what="world constraints")),
    "state": lambda v: validation.choice(v, WorldState, what="world state"),
}


def create_world(
    session: Session,
    actor: Actor,
    name: str,
    description: str = "",
    foundation: dict[str, Any] | None = None,
    surface: dict[str, Any] | None = None,
    state: WorldState | str = WorldState.SKETCH,
    constraints: list[Any] | None = None,
) -> World:
    fields = validation.fields(
        {
            "description": description,
            "foundation": foundation,
            "surface": surface,
            "state": state,
            "constraints": constraints,
        },
        FIELD_CHECKS,
        thing="world",
    )
    world = World(owner_id=actor.user_id, name=FIELD_CHECKS["name"](name), **fields)
    session.add(world)
    session.flush()
    record_version(session, world)
    return world


def get_world(session: Session, actor: Actor, world_id: uuid.UUID) -> World:
    return require_world(session, actor, world_id)


def list_worlds(
    session: Session, actor: Actor, *, search: str | None = None, limit: int = 20, offset: int = 0
) -> list[WorldListing]:
    """Worlds the actor owns or collaborates on, most recently updated first."""
    return _listing(session, member_worlds_clause(actor), search, limit, offset)


def list_public_worlds(
    session: Session, actor: Actor, *, search: str | None = None, limit: int = 20, offset: int = 0
) -> list[WorldListing]:
    """Other people's public worlds the actor is not already a member of, newest first."""
    where = readable_worlds_clause(actor) & ~member_worlds_clause(actor)
    return _listing(session, where, search, limit, offset)


def _listing(
    session: Session,
    where: ColumnElement[bool],
    search: str | None,
    limit: int,
    offset: int,
) -> list[WorldListing]:
    """One query: the matching worlds with their story counts."""
    validation.page(limit, offset)
    story_count = (
        select(func.count(col(Story.id))).where(col(Story.world_id) == World.id).scalar_subquery()
    )
    query = select(World, story_count).where(where)
    term = validation.search_term(search)
    if term is not None:
        pattern = validation.like_pattern(term)
        query = query.where(
            or_(col(World.name).ilike(pattern), col(World.description).ilike(pattern))
        )
    query = query.order_by(col(World.updated_at).desc(), col(World.id).desc())
    rows = session.exec(query.limit(limit).offset(offset)).all()
    return [WorldListing(world=world, story_count=count) for world, count in rows]


def update_world_fields(
    session: Session, actor: Actor, world_id: uuid.UUID, **fields: Any
) -> World:
    """Set any of name, description, foundation, surface, constraints, state; bumps the version."""
    changes = validation.fields(fields, FIELD_CHECKS, thing="world")
    if not changes:
        raise Invalid(f"Name at least one field to update: {', '.join(FIELD_CHECKS)}.")
    world = require_world(session, actor, world_id, Permission.WRITE)
    for name, value in changes.items():
        setattr(world, name, value)
    world.version += 1
    world.updated_at = utcnow()
    session.add(world)
    session.flush()
    record_version(session, world)
    return world


def delete_world(session: Session, actor: Actor, world_id: uuid.UUID) -> list[str]:
    """Delete the world with its stories, segments and assets; returns the assets' storage keys
    so the caller can delete their bytes."""
    world = require_world(session, actor, world_id, Permission.MANAGE)
    stored = session.exec(select(Asset).where(Asset.world_id == world.id)).all()
    keys = [key for asset in stored for key in stored_keys(asset)]
    session.delete(world)
    session.flush()
    return keys


def set_visibility(
    session: Session, actor: Actor, world_id: uuid.UUID, visibility: Visibility | str
) -> World:
    chosen = validation.choice(visibility, Visibility, what="visibility")
    world = require_world(session, actor, world_id, Permission.MANAGE)
    if chosen is Visibility.PUBLIC and not get_user(session, actor.user_id).email_verified:
        raise Forbidden(
            f"“{world.name}” stays private until you verify your email address: follow the link "
            "in the email we sent you (the banner at the top of the page sends a new one)."
        )
    world.visibility = chosen
    session.add(world)
    session.flush()
    return world


def add_collaborator(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    email: str,
    role: CollaboratorRole | str = CollaboratorRole.VIEWER,
) -> Sharing:
    """Invite the person with `email` to the world with `role` (`invitations`: they become a
    collaborator when that email's account next opens DSF), or change the role of a collaborator
    who has that email. The answer does not say whether the email has an account."""
    chosen = validation.choice(role, CollaboratorRole, what="collaborator role")
    world = require_world(session, actor, world_id, Permission.MANAGE)
    address = validation.email(email)
    if address == get_user(session, world.owner_id).email:
        raise Invalid(f"{address} owns “{world.name}” already and needs no other role.")
    invitations.count_addition(session, actor)
    collaborator = session.exec(
        select(WorldCollaborator)
        .join(User, col(User.id) == WorldCollaborator.user_id)
        .where(WorldCollaborator.world_id == world.id, User.email == address)
    ).first()
    if collaborator is None:
        invitations.invite(session, world, address, chosen, actor)
        return Sharing(address, chosen, invited=True)
    collaborator.role = chosen
    session.add(collaborator)
    session.flush()
    return Sharing(address, chosen, invited=False)


def remove_collaborator(
    session: Session, actor: Actor, world_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """The owner removes anyone; a collaborator may remove only themselves (leave the world)."""
    need = Permission.READ if user_id == actor.user_id else Permission.MANAGE
    world = require_world(session, actor, world_id, need)
    collaborator = _collaborator_row(session, world.id, user_id)
    if collaborator is None:
        raise NotFound(f"The person with id {user_id} is not a collaborator on “{world.name}”.")
    session.delete(collaborator)
    session.flush()


def list_collaborators(session: Session, actor: Actor, world_id: uuid.UUID) -> list[Collaborator]:
    """The world's collaborators, for its owner and collaborators only (not public readers)."""
    world = require_world(session, actor, world_id)
    if (
        world.owner_id != actor.user_id
        and _collaborator_row(session, world.id, actor.user_id) is None
    ):
        raise Forbidden(f"Only the people working on “{world.name}” can see who else works on it.")
    rows = session.exec(
        select(WorldCollaborator, User)
        .join(User, col(User.id) == WorldCollaborator.user_id)
        .where(WorldCollaborator.world_id == world.id)
        .order_by(col(WorldCollaborator.created_at))
    ).all()
    return [
        Collaborator(
            user_id=user.id, email=user.email, name=user.name, role=CollaboratorRole(row.role)
        )
        for row, user in rows
    ]


def _collaborator_row(
    session: Session, world_id: uuid.UUID, user_id: uuid.UUID
) -> WorldCollaborator | None:
    return session.exec(
        select(WorldCollaborator).where(
            WorldCollaborator.world_id == world_id, WorldCollaborator.user_id == user_id
        )
    ).first()
