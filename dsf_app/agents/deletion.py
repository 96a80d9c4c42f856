"""Removing a deleted world's agents from the Letta server, best effort: the world is already
gone from DSF, so an agent that cannot be deleted is only left unused there (and logged)."""

from __future__ import annotations

import logging

from dsf_app.agents.connection import connect

log = logging.getLogger(__name__)


async def delete_agents(agent_ids: list[str]) -> None:
    if not agent_ids:
        return
    letta = connect()
    for agent_id in agent_ids:
        try:
            await letta.agents.delete(agent_id)
        except Exception as exc:  # best effort: the world is already gone
            log.warning("Could not delete Letta agent %s of a deleted world: %s", agent_id, exc)
