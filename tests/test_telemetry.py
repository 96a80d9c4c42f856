"""Agent turns and tool calls are traced and exported over OTLP when an endpoint is set, with
the SQL, S3, Redis and outgoing HTTP calls they make beneath them; a turn's log lines carry its
trace id."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from opentelemetry.sdk.trace import TracerProvider

from dsf_app import logs, telemetry
from dsf_app.agents import (
    follow_lock,
    tools,  # noqa: F401  (registers the tools)
)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.events import TurnEvent
from dsf_app.db import session_scope
from dsf_app.devstack import processes, stack
from dsf_app.models import AgentKind
from dsf_app.services import worlds
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage
from tests.fakes.image_servers import FakeGoogleImages
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.fakes.otlp_collector import FakeOTLPCollector
from tests.harness.stack import make_home, remove_home, running, settings_for


@pytest.fixture(scope="module")
def collector() -> Iterator[FakeOTLPCollector]:
    with FakeOTLPCollector() as server:
        yield server


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """Where a test has `logs.configure` send every log line; the root logger is put back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield io.StringIO()
    root.handlers[:] = handlers
    root.setLevel(level)


async def ignore(event: TurnEvent) -> None:
    return None


def traced(settings: Settings, collector: FakeOTLPCollector) -> TracerProvider:
    provider = telemetry.configure(
        settings.model_copy(update={"otel_exporter_otlp_endpoint": collector.url})
    )
    assert provider is not None
    return provider


def in_trace(collector: FakeOTLPCollector, turn: Span) -> list[Span]:
    return [span for span in collector.spans if span.trace_id == turn.trace_id]


def under(span: Span, ancestor: Span, spans: list[Span]) -> bool:
    """Whether `ancestor` is `span`'s parent, or its parent's, and so on."""
    by_id = {each.span_id: each for each in spans}
    parent = by_id.get(span.parent_span_id)
    while parent is not None and parent.span_id != ancestor.span_id:
        parent = by_id.get(parent.parent_span_id)
    return parent is not None


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
    provider = traced(dsf_in_process, collector)
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


def test_text_lines_name_the_span_they_were_written_in(written: io.StringIO) -> None:
    logs.configure(
        Settings().model_copy(update={"log_format": "text", "log_level": "INFO"}), written
    )
    log = logging.getLogger("dsf_app.anywhere")
    log.debug("below the level")
    with TracerProvider().get_tracer("test").start_as_current_span("work") as span:
        log.info("inside")
    log.warning("outside")

    ids = span.get_span_context()
    inside, outside = written.getvalue().splitlines()
    assert inside.endswith(
        f" INFO dsf_app.anywhere: inside trace_id={ids.trace_id:032x} span_id={ids.span_id:016x}"
    )
    assert outside.endswith(" WARNING dsf_app.anywhere: outside")


async def test_a_turns_json_log_lines_carry_its_trace_id(
    orchestrator: Orchestrator,
    dsf_in_process: Settings,
    llm: ScriptedLLM,
    collector: FakeOTLPCollector,
    person: Actor,
    written: io.StringIO,
) -> None:
    logs.configure(dsf_in_process.model_copy(update={"log_format": "json"}), written)
    provider = traced(dsf_in_process, collector)
    tag = uuid.uuid4().hex[:8]
    llm.on_user(tag, then=[ToolCall("list_worlds", {}), Reply("None yet.")])
    seen = len(collector.spans)

    await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"list {tag}"), ignore
    )
    assert provider.force_flush()

    (turn,) = (s for s in collector.spans[seen:] if s.name == "agent.turn")
    spans_of_turn = {span.span_id.hex() for span in in_trace(collector, turn)}
    lines: list[dict[str, Any]] = [json.loads(line) for line in written.getvalue().splitlines()]
    during_turn = [line for line in lines if "trace_id" in line]
    # The turn's requests to Letta are logged (httpx, INFO) while the turn's span is current.
    assert any("HTTP Request: POST" in line["message"] for line in during_turn), lines
    assert {line["trace_id"] for line in during_turn} == {turn.trace_id.hex()}
    assert {line["span_id"] for line in during_turn} <= spans_of_turn
    assert {line["level"] for line in lines} <= {"INFO", "WARNING", "ERROR", "CRITICAL"}


async def test_a_turns_trace_shows_its_sql_s3_and_http_calls(
    orchestrator: Orchestrator,
    dsf_in_process: Settings,
    llm: ScriptedLLM,
    collector: FakeOTLPCollector,
    person: Actor,
    google_images: FakeGoogleImages,
    storage: AssetStorage,
) -> None:
    provider = traced(dsf_in_process, collector)
    with session_scope() as session:
        world_id = worlds.create_world(session, person, "Tidewright", "Kelp and tides.").id
    tag = uuid.uuid4().hex[:8]
    painting = {"prompt": f"The harbour at low tide {tag}", "provider": "google"}
    llm.on_user(f"paint {tag}", then=[ToolCall("image_generator", painting), Reply("The harbour.")])
    seen = len(collector.spans)

    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, f"paint {tag}"), ignore
    )
    assert provider.force_flush()

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    (turn,) = (s for s in collector.spans[seen:] if s.name == "agent.turn")
    spans = in_trace(collector, turn)
    (tool,) = (s for s in spans if s.name == "agent.tool")
    facts = [(span, collector.attributes(span)) for span in spans]
    shown = [(span.name, attributes) for span, attributes in facts]
    stored = [
        s for s, a in facts if (a.get("rpc.service"), a.get("rpc.method")) == ("S3", "PutObject")
    ]
    written = [
        s for s, a in facts if str(a.get("db.statement", "")).startswith("INSERT INTO asset")
    ]
    to_letta = [
        s
        for s, a in facts
        if str(a.get("url.full", a.get("http.url", ""))).startswith(dsf_in_process.letta_base_url)
    ]
    assert stored and all(under(span, tool, spans) for span in stored), shown
    assert written and all(under(span, tool, spans) for span in written), shown
    assert to_letta and all(under(span, turn, spans) for span in to_letta), shown


@pytest.mark.starts_services
async def test_the_agent_lock_a_turn_takes_in_redis_is_traced(
    collector: FakeOTLPCollector,
) -> None:
    home = make_home()
    settings = settings_for(home, DSF_WORKERS=2, DSF_REDIS_PORT=processes.free_port())
    provider = traced(settings, collector)
    try:
        with (
            running(settings, stack.start_redis),
            telemetry.tracer.start_as_current_span("agent.turn") as turn,
        ):
            async with follow_lock.following(f"agent-{uuid.uuid4().hex}", settings):
                pass
    finally:
        remove_home(home)
    assert provider.force_flush()

    ids = turn.get_span_context()
    commands = [
        span
        for span in collector.spans
        if span.trace_id.hex() == f"{ids.trace_id:032x}"
        and collector.attributes(span).get("db.system") == "redis"
    ]
    # Taking the lock (SET NX) and releasing it (a Lua script) are Redis commands of the turn.
    assert len(commands) >= 2
    assert {span.parent_span_id.hex() for span in commands} == {f"{ids.span_id:016x}"}
