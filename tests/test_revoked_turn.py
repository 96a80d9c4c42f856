"""A turn runs under the sign-in session that started it: once that session is revoked ("Sign
out everywhere" from another device, while the model is mid-step), the turn stops before its
next tool call, with a sentence, and nothing more runs in the person's name."""

from __future__ import annotations

import asyncio
import uuid

from sqlmodel import col, select

from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.events import ToolCallStarted
from dsf_app.agents.tool_round import SESSION_ENDED
from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.models import AgentKind, AgentRun, ChatMessage, RunStep, StepKind, ToolExecution
from dsf_app.services import users, worlds
from dsf_app.services.actor import Actor
from tests.fakes.gate import Gate
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall, ToolCalls
from tests.turn_events import Recorder


def _create(name: str) -> ToolCall:
    return ToolCall(
        "world_manager",
        {"operation": "create", "name": name, "description": f"{name}, drafted by the agent."},
    )


def _signed_in(person: Actor) -> str:
    """A sign-in session of `person`, as the sign-in form makes it; its token."""
    with session_scope() as db:
        return sessions.create_session(db, users.get_user(db, person.user_id))


async def test_signing_out_everywhere_stops_the_turn_before_its_next_tool(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    tag, gate = uuid.uuid4().hex[:6], Gate()
    llm.on_user(
        f"two worlds {tag}",
        then=[
            _create(f"First {tag}"),
            ToolCalls([_create(f"Second {tag}")], text="Now the second world.", hold=gate),
            Reply("Both are drafted."),
        ],
    )
    token = _signed_in(person)
    record = await orchestrator.start(
        TurnRequest(person, AgentKind.USER, None, None, f"make two worlds {tag}")
    )
    events = Recorder()
    turn = asyncio.create_task(
        orchestrator.run(person, record, events, session=sessions.token_hash(token))
    )
    try:
        # The first world is made; the model is mid-way through the step that asks for the second.
        await asyncio.to_thread(gate.wait_reached)
        with session_scope() as db:
            sessions.revoke_all(db, person.user_id)
    finally:
        gate.open()
    finished = await turn

    assert (finished.stop_reason, finished.error) == ("signed_out", SESSION_ENDED)
    assert not finished.retryable
    with session_scope() as db:
        made = [listing.world.name for listing in worlds.list_worlds(db, person)]
        executions = db.exec(
            select(ToolExecution).where(ToolExecution.user_id == person.user_id)
        ).all()
        tool_steps = db.exec(
            select(RunStep).where(RunStep.run_id == record.run_id, RunStep.kind == StepKind.TOOL)
        ).all()
        run = db.get(AgentRun, record.run_id)
        chat = db.exec(
            select(ChatMessage)
            .where(ChatMessage.run_id == record.run_id)
            .order_by(col(ChatMessage.created_at))
        ).all()
    assert made == [f"First {tag}"]
    assert [e.name for e in events.of(ToolCallStarted)] == ["world_manager"]
    assert [(e.tool_name, e.status) for e in executions] == [("world_manager", "success")]
    assert len(tool_steps) == 1
    assert run is not None and run.stop_reason == "signed_out"
    assert [m.content for m in chat if m.message_type == "error"] == [SESSION_ENDED]


async def test_a_live_session_lets_every_tool_run(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    tag = uuid.uuid4().hex[:6]
    llm.on_user(
        f"two worlds {tag}",
        then=[_create(f"First {tag}"), _create(f"Second {tag}"), Reply("Both are drafted.")],
    )
    token = _signed_in(person)
    record = await orchestrator.start(
        TurnRequest(person, AgentKind.USER, None, None, f"make two worlds {tag}")
    )
    finished = await orchestrator.run(
        person, record, Recorder(), session=sessions.token_hash(token)
    )

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    with session_scope() as db:
        made = sorted(listing.world.name for listing in worlds.list_worlds(db, person))
    assert made == [f"First {tag}", f"Second {tag}"]
