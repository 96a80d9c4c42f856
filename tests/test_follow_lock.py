"""Bringing an agent to a new definition is serialised across workers: with page state in
Redis, two turns (on any workers) take the agent's lock in Redis one after the other."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from dsf_app.agents import follow_lock
from dsf_app.devstack import processes, stack
from dsf_app.settings import Settings
from tests.harness.stack import make_home, remove_home, running, settings_for

pytestmark = pytest.mark.starts_services


@pytest.fixture(scope="module")
def redis_settings() -> Iterator[Settings]:
    home = make_home()
    settings = settings_for(home, DSF_WORKERS=2, DSF_REDIS_PORT=processes.free_port())
    try:
        with running(settings, stack.start_redis):
            yield settings
    finally:
        remove_home(home)


async def _follow(settings: Settings, agent_id: str, name: str, log: list[str]) -> None:
    async with follow_lock.following(agent_id, settings):
        log.append(f"{name} in")
        await asyncio.sleep(0.2)  # room for the other turn to cut in, were it not held off
        log.append(f"{name} out")


async def test_two_turns_follow_one_agent_one_after_the_other(redis_settings: Settings) -> None:
    log: list[str] = []
    await asyncio.gather(
        _follow(redis_settings, "agent-1", "first", log),
        _follow(redis_settings, "agent-1", "second", log),
    )
    assert log in (
        ["first in", "first out", "second in", "second out"],
        ["second in", "second out", "first in", "first out"],
    )


async def test_different_agents_follow_at_the_same_time(redis_settings: Settings) -> None:
    log: list[str] = []
    await asyncio.gather(
        _follow(redis_settings, "agent-2", "first", log),
        _follow(redis_settings, "agent-3", "second", log),
    )
    assert sorted(log[:2]) == ["first in", "second in"]  # both in before either is out
