"""The World Agent's `lore` memory block: before each turn, the lore retrieved for it is written
there, stored with the run, and announced to the chat as a LoreUsed event."""

from __future__ import annotations

import asyncio
import logging
import uuid

import letta_client
from letta_client import AsyncLetta

from dsf_app.agents.events import LoreUsed
from dsf_app.services import lore
from dsf_app.services.actor import Actor

log = logging.getLogger(__name__)

LABEL = "lore"
DESCRIPTION = (
    "Codex entries and foundation items chosen for this turn (rewritten before each turn), "
    "with why each was chosen."
)
LIMIT = 20_000


async def bring(
    letta: AsyncLetta,
    actor: Actor,
    agent_id: str,
    run_id: uuid.UUID,
    world_id: uuid.UUID,
    story_id: uuid.UUID | None,
    message: str,
) -> LoreUsed | None:
    """Retrieve the lore for this turn (in a worker thread), write it to the agent's block and
    record it with the run; the event for the chat's "Lore used" row, or None when there is
    none. Lore helps a turn but never stops one: a failure is logged and the turn goes on."""
    try:
        selection = await asyncio.to_thread(lore.prepare, actor, world_id, story_id, message)
        await write(letta, agent_id, selection.block)
        row_id = await asyncio.to_thread(lore.record, actor, run_id, world_id, story_id, selection)
    except Exception:
        log.exception("No lore for this turn of agent %s", agent_id)
        return None
    return LoreUsed(row_id, selection.items) if row_id else None


async def write(letta: AsyncLetta, agent_id: str, value: str) -> None:
    """Set the block; an agent made before the Codex existed gets the block attached first."""
    try:
        await letta.agents.blocks.update(LABEL, agent_id=agent_id, value=value[:LIMIT])
    except letta_client.NotFoundError:
        log.info("agent %s has no lore block yet; attaching one", agent_id)
        block = await letta.blocks.create(
            label=LABEL, value=value[:LIMIT], limit=LIMIT, description=DESCRIPTION
        )
        await letta.agents.blocks.attach(block.id, agent_id=agent_id)
