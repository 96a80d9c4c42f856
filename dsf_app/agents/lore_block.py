"""The World Agent's `lore` memory block: before a turn's message first goes to Letta, the lore
retrieved for it is written there, stored with the run, and announced to the chat as a LoreUsed
event. A turn that Retry continues keeps the lore it was given."""

from __future__ import annotations

import asyncio
import logging

from letta_client import AsyncLetta

from dsf_app.agents.definitions import LORE
from dsf_app.agents.events import LoreUsed
from dsf_app.agents.turn import Turn
from dsf_app.models import AgentKind
from dsf_app.services import lore, source_search

log = logging.getLogger(__name__)


async def bring(letta: AsyncLetta, turn: Turn) -> None:
    """For a World Agent turn: retrieve the lore for its message (in a worker thread), write it
    to the agent's block, record it with the run, and emit the chat's "Lore used" row when there
    is any. No session is open during the Letta call. Lore helps a turn but never stops one: a
    failure is logged and the turn goes on (a cancel still stops it)."""
    if turn.kind != AgentKind.WORLD or turn.world_id is None:
        return
    try:
        selection = await asyncio.to_thread(
            lore.prepare,
            turn.actor,
            turn.world_id,
            turn.story_id,
            turn.record.prompt,
            turn.run_id,
        )
        selection = await asyncio.to_thread(
            source_search.with_passages, turn.actor, turn.world_id, turn.record.prompt, selection
        )
        await write(letta, turn.agent_id, selection.block)
        row_id = await asyncio.to_thread(lore.record, turn.actor, turn.run_id, selection)
    except Exception:
        log.exception("No lore for turn %s of agent %s", turn.run_id, turn.agent_id)
        return
    if row_id:
        await turn.emit(LoreUsed(row_id, selection.items))


async def write(letta: AsyncLetta, agent_id: str, value: str) -> None:
    """Set the block (every World Agent has it: provisioning follows `definitions.LORE`)."""
    await letta.agents.blocks.update(LORE.label, agent_id=agent_id, value=value[: LORE.limit])
