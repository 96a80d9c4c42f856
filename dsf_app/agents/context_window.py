"""What an agent holds in its context on Letta, set before a turn is sent. A new conversation
starts with the context cleared (Letta's reset keeps only the system message; memory blocks
are not messages and stay); a regenerated reply or an edited message starts with the context
wound back to just before the person's message of the turn it replaces. Letta keeps every
message either way (out of context); ours keeps every turn for the chat."""

from __future__ import annotations

from typing import Any

import letta_client
from letta_client import AsyncLetta

# Letta messages looked through, newest first, to find the person's message of a turn.
HISTORY_PAGE = 100
HISTORY_PAGES = 3


async def clear(letta: AsyncLetta, agent_id: str) -> None:
    await letta.agents.messages.reset(agent_id, add_default_initial_messages=False)


async def rewind(letta: AsyncLetta, agent_id: str, otid: str) -> bool:
    """Drop from the context the person's message with `otid` and all after it; False when
    it is no longer in the context (Letta summarised it away), which is then left as it is."""
    mine = await user_message(letta, agent_id, otid)
    agent = await letta.agents.retrieve(agent_id)
    in_context = list(agent.message_ids or [])
    if mine is None or mine.id not in in_context:
        return False
    await letta.agents.update(agent_id, message_ids=in_context[: in_context.index(mine.id)])
    return True


async def user_message(letta: AsyncLetta, agent_id: str, otid: str) -> Any | None:
    """The person's message with `otid` on Letta, found among the newest messages."""
    older_than: str | None = None
    for _ in range(HISTORY_PAGES):
        # Newest first; Letta 0.16.8 returns each page itself oldest first, so the cursor to
        # older messages is the page's oldest.
        page = await letta.agents.messages.list(
            agent_id=agent_id,
            limit=HISTORY_PAGE,
            order="desc",
            after=older_than or letta_client.omit,
        )
        for message in page.items:
            if (
                getattr(message, "message_type", None) == "user_message"
                and getattr(message, "otid", None) == otid
            ):
                return message
        if len(page.items) < HISTORY_PAGE:
            return None
        older_than = min(page.items, key=lambda message: message.date).id
    return None
