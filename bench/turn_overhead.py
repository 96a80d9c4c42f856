"""What DSF's orchestrator adds to an agent turn.

The same scripted turn (three tool calls, then a reply) is driven (a) straight through
letta-client, answering each approval with a trivial result, and (b) through DSF's
Orchestrator with the real tools, database and chat/run records. Both run against the same
local Letta server and zero-latency scripted model, started here on free ports.

    .venv/bin/python -m bench.turn_overhead [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from typing import Any

from dsf_app import db
from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.streaming import tool_call_pieces
from dsf_app.devstack import stack
from dsf_app.letta.connection import connect
from dsf_app.models import AgentKind
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import get_settings
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.harness.stack import make_home, remove_home, running, settings_for


def script(llm: ScriptedLLM, tag: str) -> str:
    llm.on_user(
        tag,
        then=[
            ToolCall("world_manager", {"operation": "create", "name": f"Bench {tag}"}),
            ToolCall("list_worlds", {"search": "Bench"}),
            ToolCall("user_preferences", {"operation": "get"}),
            Reply("Done."),
        ],
    )
    return f"benchmark turn {tag}"


async def raw_turn(letta: Any, agent_id: str, text: str) -> None:
    """Baseline: letta-client alone, every approval answered with a constant."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": text}]
    while True:
        stream = await letta.agents.messages.create(
            agent_id=agent_id, messages=messages, streaming=True, stream_tokens=True
        )
        calls: dict[str, bool] = {}
        stop = ""
        async for chunk in stream:
            kind = getattr(chunk, "message_type", None)
            if kind == "approval_request_message":
                calls |= {piece.tool_call_id: True for piece in tool_call_pieces(chunk)}
            elif kind == "stop_reason":
                stop = chunk.stop_reason
        if stop != "requires_approval":
            return
        approvals = [
            {
                "type": "tool",
                "tool_call_id": call,
                "tool_return": '{"ok": true}',
                "status": "success",
            }
            for call in calls
        ]
        messages = [{"type": "approval", "approvals": approvals}]


async def ignore(event: TurnEvent) -> None:
    return None


async def measure(llm: ScriptedLLM, runs: int) -> tuple[list[float], list[float]]:
    with db.session_scope() as session:
        raw_person = Actor(create_user(session, f"raw-{uuid.uuid4().hex}@bench.test", "Raw").id)
        dsf_person = Actor(create_user(session, f"dsf-{uuid.uuid4().hex}@bench.test", "DSF").id)
    async with connect() as letta:
        orchestrator = Orchestrator(letta)
        raw_agent = await orchestrator.directory.agent_id(raw_person, AgentKind.USER)
        await orchestrator.directory.agent_id(dsf_person, AgentKind.USER)
        raw_times, dsf_times = [], []
        for _ in range(runs):
            text = script(llm, uuid.uuid4().hex[:10])
            started = time.perf_counter()
            await raw_turn(letta, raw_agent, text)
            raw_times.append(time.perf_counter() - started)

            text = script(llm, uuid.uuid4().hex[:10])
            started = time.perf_counter()
            finished = await orchestrator.run_turn(
                TurnRequest(dsf_person, AgentKind.USER, None, None, text), ignore
            )
            dsf_times.append(time.perf_counter() - started)
            assert finished.error is None, finished.error
    return raw_times, dsf_times


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    home = make_home()
    try:
        with ScriptedLLM() as llm:
            settings = settings_for(home, OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="bench")
            with running(settings, stack.start_postgres), running(settings, stack.start_letta):
                os.environ.update(settings.as_env())
                get_settings.cache_clear()
                db.get_engine.cache_clear()
                db.migrate()
                raw, dsf = asyncio.run(measure(llm, runs))
    finally:
        remove_home(home)
    raw_median, dsf_median = statistics.median(raw), statistics.median(dsf)
    print(f"turn with 3 tool calls, median of {runs}:")
    print(f"  letta-client + trivial tools : {raw_median * 1000:8.1f} ms")
    print(f"  DSF orchestrator + real tools: {dsf_median * 1000:8.1f} ms")
    print(
        f"  DSF added: {(dsf_median - raw_median) * 1000:.1f} ms ({dsf_median / raw_median:.2f}x)"
    )


if __name__ == "__main__":
    main()
