"""The World Agent's `lore` memory block: before a turn's message first goes to Letta, the lore
retrieved for it is written there, stored with the run, and announced to the chat as a LoreUsed
event. A turn that Retry continues keeps the lore it was given."""

from __future__ import annotations

import asyncio
import logging

import letta_client
from letta_client import AsyncLetta

from dsf_app.agents.events import LoreUsed
from dsf_app.agents.turn import Turn
from dsf_app.models import AgentKind
from dsf_app.services import lore

log = logging.getLogger(__name__)

LABEL = "lore"
DESCRIPTION = (
    "Codex entries and foundation items chosen for this turn (rewritten before each turn), "
    "with why each was chosen."
)
LIMIT = 20_000


async def bring(letta: AsyncLetta, turn: Turn) -> None:
    """For a World Agent turn: retrieve the lore for its message (in a worker thread), write it
    to the agent's block, record it with the run, and emit the chat's "Lore used" row when there
    is any. No session is open during the Letta call. Lore helps a turn but never stops one: a
    failure is logged and the turn goes on (a cancel still stops it)."""
    if turn.kind != AgentKind.WORLD or turn.world_id is None:
        return
    try:
        selection = await asyncio.to_thread(
            lore.prepare, turn.actor, turn.world_id, turn.story_id, turn.record.prompt
        )
        await write(letta, turn.agent_id, selection.block)
        row_id = await asyncio.to_thread(lore.record, turn.actor, turn.run_id, selection)
    except Exception:
        log.exception("No lore for turn %s of agent %s", turn.run_id, turn.agent_id)
        return
    if row_id:
        await turn.emit(LoreUsed(row_id, selection.items))


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
