"""Removing agents from the Letta server: a deleted world's (best effort: the world is already
gone from DSF, so an agent that cannot be deleted is only left unused there, and logged) and a
deleted account's (which must know what could not be removed, to say so and try again)."""

from __future__ import annotations

import logging

from letta_client import NotFoundError

from dsf_app.letta.connection import connect

log = logging.getLogger(__name__)


async def delete_agents(agent_ids: list[str]) -> dict[str, str]:
    """Delete each agent; returns those that could not be deleted, with why. An agent already
    gone counts as deleted, so deleting again after a failure finishes the job."""
    if not agent_ids:
        return {}
    letta = connect()
    failed: dict[str, str] = {}
    for agent_id in agent_ids:
        try:
            await letta.agents.delete(agent_id)
        except NotFoundError:
            continue
        except Exception as exc:  # reported to the caller, which decides what it means
            log.warning("Could not delete Letta agent %s: %s", agent_id, exc)
            failed[agent_id] = str(exc) or type(exc).__name__
    return failed


async def agents_tagged(tag: str) -> list[str]:
    """The ids of every agent on the Letta server with `tag` (provisioning tags each agent with
    its person's id, so this finds one that was created but never recorded)."""
    return [agent.id async for agent in connect().agents.list(tags=[tag])]
