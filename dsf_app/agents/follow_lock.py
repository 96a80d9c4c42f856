"""One agent brought to a new definition at a time, in every worker.

Two turns bringing the same agent to a new definition at once would both create a missing
memory block, and Letta refuses the second. In one process an asyncio lock orders them; when
several workers run (page state in Redis), the lock is a Redis lock, so it holds across
processes and expires by itself if the worker holding it dies. It is taken rarely (once per
agent per release), so each use opens its own Redis connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio
from redis.exceptions import LockError

from dsf_app.errors import ServiceUnavailable
from dsf_app.settings import Settings

# Longer than following ever takes (a handful of Letta calls), so a live holder keeps it.
HOLD_SECONDS = 120
# Only for one process: which process holds a Redis lock does not matter.
_in_process = asyncio.Lock()


@asynccontextmanager
async def following(agent_id: str, settings: Settings) -> AsyncIterator[None]:
    if not settings.uses_redis:
        async with _in_process:
            yield
        return
    async with redis.asyncio.Redis.from_url(settings.redis_url) as client:
        lock = client.lock(
            f"dsf:follow-code:{agent_id}", timeout=HOLD_SECONDS, blocking_timeout=HOLD_SECONDS
        )
        if not await lock.acquire():
            raise ServiceUnavailable(
                "This agent is still being updated by another turn; send your message again "
                "in a minute."
            )
        try:
            yield
        finally:
            # A lock that expired while held has nothing left to release.
            with contextlib.suppress(LockError):
                await lock.release()
