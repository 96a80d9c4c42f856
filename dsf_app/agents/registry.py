"""Every DSF tool in one registry: its argument model (the one source of its JSON schema), its
handler, and which agent kinds get it. Tools run in our server through Letta's approval flow."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlmodel import Session

from dsf_app.agents.context import ToolContext
from dsf_app.canvas.validate import parse_tool_args
from dsf_app.db import session_scope
from dsf_app.errors import DSFError, Invalid
from dsf_app.models import AgentKind, ToolExecution
from dsf_app.telemetry import tracer

log = logging.getLogger(__name__)

Args = TypeVar("Args", bound=BaseModel)
Handler = Callable[[ToolContext, Session, Args], Awaitable[Any]]


@dataclass(frozen=True)
class Tool(Generic[Args]):
    name: str
    description: str
    args: type[Args]
    run: Handler[Args]
    kinds: frozenset[AgentKind]

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


def _as_text(result: Any) -> str:
    return result if isinstance(result, str) else json.dumps(result, default=str)


async def execute(ctx: ToolContext, name: str, raw_args: str | Mapping[str, Any]) -> ToolOutcome:
    """Run one tool call as the acting person. Never raises: errors go back to the agent.

    A call whose id already ran (Letta retries a request after a timeout) returns the stored
    outcome instead of running again, so a retry never creates a second world or segment.
    """
    started = time.monotonic()
    with session_scope() as session:
        done = session.get(ToolExecution, ctx.tool_call_id)
        if done is not None and done.user_id == ctx.actor.user_id:
            return ToolOutcome(done.status, done.result)
        with tracer.start_as_current_span(
            "agent.tool", attributes={"dsf.tool": name[:100]}
        ) as span:
            outcome = await _run(ctx, session, name, raw_args)
            span.set_attribute("dsf.tool_status", outcome.status)
        session.add(
            ToolExecution(
                tool_call_id=ctx.tool_call_id,
                user_id=ctx.actor.user_id,
                tool_name=name[:100],
                status=outcome.status,
                result=outcome.result,
            )
        )
    return ToolOutcome(outcome.status, outcome.result, int((time.monotonic() - started) * 1000))


async def _run(
    ctx: ToolContext, session: Session, name: str, raw_args: str | Mapping[str, Any]
) -> ToolOutcome:
    tool = TOOLS.get(name)
    if tool is None:
        return ToolOutcome("error", f"There is no tool named '{name}'. Use one of your tools.")
    try:
        args = parse_tool_args(tool.args, raw_args if raw_args else "{}")
    except Invalid as exc:
        return ToolOutcome(
            "error", f"Invalid arguments for {name}: {exc}. Fix them and call again."
        )
    savepoint = session.begin_nested()
    try:
        result = await tool.run(ctx, session, args)
    except DSFError as exc:
        savepoint.rollback()
        return ToolOutcome("error", f"{name} failed: {exc}")
    except Exception as exc:
        savepoint.rollback()
        log.exception("tool %s crashed", name)
        return ToolOutcome(
            "error", f"{name} failed unexpectedly ({type(exc).__name__}); nothing was changed."
        )
    savepoint.commit()
    return ToolOutcome("success", _as_text(result))
