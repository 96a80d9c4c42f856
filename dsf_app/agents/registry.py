"""Every DSF tool in one registry: its argument model (the one source of its JSON schema), its
handler, and which agent kinds get it. Tools run in our server through Letta's approval flow."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from dsf_app.agents import tool_scope
from dsf_app.agents.context import ToolContext, as_text
from dsf_app.agents.failures import ToolCallBusy, TurnInterrupted
from dsf_app.agents.tool_args import Wording, describe_error, parse_tool_args
from dsf_app.agents.turn import TurnStopped
from dsf_app.errors import DSFError, Invalid
from dsf_app.models import AgentKind
from dsf_app.services import tool_calls
from dsf_app.storage import StorageUnavailable
from dsf_app.telemetry import tracer

log = logging.getLogger(__name__)

Args = TypeVar("Args", bound=BaseModel)
Handler = Callable[[ToolContext, Args], Awaitable[Any]]
# What a call would do that cannot be undone, in words for the person; None when it can run
# unasked (see agents/confirmations.py).
Confirm = Callable[[ToolContext, Args], Awaitable[str | None]]
# Our own services failing is not the agent's business: the turn stops with the failure named,
# and the call runs again when the person retries.
INFRASTRUCTURE_FAILURES = (DBAPIError, StorageUnavailable, TurnInterrupted)


@dataclass(frozen=True)
class Tool(Generic[Args]):
    name: str
    description: str
    args: type[Args]
    run: Handler[Args]
    kinds: frozenset[AgentKind]
    # How argument errors are worded for the agent (the canvas tools name component types).
    wording: Wording = field(default=describe_error)
    # Set by a tool some of whose calls cannot be undone: the person confirms those first.
    confirm: Confirm[Args] | None = None

    def json_schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": self.args.model_json_schema(),
        }

    def source_code(self) -> str:
        """Letta insists on source code; ours says why it never runs on the Letta server."""
        return (
            f"def {self.name}(**kwargs):\n"
            f"    {json.dumps(self.description)}\n"
            "    raise RuntimeError('Runs in the Deep Sci-Fi server via the approval flow.')\n"
        )


@dataclass(frozen=True)
class ToolOutcome:
    status: str  # "success" | "error"
    result: str
    duration_ms: int = 0


TOOLS: dict[str, Tool[Any]] = {}


def register(tool: Tool[Args]) -> Tool[Args]:
    TOOLS[tool.name] = tool
    return tool


def tools_for(kind: AgentKind) -> list[Tool[Any]]:
    return [tool for tool in TOOLS.values() if kind in tool.kinds]


async def confirmation(ctx: ToolContext, name: str, raw_args: str) -> str | None:
    """What the call would do that cannot be undone, for the person to confirm; None when it
    runs unasked: undoable, or refused anyway (bad arguments, an id outside the agent's reach
    or the person's), which `execute` then tells the agent."""
    tool = TOOLS.get(name)
    if tool is None or tool.confirm is None:
        return None
    try:
        args = parse_tool_args(tool.args, raw_args or "{}", tool.wording)
        await tool_scope.confine(ctx, args)
        return await tool.confirm(ctx, args)
    except DSFError:
        return None


async def execute(ctx: ToolContext, name: str, raw_args: str | Mapping[str, Any]) -> ToolOutcome:
    """Run one tool call as the acting person; the agent gets every error as a result.

    The call is claimed before it runs; a call that already ran (Letta retried a request, or a
    turn continues after a crash) returns its stored outcome instead of running again, so a
    retry never creates a second world or segment. A failure of our own services (PostgreSQL,
    S3) raises instead, ending the turn; the call then runs again when the turn continues.
    """
    started = time.monotonic()
    ctx.tool_name = name[:100]
    claim = await asyncio.to_thread(
        tool_calls.claim_tool_call, ctx.actor, ctx.run_id, ctx.tool_call_id, ctx.tool_name
    )
    if claim.busy:
        raise ToolCallBusy(name)
    if claim.outcome is not None:
        return ToolOutcome(*claim.outcome)
    with tracer.start_as_current_span("agent.tool", attributes={"dsf.tool": ctx.tool_name}) as span:
        outcome = await _run(ctx, name, raw_args)
        span.set_attribute("dsf.tool_status", outcome.status)
    if ctx.written is None:
        await asyncio.to_thread(
            tool_calls.record_tool_outcome,
            ctx.actor,
            ctx.tool_call_id,
            ctx.tool_name,
            outcome.status,
            outcome.result,
        )
    return ToolOutcome(outcome.status, outcome.result, int((time.monotonic() - started) * 1000))


async def _run(ctx: ToolContext, name: str, raw_args: str | Mapping[str, Any]) -> ToolOutcome:
    tool = TOOLS.get(name)
    if tool is None:
        return ToolOutcome("error", f"There is no tool named '{name}'. Use one of your tools.")
    try:
        args = parse_tool_args(tool.args, raw_args if raw_args else "{}", tool.wording)
    except Invalid as exc:
        return ToolOutcome(
            "error", f"Invalid arguments for {name}: {exc}. Fix them and call again."
        )
    try:
        await tool_scope.confine(ctx, args)
        result = await tool.run(ctx, args)
    except TurnStopped:  # a nested turn parked for the person's answer: so does this one
        raise
    except INFRASTRUCTURE_FAILURES:
        if ctx.written is not None:  # the change is committed; what failed came after it
            return ToolOutcome("success", ctx.written)
        raise
    except DSFError as exc:
        return _failed(ctx, ToolOutcome("error", f"{name} failed: {exc}"))
    except Exception as exc:
        log.exception("tool %s crashed", name)
        return _failed(
            ctx,
            ToolOutcome(
                "error", f"{name} failed unexpectedly ({type(exc).__name__}); nothing was changed."
            ),
        )
    return ToolOutcome("success", ctx.written if ctx.written is not None else as_text(result))


def _failed(ctx: ToolContext, outcome: ToolOutcome) -> ToolOutcome:
    """A tool that failed after its change was committed reports the change it made."""
    return ToolOutcome("success", ctx.written) if ctx.written is not None else outcome
