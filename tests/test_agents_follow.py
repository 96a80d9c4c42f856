"""Agents follow the code and the data, read back from the real Letta server: an agent made by
older code gains a new tool, prompt and block list on its next turn; its memory follows the
person's preferences and every new version of its world, before the model is asked; and a
world change made from a stale version is refused, then redone on the fresh one."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from sqlmodel import select

from dsf_app.agents import prompts, registry
from dsf_app.agents import tools as _tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import ToolCallFinished
from dsf_app.agents.provisioning import AgentDirectory
from dsf_app.db import session_scope
from dsf_app.letta.connection import connect
from dsf_app.models import AgentKind, AgentRecord
from dsf_app.services import foundation_edits, users, worlds
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall, message_text
from tests.turn_events import Recorder

FOUNDATION = {
    "core_premise": "The tides stopped in 2040.",
    "rules": [{"id": "r-kelp", "statement": "Kelp farms feed the grid."}],
}


def _requests_for(llm: ScriptedLLM, phrase: str) -> list[dict[str, Any]]:
    """The model requests of the turn whose user message holds `phrase`."""
    found = []
    for request in llm.requests:
        users_said = [m for m in request.get("messages", []) if m.get("role") == "user"]
        if users_said and phrase in message_text(users_said[-1]):
            found.append(request)
    return found


def _system(request: dict[str, Any]) -> str:
    return message_text(request["messages"][0])


class CompassArgs(BaseModel):
    heading: str


async def _compass(ctx: ToolContext, args: CompassArgs) -> dict[str, str]:
    return {"bearing": f"north by {args.heading}"}


@pytest.fixture
def new_release(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """What a later release adds for User Agents: a tool and a line in the system prompt."""
    marker = f"Always name the compass bearing {uuid.uuid4().hex[:6]}."
    monkeypatch.setitem(
        prompts.SYSTEM_PROMPTS,
        AgentKind.USER,
        prompts.SYSTEM_PROMPTS[AgentKind.USER] + "\n" + marker,
    )
    registry.register(
        registry.Tool(
            name="probe_compass",
            description="Give the compass bearing for a heading.",
            args=CompassArgs,
            run=_compass,
            kinds=frozenset({AgentKind.USER}),
        )
    )
    yield marker
    registry.TOOLS.pop("probe_compass")


async def test_an_agent_made_by_older_code_gains_the_new_tool_and_prompt(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM, request: pytest.FixtureRequest
) -> None:
    agent_id = await orchestrator.directory.agent_id(person, AgentKind.USER)
    before = await orchestrator.letta.agents.retrieve(agent_id, include=["agent.tools"])
    assert "probe_compass" not in {tool.name for tool in before.tools}

    marker = request.getfixturevalue("new_release")
    phrase = f"which way is the sea {uuid.uuid4().hex[:6]}"
    llm.on_user(
        phrase,
        then=[ToolCall("probe_compass", {"heading": "the sea"}), Reply("North by the sea.")],
    )
    events = Recorder()
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, phrase), events
    )

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    (result,) = events.of(ToolCallFinished)
    assert result.status == "success" and "north by the sea" in result.result
    first = _requests_for(llm, phrase)[0]
    assert "probe_compass" in {tool["function"]["name"] for tool in first["tools"]}
    assert marker in _system(first)
    after = await orchestrator.letta.agents.retrieve(agent_id, include=["agent.tools"])
    assert "probe_compass" in {tool.name for tool in after.tools}
    assert after.system.endswith(marker)
    assert any(rule.tool_name == "probe_compass" for rule in after.tool_rules or [])


async def test_an_agent_that_follows_the_code_costs_no_call_to_letta(
    dsf_in_process: Settings, letta_url: str, person: Actor
) -> None:
    calls: list[str] = []

    async def count(request: httpx.Request) -> None:
        calls.append(f"{request.method} {request.url.path}")

    async with connect(dsf_in_process) as letta:
        directory = AgentDirectory(letta)
        agent_id = await directory.agent_id(person, AgentKind.USER)
        letta._client.event_hooks["request"].append(count)
        assert await directory.agent_id(person, AgentKind.USER) == agent_id
    assert calls == []


async def test_old_blocks_are_dropped_and_new_ones_filled(
    dsf_in_process: Settings, letta_url: str, person: Actor
) -> None:
    """An Experience Agent made when it had three empty blocks (context, visual_style,
    asset_library): the next lookup drops the one DSF cannot fill and fills the others."""
    with session_scope() as session:
        world = worlds.create_world(session, person, "Tidewright", foundation=FOUNDATION)
    async with connect(dsf_in_process) as letta:
        directory = AgentDirectory(letta)
        model = await directory.models()
        old = await letta.agents.create(
            name=f"dsf-experience-old-{uuid.uuid4().hex[:6]}",
            model=model.handle,
            system="You are the Experience Agent of Deep Sci-Fi (an older prompt).",
            memory_blocks=[
                {"label": label, "value": "", "limit": 20_000}
                for label in ("persona", "human", "context", "visual_style", "asset_library")
            ],
        )
        with session_scope() as session:
            session.add(
                AgentRecord(
                    kind=AgentKind.EXPERIENCE, letta_agent_id=old.id, user_id=person.user_id
                )
            )

        assert await directory.agent_id(person, AgentKind.EXPERIENCE, world.id) == old.id

        blocks = {b.label: b.value for b in (await letta.agents.blocks.list(old.id)).items}
    assert set(blocks) == {"persona", "human", "context", "asset_library"}
    assert json.loads(blocks["context"])["core_premise"] == "The tides stopped in 2040."
    assert blocks["asset_library"] == "No assets in “Tidewright” yet."
    assert blocks["human"].startswith("Name: Ada")


async def test_the_human_block_follows_preferences_changed_anywhere(
    orchestrator: Orchestrator, person: Actor
) -> None:
    agent_id = await orchestrator.directory.agent_id(person, AgentKind.USER)
    with session_scope() as session:
        users.update_preferences(session, person, {"tone": "wry", "genres": ["solarpunk"]})
    await orchestrator.directory.agent_id(person, AgentKind.USER)
    human = await orchestrator.letta.agents.blocks.retrieve("human", agent_id=agent_id)
    assert '"tone": "wry"' in human.value and "solarpunk" in human.value


async def test_a_hand_edit_reaches_the_world_agent_before_its_next_turn(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    with session_scope() as session:
        world = worlds.create_world(session, person, "Tidewright", foundation=FOUNDATION)
    hello = f"hello world agent {uuid.uuid4().hex[:6]}"
    llm.on_user(hello, then=[Reply("Hello.")])
    await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world.id, None, hello), Recorder()
    )
    premise = f"The tides stopped when the moon was mined ({uuid.uuid4().hex[:6]})."
    with session_scope() as session:
        foundation_edits.save_text(
            session,
            person,
            world.id,
            "core_premise",
            premise,
            reason="A sharper cause",
            expected_version=1,
        )

    ask = f"what stopped the tides {uuid.uuid4().hex[:6]}"
    llm.on_user(ask, then=[Reply("The mining of the moon.")])
    await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world.id, None, ask), Recorder()
    )

    assert premise in _system(_requests_for(llm, ask)[0])
    assert premise not in _system(_requests_for(llm, hello)[0])
    agent_id = await orchestrator.directory.agent_id(person, AgentKind.WORLD, world.id)
    project = await orchestrator.letta.agents.blocks.retrieve("project", agent_id=agent_id)
    assert json.loads(project.value)["version"] == 2
    assert json.loads(project.value)["foundation"]["core_premise"] == premise


async def test_a_stale_agent_update_is_refused_and_redone_on_the_fresh_version(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    with session_scope() as session:
        world = worlds.create_world(session, person, "Tidewright", foundation=FOUNDATION)
        foundation_edits.save_item(
            session,
            person,
            world.id,
            "rules",
            None,
            {"statement": "Storms are scheduled."},
            reason="A collaborator's rule",
            expected_version=1,
        )

    def update(version: int) -> ToolCall:
        return ToolCall(
            "world_manager",
            {
                "operation": "update",
                "version": version,
                "updates": [
                    {
                        "path": "rules.r-kelp.statement",
                        "operation": "update",
                        "value": "Kelp farms feed half the grid.",
                        "reason": "Solar returned.",
                    }
                ],
            },
        )

    phrase = f"solar is back {uuid.uuid4().hex[:6]}"
    llm.on_user(
        phrase,
        then=[
            update(1),
            ToolCall("world_manager", {"operation": "load"}),
            update(2),
            Reply("Done."),
        ],
    )
    events = Recorder()
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world.id, None, phrase), events
    )

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    refused, loaded, redone = events.of(ToolCallFinished)
    assert refused.status == "error"
    assert "version 2 now, not version 1 that you read" in refused.result
    assert "load the world again" in refused.result
    assert loaded.status == "success" and json.loads(loaded.result)["version"] == 2
    assert redone.status == "success"
    with session_scope() as session:
        now = worlds.get_world(session, person, world.id)
        record = session.exec(
            select(AgentRecord).where(AgentRecord.user_id == person.user_id)
        ).one()
    assert now.version == 3
    assert [rule["statement"] for rule in now.foundation["rules"]] == [
        "Kelp farms feed half the grid.",
        "Storms are scheduled.",
    ]
    project = await orchestrator.letta.agents.blocks.retrieve(
        "project", agent_id=record.letta_agent_id
    )
    assert json.loads(project.value)["version"] == 3
