"""Agent turns and tool calls are traced and exported over OTLP when an endpoint is set."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from dsf_app import telemetry
from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.events import TurnEvent
from dsf_app.db import session_scope
from dsf_app.models import AgentKind
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.fakes.otlp_collector import FakeOTLPCollector


@pytest.fixture(scope="module")
def collector() -> Iterator[FakeOTLPCollector]:
    with FakeOTLPCollector() as server:
        yield server


async def ignore(event: TurnEvent) -> None:
    return None


def test_tracing_is_off_without_an_endpoint(dsf_in_process: Settings) -> None:
    assert (
        telemetry.configure(dsf_in_process.model_copy(update={"otel_exporter_otlp_endpoint": ""}))
        is None
    )


async def test_a_turn_and_its_tool_calls_are_exported(
    orchestrator: Orchestrator,
    dsf_in_process: Settings,
    llm: ScriptedLLM,
    collector: FakeOTLPCollector,
) -> None:
    provider = telemetry.configure(
        dsf_in_process.model_copy(update={"otel_exporter_otlp_endpoint": collector.url})
    )
    assert provider is not None
    with session_scope() as session:
        person = Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Tracy").id)
    tag = uuid.uuid4().hex[:8]
    llm.on_user(tag, then=[ToolCall("list_worlds", {}), Reply("None yet.")])

    await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"list {tag}"), ignore
    )
    assert provider.force_flush()

    turn = next(s for s in collector.spans if s.name == "agent.turn")
    tool = next(s for s in collector.spans if s.name == "agent.tool")
    assert collector.attributes(turn)["dsf.agent_kind"] == "user"
    assert collector.attributes(turn)["dsf.stop_reason"] == "end_turn"
    assert collector.attributes(tool) == {"dsf.tool": "list_worlds", "dsf.tool_status": "success"}
    assert tool.trace_id == turn.trace_id
    assert tool.parent_span_id == turn.span_id
