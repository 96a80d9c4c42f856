"""One agent turn, DESIGN.md section 2: stream the reply, run the tools Letta asks approval
for as the acting person, send their results back, repeat until the turn ends.

The person's message is stored before anything is sent, every chunk is passed on as an event,
and every turn is recorded as an AgentRun — so a dead Letta server or a cancel loses nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import letta_client
from letta_client import AsyncLetta
from sqlmodel import col, select

from dsf_app.agents import registry
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import (
    Changed,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFinished,
)
from dsf_app.agents.provisioning import AgentDirectory
from dsf_app.agents.step_recorder import StepRecorder
from dsf_app.db import session_scope
from dsf_app.errors import DSFError, ServiceUnavailable
from dsf_app.models import AgentKind, AgentRun
from dsf_app.services import chat, runs
from dsf_app.services.actor import Actor
from dsf_app.telemetry import tracer

log = logging.getLogger(__name__)

Emit = Callable[[TurnEvent], Awaitable[None]]
MAX_ROUNDS = 25
CANCEL_POLL_SECONDS = 0.25
CANCELLED_RESULT = "The person cancelled this turn before the tool ran; nothing was done."


@dataclass(frozen=True)
class TurnRequest:
    actor: Actor
    kind: AgentKind
    world_id: uuid.UUID | None
    story_id: uuid.UUID | None
    text: str


@dataclass
class _Round:
    """What one streamed request produced."""

    texts: dict[str, list[Any]] = field(default_factory=dict)  # message id -> [kind, text]
    calls: dict[str, list[str]] = field(default_factory=dict)  # call id -> [name, args]
    stop_reason: str = ""
    error: str | None = None


@dataclass
class _Tally:
    """What the whole turn did, for its AgentRun."""

    steps: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    letta_run_ids: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    reply: list[str] = field(default_factory=list)  # the agent's messages, for the run's text
    trajectory: StepRecorder = field(default_factory=StepRecorder)


def _tool_call_pieces(chunk: Any) -> list[Any]:
    """With token streaming one delta per chunk; without, the whole list of calls."""
    calls = getattr(chunk, "tool_calls", None)
    if isinstance(calls, list) and calls:
        return calls
    single = getattr(chunk, "tool_call", None) or calls
    return [single] if single else []


def unreachable(exc: Exception, base_url: str) -> ServiceUnavailable:
    if isinstance(exc, letta_client.APIConnectionError):
        return ServiceUnavailable(
            f"The Letta server is not reachable at {base_url} — is ./start.sh running? "
            "Your message is saved; retry when it is back."
        )
    if isinstance(exc, letta_client.APIStatusError):
        return ServiceUnavailable(f"The Letta server refused the request: {_status_detail(exc)}")
    return ServiceUnavailable(f"The agent turn failed: {exc}")


def _status_detail(exc: letta_client.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    return str(body.get("detail") or body.get("message") or exc.message)[:500]


class Orchestrator:
    """Runs turns for any person against one Letta server."""

    def __init__(self, letta: AsyncLetta, directory: AgentDirectory | None = None) -> None:
        self.letta = letta
        self.directory = directory or AgentDirectory(letta)

    async def run_turn(
        self,
        request: TurnRequest,
        emit: Emit,
        should_stop: Callable[[], Awaitable[bool]] | None = None,
        *,
        parent_call_id: str | None = None,
    ) -> TurnFinished:
        """Store the message, run the turn to its end, and record it; never raises DSFError."""
        if parent_call_id is None:
            try:
                with session_scope() as session:
                    chat.append_message(
                        session,
                        request.actor,
                        request.world_id,
                        "user",
                        request.text,
                        "user",
                        story_id=request.story_id,
                    )
            except DSFError as exc:  # e.g. a world the person may not see: no turn at all
                refused = TurnFinished("error", str(exc))
                await emit(refused)
                return refused
        tally = _Tally(trajectory=StepRecorder(parent_call_id))
        attributes = {
            "dsf.agent_kind": request.kind.value,
            "dsf.world_id": str(request.world_id or ""),
            "dsf.nested": parent_call_id is not None,
        }
        with tracer.start_as_current_span("agent.turn", attributes=attributes) as span:
            finished, run_id = await self._attempt(
                request, emit, should_stop, parent_call_id, tally
            )
            span.set_attributes(
                {
                    "dsf.stop_reason": finished.stop_reason,
                    "dsf.steps": tally.steps,
                    "dsf.error": finished.error or "",
                }
            )
        # In a worker thread: embedding the turn's text takes tens of milliseconds of CPU.
        await asyncio.to_thread(
            self._record_end, request, run_id, finished, tally, is_nested=parent_call_id is not None
        )
        await emit(finished)
        return finished

    async def _attempt(
        self,
        request: TurnRequest,
        emit: Emit,
        should_stop: Callable[[], Awaitable[bool]] | None,
        parent_call_id: str | None,
        tally: _Tally,
    ) -> tuple[TurnFinished, uuid.UUID | None]:
        """The turn itself; any failure becomes a TurnFinished with a sentence to show."""
        run_id: uuid.UUID | None = None
        try:
            agent_id = await self.directory.agent_id(request.actor, request.kind, request.world_id)
            await self.settle_pending(request, agent_id, emit)
            with session_scope() as session:
                run_id = runs.start_run(
                    session, request.actor, request.kind, request.world_id, agent_id
                ).id
            finished = await self._rounds(
                request, agent_id, run_id, emit, should_stop, parent_call_id, tally
            )
        except DSFError as exc:
            finished = TurnFinished("error", str(exc))
        except (letta_client.APIError, OSError) as exc:
            log.warning("turn failed: %r", exc)
            finished = TurnFinished("error", str(unreachable(exc, str(self.letta.base_url))))
        return TurnFinished(finished.stop_reason, finished.error, frozenset(tally.changed)), run_id

    async def _rounds(
        self,
        request: TurnRequest,
        agent_id: str,
        run_id: uuid.UUID,
        emit: Emit,
        should_stop: Callable[[], Awaitable[bool]] | None,
        parent_call_id: str | None,
        tally: _Tally,
    ) -> TurnFinished:
        messages: list[dict[str, Any]] = [{"role": "user", "content": request.text}]
        for _ in range(MAX_ROUNDS):
            current = await self._stream(
                agent_id, messages, emit, should_stop, parent_call_id, tally
            )
            self._store_texts(request, run_id, current, parent_call_id)
            tally.reply += [text for kind, text in current.texts.values() if kind == "assistant"]
            if current.stop_reason == "cancelled":
                await self._cancel(agent_id)
                return TurnFinished("cancelled")
            if current.error:
                return TurnFinished("error", current.error)
            if current.stop_reason != "requires_approval" or not current.calls:
                return TurnFinished(current.stop_reason or "end_turn")
            approvals = await self._run_tools(
                request, run_id, current.calls, emit, parent_call_id, tally
            )
            messages = [{"type": "approval", "approvals": approvals}]
        return TurnFinished(
            "max_steps", f"The agent took more than {MAX_ROUNDS} rounds and was stopped."
        )

    async def _stream(
        self,
        agent_id: str,
        messages: list[dict[str, Any]],
        emit: Emit,
        should_stop: Callable[[], Awaitable[bool]] | None,
        parent_call_id: str | None,
        tally: _Tally,
    ) -> _Round:
        """One streamed request; a cancel is noticed within a poll even while the model is silent."""
        current = _Round()
        tally.trajectory.request_started(messages)
        stream = await self.letta.agents.messages.create(
            agent_id=agent_id,
            messages=messages,  # type: ignore[arg-type]
            streaming=True,
            stream_tokens=True,
            include_pings=True,
        )

        async def consume() -> None:
            async for chunk in stream:
                run_id = getattr(chunk, "run_id", None)
                if run_id and run_id not in tally.letta_run_ids:
                    tally.letta_run_ids.append(run_id)
                tally.trajectory.chunk(chunk)
                await self._take(chunk, current, emit, parent_call_id, tally)

        consumer = asyncio.create_task(consume())
        while not consumer.done():
            await asyncio.wait({consumer}, timeout=CANCEL_POLL_SECONDS)
            if not consumer.done() and should_stop is not None and await should_stop():
                consumer.cancel()
                await stream.close()
                current.stop_reason = "cancelled"
                tally.trajectory.request_finished()
                return current
        consumer.result()
        tally.trajectory.request_finished()
        return current

    async def _take(
        self, chunk: Any, current: _Round, emit: Emit, parent_call_id: str | None, tally: _Tally
    ) -> None:
        kind = getattr(chunk, "message_type", None)
        if kind in ("assistant_message", "reasoning_message"):
            text = chunk.content if kind == "assistant_message" else chunk.reasoning
            text = (
                text
                if isinstance(text, str)
                else "".join(getattr(p, "text", "") for p in text or [])
            )
            if text:
                entry = current.texts.setdefault(chunk.id, [kind.removesuffix("_message"), ""])
                entry[1] += text
                await emit(TextDelta(chunk.id, entry[0], text, parent_call_id))
        elif kind == "approval_request_message":
            for piece in _tool_call_pieces(chunk):
                call = current.calls.setdefault(piece.tool_call_id, ["", ""])
                call[0] = piece.name or call[0]
                call[1] += piece.arguments or ""
        elif kind == "stop_reason":
            current.stop_reason = chunk.stop_reason
        elif kind == "usage_statistics":
            tally.steps += chunk.step_count or 0
            for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
                tally.usage[name] = tally.usage.get(name, 0) + (getattr(chunk, name, 0) or 0)
        elif kind == "error_message":
            current.error = f"The agent hit an error: {chunk.message}"

    async def _run_tools(
        self,
        request: TurnRequest,
        run_id: uuid.UUID | None,
        calls: dict[str, list[str]],
        emit: Emit,
        parent_call_id: str | None,
        tally: _Tally,
    ) -> list[dict[str, Any]]:
        approvals = [
            await self._run_tool(
                request, run_id, call_id, name, arguments, emit, parent_call_id, tally
            )
            for call_id, (name, arguments) in calls.items()
        ]
        if "worlds" in tally.changed and request.kind == AgentKind.WORLD and request.world_id:
            await self.directory.sync_world(request.actor, request.world_id)
        return approvals

    async def _run_tool(
        self,
        request: TurnRequest,
        run_id: uuid.UUID | None,
        call_id: str,
        name: str,
        arguments: str,
        emit: Emit,
        parent_call_id: str | None,
        tally: _Tally,
    ) -> dict[str, Any]:
        """Run one call as the acting person, keep it in the chat, and answer it."""
        await emit(ToolCallStarted(call_id, name, arguments, parent_call_id))
        self._store_tool_call(request, run_id, call_id, name, arguments)
        ctx = ToolContext(
            actor=request.actor,
            world_id=request.world_id,
            story_id=request.story_id,
            tool_call_id=call_id,
            emit=emit,
            delegate=self._delegate if request.kind != AgentKind.EXPERIENCE else None,
        )
        outcome = await registry.execute(ctx, name, arguments)
        tally.changed |= ctx.changed
        tally.trajectory.tool(
            call_id, name, arguments, outcome.status, outcome.result, outcome.duration_ms
        )
        tally.tool_calls.append(
            {
                "name": name,
                "args": arguments[:2000],
                "status": outcome.status,
                "duration_ms": outcome.duration_ms,
            }
        )
        with session_scope() as session:
            chat.record_tool_outcome(
                session, request.actor, call_id, outcome.status, outcome.result
            )
        await emit(ToolCallFinished(call_id, outcome.status, outcome.result, outcome.duration_ms))
        if ctx.changed:
            await emit(Changed(frozenset(ctx.changed)))
        return {
            "type": "tool",
            "tool_call_id": call_id,
            "tool_return": outcome.result,
            "status": outcome.status,
        }

    async def _delegate(self, ctx: ToolContext, task: str) -> str:
        """A nested Experience Agent turn; its final answer becomes the tool's result."""
        nested = TurnRequest(ctx.actor, AgentKind.EXPERIENCE, ctx.world_id, ctx.story_id, task)
        answer: list[str] = []

        async def relay(event: TurnEvent) -> None:
            if isinstance(event, TextDelta) and event.kind == "assistant":
                answer.append(event.text)
            if not isinstance(event, TurnFinished):
                await ctx.emit(event)

        finished = await self.run_turn(nested, relay, parent_call_id=ctx.tool_call_id)
        if finished.error:
            raise ServiceUnavailable(f"The Experience Agent could not finish: {finished.error}")
        ctx.changed |= finished.changed
        return "".join(answer) or "The Experience Agent finished without a message."

    async def settle_pending(self, request: TurnRequest, agent_id: str, emit: Emit) -> None:
        """Finish an approval left open by a restart (or refuse it after a cancel), so the
        agent is never left waiting; tools that already ran are answered from their record."""
        last_stop = self._last_stop_reason(request.actor, agent_id)
        if last_stop == "end_turn":
            return  # the last turn ended cleanly: nothing can be pending
        recent = await self.letta.agents.messages.list(agent_id=agent_id, limit=1, order="desc")
        last = recent.items[0] if recent.items else None
        if last is None or getattr(last, "message_type", None) != "approval_request_message":
            return
        cancelled = last_stop == "cancelled"
        approvals = []
        for piece in _tool_call_pieces(last):
            if cancelled:
                approvals.append(
                    {
                        "type": "tool",
                        "tool_call_id": piece.tool_call_id,
                        "tool_return": CANCELLED_RESULT,
                        "status": "error",
                    }
                )
            else:
                approvals.append(
                    await self._run_tool(
                        request,
                        None,
                        piece.tool_call_id,
                        piece.name or "",
                        piece.arguments or "",
                        emit,
                        None,
                        _Tally(),
                    )
                )
        stream = await self.letta.agents.messages.create(
            agent_id=agent_id,
            messages=[{"type": "approval", "approvals": approvals}],
            streaming=True,  # type: ignore[list-item]
        )
        async for _ in stream:
            pass

    def _last_stop_reason(self, actor: Actor, agent_id: str) -> str | None:
        with session_scope() as session:
            return session.exec(
                select(AgentRun.stop_reason)
                .where(AgentRun.user_id == actor.user_id, AgentRun.letta_agent_id == agent_id)
                .order_by(col(AgentRun.started_at).desc())
            ).first()

    async def _cancel(self, agent_id: str) -> None:
        try:
            await self.letta.agents.messages.cancel(agent_id)
        except letta_client.APIError:
            log.warning("could not cancel the Letta run of %s", agent_id)

    def _store_texts(
        self, request: TurnRequest, run_id: uuid.UUID, current: _Round, parent_call_id: str | None
    ) -> None:
        if parent_call_id is not None:
            return
        with session_scope() as session:
            for kind, text in current.texts.values():
                chat.append_message(
                    session,
                    request.actor,
                    request.world_id,
                    "assistant",
                    text,
                    kind,
                    story_id=request.story_id,
                    run_id=run_id,
                )

    def _store_tool_call(
        self,
        request: TurnRequest,
        run_id: uuid.UUID | None,
        call_id: str,
        name: str,
        arguments: str,
    ) -> None:
        try:
            args = json.loads(arguments) if arguments else {}
        except (json.JSONDecodeError, RecursionError):  # absurdly deep JSON too
            args = {"raw": arguments[:5000]}
        with session_scope() as session:
            if chat.has_tool_call(session, request.actor, call_id):
                return
            chat.append_message(
                session,
                request.actor,
                request.world_id,
                "tool",
                "",
                "tool_call",
                story_id=request.story_id,
                run_id=run_id,
                tool_call_id=call_id,
                tool_name=name[:100],
                tool_args=args if isinstance(args, dict) else {"value": args},
                tool_status="running",
            )

    def _record_end(
        self,
        request: TurnRequest,
        run_id: uuid.UUID | None,
        finished: TurnFinished,
        tally: _Tally,
        *,
        is_nested: bool,
    ) -> None:
        with session_scope() as session:
            if finished.error and not is_nested:
                chat.append_message(
                    session,
                    request.actor,
                    request.world_id,
                    "system",
                    finished.error,
                    "error",
                    story_id=request.story_id,
                    run_id=run_id,
                )
            if run_id is not None:
                runs.finish_run(
                    session,
                    request.actor,
                    run_id,
                    finished.stop_reason,
                    tally.steps,
                    tally.tool_calls,
                    tally.usage,
                    finished.error,
                    tally.letta_run_ids,
                    prompt=request.text,
                    reply="\n".join(tally.reply),
                )
                tally.trajectory.save(session, request.actor, run_id, request.world_id)
