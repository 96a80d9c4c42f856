"""Invitations to work on a world. The owner names an email and a role; the account with that
email becomes a collaborator once it has proven the address is its own (a verification link, a
reset or sign-in link, or Google or GitHub vouching for it): at once when it proves it, or on its
next page of DSF if it had already. An account that never proved the address takes up nothing,
so signing up with someone else's address gains nothing. Until then the owner sees the
invitation and can revoke it.

Adding someone answers the same whether or not the email has an account, so a world's sharing
form cannot be used to learn who uses DSF; and each person may add at most INVITES_PER_HOUR.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from dsf_app.errors import Forbidden, NotFound
from dsf_app.models import CollaboratorRole, User, World, WorldCollaborator, WorldInvitation
from dsf_app.services import limits
from dsf_app.services.access import Permission, require_world
from dsf_app.services.actor import Actor

INVITES_PER_HOUR = 30


@dataclass(frozen=True)
class Invitation:
    id: uuid.UUID
    email: str
    role: CollaboratorRole


def count_addition(session: Session, actor: Actor) -> None:
    """One more collaborator added by the actor; Forbidden once they have added
    INVITES_PER_HOUR in the last hour."""
    budget = limits.Budget(f"invite:{actor.user_id}", INVITES_PER_HOUR, timedelta(hours=1))
    try:
        limits.take(session, [budget])
    except limits.LimitReached as reached:
        raise Forbidden(
            f"You have added {INVITES_PER_HOUR} collaborators in the last hour, the most one "
            f"person may; add more in {reached.minutes} minutes."
        ) from None


def invite(session: Session, world: World, email: str, role: CollaboratorRole, by: Actor) -> None:
    """Offer `role` on `world` to `email` (already checked and lower-cased), or change the role
    an open invitation offers."""
    session.execute(
        insert(WorldInvitation)
        .values(
            id=uuid.uuid4(), world_id=world.id, email=email, role=role.value, invited_by=by.user_id
        )
        .on_conflict_do_update(index_elements=["world_id", "email"], set_={"role": role.value})
    )


def list_invitations(session: Session, actor: Actor, world_id: uuid.UUID) -> list[Invitation]:
    """The world's open invitations, oldest first; for its owner only."""
    world = require_world(session, actor, world_id, Permission.MANAGE)
    rows = session.exec(
        select(WorldInvitation)
        .where(WorldInvitation.world_id == world.id)
        .order_by(col(WorldInvitation.created_at), col(WorldInvitation.id))
    ).all()
    return [Invitation(row.id, row.email, CollaboratorRole(row.role)) for row in rows]


def revoke(session: Session, actor: Actor, world_id: uuid.UUID, invitation_id: uuid.UUID) -> str:
    """Withdraw an open invitation (the owner only); returns the email it was for."""
    world = require_world(session, actor, world_id, Permission.MANAGE)
    invitation = session.get(WorldInvitation, invitation_id)
    if invitation is None or invitation.world_id != world.id:
        raise NotFound(f"No open invitation with id {invitation_id} on “{world.name}”.")
    session.delete(invitation)
    session.flush()
    return invitation.email


def accept(session: Session, user: User) -> int:
    """Make `user` a collaborator on every world their email was invited to (with the role
    offered), and close those invitations; returns how many there were. Nothing for an
    account whose address is not verified: the invitations wait for its owner."""
    if not user.email_verified:
        return 0
    found = session.exec(
        select(WorldInvitation, World.owner_id)
        .join(World, col(World.id) == WorldInvitation.world_id)
        .where(WorldInvitation.email == user.email)
    ).all()
    if not found:
        return 0
    for invitation, owner_id in found:
        if owner_id == user.id:
            continue
        session.execute(
            insert(WorldCollaborator)
            .values(
                id=uuid.uuid4(), world_id=invitation.world_id, user_id=user.id, role=invitation.role
            )
            .on_conflict_do_update(
                index_elements=["world_id", "user_id"], set_={"role": invitation.role}
            )
        )
    session.execute(
        delete(WorldInvitation).where(
            col(WorldInvitation.id).in_([invitation.id for invitation, _ in found])
        )
    )
    session.flush()
    return len(found)
