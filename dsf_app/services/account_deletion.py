"""Deleting a person's account from the database: what it owns outside the database (stored
files, Letta agents) named first, so the caller can remove those before the rows that name them
go; then every row of the person's in one transaction.

What goes: the person's worlds with everything in them (also what collaborators added there),
the stories they started and the images they made in other people's worlds (those are theirs),
their collaborations, chat, runs, canvas, suggestions, sessions, OAuth links, invitations to
their email and the sign-in attempts that name them. Other people's worlds stay, with
everything else in them. Nearly all of it follows the `user` row through the foreign keys'
ON DELETE CASCADE; the rest names the person only by email or in a key, and is deleted here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from dsf_app.errors import Invalid
from dsf_app.models import AgentRecord, Asset, RateLimitAttempt, User, World, WorldInvitation
from dsf_app.services import users
from dsf_app.services.actor import Actor
from dsf_app.services.assets import stored_keys


@dataclass(frozen=True)
class Outside:
    """What an account holds outside the database: S3 keys and Letta agent ids."""

    storage_keys: frozenset[str] = frozenset()
    letta_agent_ids: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.storage_keys or self.letta_agent_ids)

    def __or__(self, other: Outside) -> Outside:
        return Outside(
            self.storage_keys | other.storage_keys, self.letta_agent_ids | other.letta_agent_ids
        )

    def __sub__(self, other: Outside) -> Outside:
        return Outside(
            self.storage_keys - other.storage_keys, self.letta_agent_ids - other.letta_agent_ids
        )


def confirm(session: Session, actor: Actor, typed_email: str) -> Outside:
    """What the account holds outside the database, once the person has typed its email (in any
    letter case) to say they mean it; Invalid otherwise, and nothing is touched."""
    email = users.get_user(session, actor.user_id).email
    if typed_email.strip().lower() != email:
        raise Invalid(
            f"To delete the account, type its email, {email}, exactly; nothing was deleted."
        )
    return held_outside(session, actor)


def held_outside(session: Session, actor: Actor) -> Outside:
    """The storage keys of every asset the account's deletion removes, and the Letta agents:
    the person's own, and every collaborator's World Agent of the person's worlds."""
    own_worlds = select(World.id).where(World.owner_id == actor.user_id)
    held = session.exec(
        select(Asset).where(
            or_(col(Asset.owner_id) == actor.user_id, col(Asset.world_id).in_(own_worlds))
        )
    ).all()
    keys = [key for asset in held for key in stored_keys(asset)]
    agents = session.exec(
        select(AgentRecord.letta_agent_id).where(
            or_(
                col(AgentRecord.user_id) == actor.user_id,
                col(AgentRecord.world_id).in_(own_worlds),
            )
        )
    ).all()
    return Outside(frozenset(keys), frozenset(agents))


def delete_rows(session: Session, actor: Actor, removed: Outside) -> Outside:
    """Delete every row of the account, if nothing it holds outside the database is missing
    from `removed` (what the caller has removed from S3 and Letta by now); otherwise delete
    nothing and return what is still to remove (made meanwhile, say, by a turn still running).

    The person's row and worlds are locked first: a row that names them (an image being
    recorded, an agent) waits for this transaction and then fails on its missing parent, so
    nothing can slip in between the check and the delete."""
    user = session.exec(select(User).where(User.id == actor.user_id).with_for_update()).one()
    session.exec(select(World.id).where(World.owner_id == user.id).with_for_update()).all()
    remaining = held_outside(session, actor) - removed
    if remaining:
        return remaining
    session.execute(delete(WorldInvitation).where(col(WorldInvitation.email) == user.email))
    session.execute(
        delete(RateLimitAttempt).where(
            or_(
                col(RateLimitAttempt.key).endswith(f":{user.email}", autoescape=True),
                col(RateLimitAttempt.key).contains(str(user.id), autoescape=True),
            )
        )
    )
    session.delete(user)
    session.flush()
    return Outside()
