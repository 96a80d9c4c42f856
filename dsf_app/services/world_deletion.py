"""Deleting a world with everything that hangs off it: its rows (stories, segments, assets,
sources, versions, agent records go with it in the database) and the names of what lives
outside the database — the storage keys of its assets and sources, and its Letta agents — for
the caller to remove."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from dsf_app.models import AgentRecord
from dsf_app.services import sources, worlds
from dsf_app.services.access import Permission, require_world
from dsf_app.services.actor import Actor


@dataclass(frozen=True)
class Leftovers:
    storage_keys: list[str]
    letta_agent_ids: list[str]


def delete_world(session: Session, actor: Actor, world_id: uuid.UUID) -> Leftovers:
    """Delete the world (owner only); returns the S3 keys and Letta agent ids to remove."""
    world = require_world(session, actor, world_id, Permission.MANAGE)
    agents = session.exec(
        select(AgentRecord.letta_agent_id).where(AgentRecord.world_id == world.id)
    ).all()
    keys = [*sources.storage_keys(session, actor, world.id)]
    keys += worlds.delete_world(session, actor, world.id)
    return Leftovers(storage_keys=keys, letta_agent_ids=list(agents))
