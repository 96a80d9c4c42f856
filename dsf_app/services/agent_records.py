"""Which Letta agent serves whom: one User Agent and one Experience Agent per person, one World
Agent per person per world (`AgentRecord`), with digests of the definition and of each memory
block the agent was last brought to, so an agent that is up to date costs no call to Letta.

Every function takes the acting person first and sees only their records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from dsf_app.models import AgentKind, AgentRecord
from dsf_app.services.actor import Actor


@dataclass(frozen=True)
class AgentEntry:
    """An agent's record: its Letta id and what it was last brought to."""

    record_id: uuid.UUID
    letta_agent_id: str
    definition_digest: str
    memory_digests: dict[str, Any]


def world_key(kind: AgentKind, world_id: uuid.UUID | None) -> uuid.UUID | None:
    """World Agents are per world; the others serve the person everywhere."""
    return world_id if kind == AgentKind.WORLD else None


def find(
    session: Session, actor: Actor, kind: AgentKind, world_id: uuid.UUID | None
) -> AgentEntry | None:
    """The person's agent of `kind` (for `world_id`, when a World Agent), if one was made."""
    record = session.exec(
        select(AgentRecord).where(
            AgentRecord.kind == kind,
            AgentRecord.user_id == actor.user_id,
            AgentRecord.world_id == world_key(kind, world_id),
        )
    ).first()
    if record is None:
        return None
    return AgentEntry(
        record.id, record.letta_agent_id, record.definition_digest, dict(record.memory_digests)
    )


def add(
    session: Session,
    actor: Actor,
    kind: AgentKind,
    world_id: uuid.UUID | None,
    letta_agent_id: str,
    definition_digest: str,
    memory_digests: dict[str, Any],
) -> None:
    """Record a new agent; IntegrityError when another turn recorded one first."""
    session.add(
        AgentRecord(
            kind=kind,
            letta_agent_id=letta_agent_id,
            user_id=actor.user_id,
            world_id=world_key(kind, world_id),
            definition_digest=definition_digest,
            memory_digests=memory_digests,
        )
    )
    session.flush()


def brought_to(
    session: Session,
    actor: Actor,
    record_id: uuid.UUID,
    definition_digest: str,
    memory_digests: dict[str, Any],
) -> None:
    """What the agent now holds, after it was brought up to date."""
    record = session.get(AgentRecord, record_id)
    if record is not None and record.user_id == actor.user_id:
        record.definition_digest = definition_digest
        record.memory_digests = memory_digests
        session.add(record)
