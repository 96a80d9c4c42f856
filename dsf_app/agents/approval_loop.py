"""One agent turn, DESIGN.md section 2: stream the reply, run the tools Letta asks approval
for as the acting person, send their results back, repeat until the turn ends.

The person's message and the run are committed before anything is sent; the reply is kept as it
streams; every tool outcome is kept by its call id. So a turn cut off anywhere — Letta, the
database, S3 or our own process dying — loses nothing, and Retry continues it where it stopped:
it answers an approval Letta still waits for (from the stored outcomes), takes in what Letta
said while nobody listened, or sends the message again if Letta never kept it.

A watchdog beside each turn saves its progress every second (the heartbeat that tells other
workers it is alive), notices a cancel, and enforces the turn's limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import letta_client
from letta_client import AsyncLetta
from letta_client.types import MessageCreateParam
from letta_client.types.agents import ApprovalCreateParam, ToolReturnParam
from letta_client.types.agents.message_create_params import Message

from dsf_app import workers
from dsf_app.agents import (  # noqa: F401  (tools registers every tool)
    confirmations,
    context_window,
    failures,
    lore_block,
    registry,
    tools,
)
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import (
    Changed,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFinished,
)
from dsf_app.agents.failures import TurnInterrupted
from dsf_app.agents.provisioning import AgentDirectory
from dsf_app.agents.turn import Emit, ShouldStop, Tally, Turn, TurnRequest, TurnStopped, otid
from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.errors import DSFError, Forbidden, ServiceUnavailable
from dsf_app.models import AgentKind, Meter
from dsf_app.services import quotas, turns
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings
from dsf_app.telemetry import tracer

log = logging.getLogger(__name__)

WATCH_SECONDS = 0.25
# Cancelling a Letta run is a courtesy: a dead server must not hold up the turn's end.
LETTA_CANCEL_TIMEOUT = 3.0
CANCELLED_RESULT = (
    "This turn was stopped (the person cancelled it, or it passed a limit) before the tool "
    "ran; nothing was done."
)
# Letta messages looked through, after the person's message, to find where a turn stopped.
LETTA_HISTORY_PAGE = 100
# Letta keeps a turn's tool results in a step of their own; when the model's next step was
# lost (the server died during it), the agent is asked to go on, in these words.
CONTINUE_NOTE = (
    "[Deep Sci-Fi] Your turn was cut off by a server failure after your tool calls returned; "
    "the person has not written anything new. Continue the turn from where it stopped."
)
TOOL_RESULTS = frozenset({"tool_return_message", "approval_response_message"})
SESSION_ENDED = (
    "Your sign-in ended (you signed out, here or everywhere, or the session expired), so this "
    "turn stopped before its next tool call; nothing more was done in your name. Sign in and "
    "send your message again to go on."
)
# Endings after which the Letta run is cancelled, so it does not go on alone.
STOPPED_BY_US = frozenset({"cancelled", "max_time", "max_reply", "max_steps", "signed_out"})


@dataclass
class _Round:
    """What one streamed request produced."""

    calls: dict[str, list[str]] = field(default_factory=dict)  # call id -> [name, args]
    stop_reason: str = ""
    error: str | None = None


def _tool_call_pieces(chunk: Any) -> list[Any]:
    """With token streaming one delta per chunk; without, the whole list of calls."""
    calls = getattr(chunk, "tool_calls", None)
    if isinstance(calls, list) and calls:
        return calls
    single = getattr(chunk, "tool_call", None) or calls
    return [single] if single else []


def _text_of(chunk: Any) -> str:
    text = chunk.content if chunk.message_type == "assistant_message" else chunk.reasoning
    return text if isinstance(text, str) else "".join(getattr(p, "text", "") for p in text or [])


def _limit(stop_reason: str, settings: Settings) -> TurnFinished:
    sentences = {
        "max_time": f"The turn took longer than {settings.turn_max_seconds:.0f} seconds "
        "(DSF_TURN_MAX_SECONDS) and was stopped; what was done so far is kept. Ask for less "
        "at once, or raise the limit.",
        "max_reply": f"The reply passed {settings.turn_max_reply_chars:,} characters "
        "(DSF_TURN_MAX_REPLY_CHARS) and was stopped; what was written is kept. The model may be "
        "repeating itself: ask again more narrowly.",
        "max_steps": f"The agent took {settings.turn_max_steps} model steps "
        "(DSF_TURN_MAX_STEPS) without finishing and was stopped; what was done is kept.",
    }
    return TurnFinished(stop_reason, sentences[stop_reason])


def _out_of_steps(limit_reached: str) -> TurnFinished:
    """The person's model steps for the day are spent (`limit_reached` says which limit)."""
    return TurnFinished(
        "quota", f"{limit_reached} The agent was stopped there; what it did so far is kept."
    )


class Orchestrator:
    """Runs turns for any person against one Letta server."""

    def __init__(
        self,
        letta: AsyncLetta,
        directory: AgentDirectory | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.letta = letta
        self.directory = directory or AgentDirectory(letta)
        self.settings = settings or get_settings()

    # --- The three ways in ------------------------------------------------------------------

    async def start(self, request: TurnRequest) -> turns.TurnRecord:
        """Commit the person's message and the turn's run; raises if that fails (the message
        is then not saved, and the caller must keep it for the person)."""
        return await asyncio.to_thread(
            turns.start,
            request.actor,
            request.kind,
            request.world_id,
            request.story_id,
            request.text,
        )

    async def run(
        self,
        actor: Actor,
        record: turns.TurnRecord,
        emit: Emit,
        should_stop: ShouldStop | None = None,
        session: str | None = None,
    ) -> TurnFinished:
        """Drive a started (or reopened) turn to its end; never raises for a failure, which
        ends the turn with a sentence instead. Emits every event, the TurnFinished last.
        `session`: the hash of the sign-in session it runs under, checked before each tool."""
        turn = Turn(
            actor,
            record,
            emit,
            should_stop,
            tally=Tally.carried(record.progress),
            session=session,
        )
        finished = await self._drive(turn)
        await emit(finished)
        return finished

    async def resume(
        self,
        actor: Actor,
        run_id: uuid.UUID,
        emit: Emit,
        should_stop: ShouldStop | None = None,
        session: str | None = None,
    ) -> TurnFinished:
        """Continue an unfinished turn where it stopped (Retry)."""
        try:
            record = await asyncio.to_thread(turns.reopen, actor, run_id)
        except Exception as exc:
            # Refused (it runs elsewhere, or ended): no Retry; the database down: Retry later.
            refused = TurnFinished(
                "error",
                failures.describe(exc, self.settings),
                run_id=run_id,
                retryable=not isinstance(exc, DSFError),
            )
            await emit(refused)
            return refused
        return await self.run(actor, record, emit, should_stop, session)

    async def run_turn(
        self, request: TurnRequest, emit: Emit, should_stop: ShouldStop | None = None
    ) -> TurnFinished:
        """Start and run a turn (a refused or unsaved message ends it with a sentence)."""
        try:
            record = await self.start(request)
        except Exception as exc:
            refused = TurnFinished("error", failures.describe(exc, self.settings))
            await emit(refused)
            return refused
        return await self.run(request.actor, record, emit, should_stop)

    # --- Driving a turn -----------------------------------------------------------------------

    async def _drive(self, turn: Turn) -> TurnFinished:
        """The turn with its watchdog; whatever happens, the run is closed (or, if even that
        fails, left for the next load to close once this worker no longer drives it)."""
        turn.deadline = (
            turn.parent.root.deadline
            if turn.parent is not None
            else time.monotonic() + self.settings.turn_max_seconds
        )
        attributes = {
            "dsf.agent_kind": turn.kind.value,
            "dsf.world_id": str(turn.world_id or ""),
            "dsf.nested": turn.parent is not None,
        }
        try:
            with tracer.start_as_current_span("agent.turn", attributes=attributes) as span:
                finished = await self._watched(turn)
                span.set_attributes(
                    {
                        "dsf.stop_reason": finished.stop_reason,
                        "dsf.steps": turn.tally.steps,
                        "dsf.error": finished.error or "",
                    }
                )
            if finished.stop_reason in STOPPED_BY_US and turn.agent_id:
                await self._cancel_letta(turn.agent_id)
            await self._close(turn, finished)
        finally:
            workers.released(turn.run_id)
        return replace(
            finished,
            changed=frozenset(turn.tally.changed),
            run_id=turn.run_id,
            retryable=finished.stop_reason in turns.RETRYABLE,
            interrupted=frozenset() if finished.stop_reason == "end_turn" else turn.streaming(),
        )

    async def _watched(self, turn: Turn) -> TurnFinished:
        main = asyncio.create_task(self._work(turn))
        over = asyncio.Event()
        watchdog = asyncio.create_task(self._watch(turn, main, over))
        try:
            return await main
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if turn.stop is None or (current is not None and current.cancelling()):
                # Not our watchdog: the turn that delegated this one stopped, or the server
                # is shutting down. Close the run as the root turn ended, then stop too.
                root_stop = turn.root.stop or TurnFinished("interrupted", turns.CUT_OFF)
                over.set()
                await watchdog
                if root_stop.stop_reason in STOPPED_BY_US and turn.agent_id:
                    await self._cancel_letta(turn.agent_id)
                await self._close(turn, root_stop)
                raise
            return turn.stop
        except TurnStopped as stopped:
            return stopped.finished
        except Exception as exc:
            log.warning("turn %s failed: %r", turn.run_id, exc)
            return TurnFinished("error", await self._explain(turn, exc))
        finally:
            # Let a save in progress finish, so no older save lands after the last one.
            over.set()
            await watchdog

    async def _watch(
        self, turn: Turn, main: asyncio.Task[TurnFinished], over: asyncio.Event
    ) -> None:
        """Beside the turn: save its progress every second (its heartbeat), and stop it on a
        cancel, at its wall-time limit, or when its progress can no longer be saved."""
        while not over.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(over.wait(), WATCH_SECONDS)
            if over.is_set() or main.done():
                return
            if turn.parent is None and turn.should_stop is not None and await turn.should_stop():
                turn.stop = TurnFinished("cancelled")
            elif turn.parent is None and time.monotonic() > turn.deadline:
                turn.stop = _limit("max_time", self.settings)
            elif turn.due():
                try:
                    await turn.save()
                except Exception as exc:
                    turn.stop = TurnFinished("error", failures.describe(exc, self.settings))
            if turn.stop is not None:
                main.cancel()
                return

    async def _work(self, turn: Turn) -> TurnFinished:
        if not turn.record.letta_agent_id:
            agent_id = await self.directory.agent_id(turn.actor, turn.kind, turn.world_id)
            await asyncio.to_thread(turns.set_agent, turn.actor, turn.run_id, agent_id)
        else:
            agent_id = turn.record.letta_agent_id
        turn.agent_id = agent_id
        messages: list[Message] | None
        if turn.record.progress.letta_run_ids:
            messages = await self._where_it_stopped(turn)
        else:
            await self._settle_previous(turn)
            await self._fit_context(turn)
            await lore_block.bring(self.letta, turn)
            messages = [self._message(turn)]
        return await self._rounds(turn, messages)

    async def _fit_context(self, turn: Turn) -> None:
        """The agent's context before the person's message: cleared for the first turn of a
        new conversation, wound back to before the turn a regenerated or edited one replaces."""
        if turn.parent is not None:
            return
        if turn.record.fresh_context and turn.record.conversation_id is not None:
            await context_window.clear(self.letta, turn.agent_id)
            await asyncio.to_thread(turns.context_cleared, turn.actor, turn.record.conversation_id)
        if turn.record.replaces_run_id is not None:
            await context_window.rewind(
                self.letta, turn.agent_id, otid(turn.record.replaces_run_id)
            )

    def _message(self, turn: Turn) -> MessageCreateParam:
        return {"role": "user", "content": turn.record.prompt, "otid": turn.otid}

    async def _rounds(self, turn: Turn, messages: list[Message] | None) -> TurnFinished:
        while messages is not None:
            remaining = self.settings.turn_max_steps - turn.shared_steps.taken
            if remaining <= 0:
                raise TurnStopped(_limit("max_steps", self.settings))
            current = await self._stream_on_budget(turn, messages, remaining)
            await turn.save(done=True)
            if current.error:
                return TurnFinished("error", current.error)
            if current.stop_reason == "max_steps":
                raise TurnStopped(_limit("max_steps", self.settings))
            if current.stop_reason == "cancelled":
                return TurnFinished("cancelled")
            if current.stop_reason != "requires_approval" or not current.calls:
                return TurnFinished(current.stop_reason or "end_turn")
            if turn.shared_steps.taken >= self.settings.turn_max_steps:
                raise TurnStopped(_limit("max_steps", self.settings))
            messages = [await self._approvals(turn, current.calls)]
        return TurnFinished("end_turn")

    async def _stream_on_budget(self, turn: Turn, messages: list[Message], most: int) -> _Round:
        """`_stream` within the person's daily model steps: what is left of them (up to
        `most`) is reserved first, and what the request did not take is given back."""
        try:
            reservation = await asyncio.to_thread(
                quotas.reserve_up_to_now, turn.actor, Meter.STEPS, most
            )
        except Forbidden as exc:
            raise TurnStopped(_out_of_steps(str(exc))) from exc
        before = turn.tally.steps
        try:
            current = await self._stream(turn, messages, reservation.amount)
        finally:
            unused = reservation.amount - (turn.tally.steps - before)
            await asyncio.shield(
                asyncio.to_thread(quotas.release_now, turn.actor, reservation, unused)
            )
        if current.stop_reason == "max_steps" and reservation.amount < most:
            raise TurnStopped(_out_of_steps(quotas.limit_reached(Meter.STEPS, reservation.limit)))
        return current

    async def _stream(self, turn: Turn, messages: list[Message], steps: int) -> _Round:
        """One streamed request to Letta, every chunk passed on as it arrives."""
        current = _Round()
        with turn.tally.trajectory.request(messages):
            stream = await self.letta.agents.messages.create(
                agent_id=turn.agent_id,
                messages=messages,
                streaming=True,
                stream_tokens=True,
                include_pings=True,
                max_steps=steps,
            )
            try:
                async for chunk in stream:
                    turn.tally.trajectory.chunk(chunk)
                    await self._take(turn, chunk, current)
            finally:
                await stream.close()
        return current

    async def _take(self, turn: Turn, chunk: Any, current: _Round) -> None:
        letta_run = getattr(chunk, "run_id", None)
        if letta_run and letta_run not in turn.tally.letta_run_ids:
            turn.tally.letta_run_ids.append(letta_run)
        kind = getattr(chunk, "message_type", None)
        if kind in ("assistant_message", "reasoning_message"):
            text = _text_of(chunk)
            if text:
                await self._text(turn, chunk.id, kind.removesuffix("_message"), text, whole=False)
        elif kind == "approval_request_message":
            for piece in _tool_call_pieces(chunk):
                call = current.calls.setdefault(piece.tool_call_id, ["", ""])
                call[0] = piece.name or call[0]
                call[1] += piece.arguments or ""
        elif kind == "stop_reason":
            current.stop_reason = chunk.stop_reason
        elif kind == "usage_statistics":
            turn.tally.steps += chunk.step_count or 0
            turn.shared_steps.taken += chunk.step_count or 0
            for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
                turn.tally.usage[name] = turn.tally.usage.get(name, 0) + (
                    getattr(chunk, name, 0) or 0
                )
        elif kind == "error_message":
            current.error = await self._agent_error(turn, chunk)

    async def _text(
        self, turn: Turn, message_id: str, kind: Any, text: str, *, whole: bool
    ) -> None:
        # Letta gives a step's reasoning and its answer one message id: they are two messages here.
        if kind == "reasoning":
            message_id = f"{message_id}/reasoning"
        turn.add_text(message_id, kind, text, whole)
        await turn.emit(TextDelta(message_id, kind, text, turn.parent_call_id, whole=whole))
        if turn.tally.reply_chars > self.settings.turn_max_reply_chars:
            raise TurnStopped(_limit("max_reply", self.settings))

    # --- Tools ------------------------------------------------------------------------------

    async def _approvals(self, turn: Turn, calls: dict[str, list[str]]) -> ApprovalCreateParam:
        """Run the calls Letta waits for; the message that answers them."""
        approvals = [
            await self._run_tool(turn, call_id, name, arguments)
            for call_id, (name, arguments) in calls.items()
        ]
        if "worlds" in turn.tally.changed and turn.kind == AgentKind.WORLD and turn.world_id:
            await self.directory.sync_world(turn.actor, turn.world_id)
        return {"type": "approval", "approvals": approvals}

    async def _run_tool(
        self, turn: Turn, call_id: str, name: str, arguments: str
    ) -> ToolReturnParam:
        """Run one call as the acting person, keep it in the chat, and answer it."""
        await self._still_signed_in(turn)
        await turn.emit(ToolCallStarted(call_id, name, arguments, turn.parent_call_id))
        await asyncio.to_thread(
            turns.record_tool_call, turn.actor, turn.run_id, call_id, name, arguments
        )
        ctx = ToolContext(
            actor=turn.actor,
            world_id=turn.world_id,
            story_id=turn.story_id,
            tool_call_id=call_id,
            emit=turn.emit,
            delegate=self._delegator(turn) if turn.kind != AgentKind.EXPERIENCE else None,
            run_id=turn.run_id,
        )
        try:
            outcome = await confirmations.execute(ctx, turn.root.run_id, name, arguments)
        except confirmations.AwaitingConfirmation:
            await confirmations.show_waiting(turn.actor, call_id, turn.emit)
            raise
        turn.tally.trajectory.tool(
            call_id, name, arguments, outcome.status, outcome.result, outcome.duration_ms
        )
        turn.tally.changed |= ctx.changed
        turn.tally.tool_calls = [c for c in turn.tally.tool_calls if c.get("id") != call_id] + [
            {
                "id": call_id,
                "name": name,
                "args": arguments[:2000],
                "status": outcome.status,
                "duration_ms": outcome.duration_ms,
            }
        ]
        await turn.emit(
            ToolCallFinished(call_id, outcome.status, outcome.result, outcome.duration_ms)
        )
        if ctx.changed:
            await turn.emit(Changed(frozenset(ctx.changed)))
        return _tool_return(call_id, outcome.status, outcome.result)

    async def _still_signed_in(self, turn: Turn) -> None:
        """Before each tool call: a turn whose sign-in session ended (signed out here, or
        everywhere) stops, so nothing more runs in the person's name."""
        session = turn.root.session
        if session is not None and not await asyncio.to_thread(_session_live, session):
            raise TurnStopped(TurnFinished("signed_out", SESSION_ENDED))

    def _delegator(self, parent: Turn) -> Callable[[ToolContext, str], Any]:
        async def delegate(ctx: ToolContext, task: str) -> str:
            return await self._delegate(parent, ctx, task)

        return delegate

    async def _delegate(self, parent: Turn, ctx: ToolContext, task: str) -> str:
        """A nested Experience Agent turn (continued, if this call started one before that
        did not finish); its final answer becomes the tool's result."""
        earlier = await asyncio.to_thread(turns.nested_turn, ctx.actor, ctx.tool_call_id)
        if earlier is not None and earlier.stop_reason == "end_turn":
            return await self._answer(ctx.actor, earlier.run_id)
        if earlier is None:
            record = await asyncio.to_thread(
                turns.start,
                ctx.actor,
                AgentKind.EXPERIENCE,
                ctx.world_id,
                ctx.story_id,
                task,
                parent_tool_call_id=ctx.tool_call_id,
            )
        else:
            record = await asyncio.to_thread(turns.reopen, ctx.actor, earlier.run_id)

        async def relay(event: TurnEvent) -> None:
            if not isinstance(event, TurnFinished):
                await ctx.emit(event)

        nested = Turn(
            ctx.actor,
            record,
            relay,
            parent.should_stop,
            parent=parent,
            tally=Tally.carried(record.progress),
        )
        finished = await self._drive(nested)
        ctx.changed |= finished.changed
        if finished.stop_reason == turns.AWAITING_CONFIRMATION:
            raise confirmations.AwaitingConfirmation
        if finished.retryable:
            raise TurnInterrupted(finished.error or turns.CUT_OFF)
        if finished.error:
            raise ServiceUnavailable(f"The Experience Agent could not finish: {finished.error}")
        return await self._answer(ctx.actor, record.run_id)

    async def _answer(self, actor: Actor, run_id: uuid.UUID) -> str:
        reply = await asyncio.to_thread(turns.reply_text, actor, run_id)
        return reply or "The Experience Agent finished without a message."

    # --- Continuing a turn ------------------------------------------------------------------

    async def _where_it_stopped(self, turn: Turn) -> list[Message] | None:
        """What to send to continue a turn that Letta has seen before. What Letta said while
        nobody listened is taken in first; then: the answers to the approval it still waits
        for; a request to go on, when it kept the tool results but not the model's next step;
        the person's message again, when Letta never kept it; or nothing, when it finished."""
        await self._cancel_letta(turn.agent_id)
        tail = await self._since_message(turn)
        if not tail:
            return [self._message(turn)]
        for message in tail:
            kind = getattr(message, "message_type", None)
            if kind in ("assistant_message", "reasoning_message") and _text_of(message):
                name = kind.removesuffix("_message")
                await self._text(turn, message.id, name, _text_of(message), whole=True)
        waiting: list[Any] = []
        for message in reversed(tail):
            if getattr(message, "message_type", None) != "approval_request_message":
                break
            waiting.insert(0, message)
        if waiting:
            calls = {
                piece.tool_call_id: [piece.name or "", piece.arguments or ""]
                for message in waiting
                for piece in _tool_call_pieces(message)
            }
            return [await self._approvals(turn, calls)]
        if getattr(tail[-1], "message_type", None) in TOOL_RESULTS:
            return [{"role": "user", "content": CONTINUE_NOTE}]
        return None

    async def _since_message(self, turn: Turn) -> list[Any] | None:
        """Letta's messages after the person's message of this turn, oldest first; None when
        Letta does not have that message."""
        mine = await self._own_message(turn)
        if mine is None:
            return None
        page = await self.letta.agents.messages.list(
            agent_id=turn.agent_id, after=mine.id, order="asc", limit=LETTA_HISTORY_PAGE
        )
        return list(page.items)

    async def _own_message(self, turn: Turn) -> Any | None:
        """The person's message of this turn on Letta, found by its otid among the newest."""
        return await context_window.user_message(self.letta, turn.agent_id, turn.otid)

    async def _settle_previous(self, turn: Turn) -> None:
        """Before a new message: an approval left open by the agent's previous turn is
        finished first (that turn continues, shown in the chat), or refused if the person
        cancelled it — so the agent is never left waiting."""
        previous = await asyncio.to_thread(
            turns.previous_turn, turn.actor, turn.agent_id, turn.run_id
        )
        if previous is None or previous.stop_reason == "end_turn":
            return
        if previous.running:
            raise TurnStopped(
                TurnFinished(
                    "error",
                    "Another turn with this agent is still running (in another tab); your "
                    "message is saved — press Retry once that turn has finished.",
                )
            )
        withdrawn = frozenset[str]()
        if previous.stop_reason == turns.AWAITING_CONFIRMATION:
            withdrawn = await confirmations.withdraw(turn.actor, previous.run_id)
        recent = await self.letta.agents.messages.list(
            agent_id=turn.agent_id, limit=1, order="desc"
        )
        last = recent.items[0] if recent.items else None
        if last is None or getattr(last, "message_type", None) != "approval_request_message":
            return
        if previous.stop_reason in turns.RETRYABLE:
            record = await asyncio.to_thread(turns.reopen, turn.actor, previous.run_id)
            earlier = Turn(
                turn.actor,
                record,
                turn.emit,
                turn.should_stop,
                tally=Tally.carried(record.progress),
                session=turn.session,
            )
            finished = await self._drive(earlier)
            if finished.error:
                raise TurnStopped(
                    TurnFinished(
                        "error", f"The previous turn could not be finished: {finished.error}"
                    )
                )
            return
        await self._refuse(turn.actor, turn.agent_id, last, withdrawn)

    async def _refuse(
        self, actor: Actor, agent_id: str, pending: Any, withdrawn: frozenset[str]
    ) -> None:
        """Answer the approvals of a stopped turn: what already ran, as it ran; the rest not
        (`withdrawn`: calls the person left unconfirmed). The agent may answer that by asking
        again; it is refused again, within the step limit."""
        pieces = _tool_call_pieces(pending)
        for _ in range(self.settings.turn_max_steps):
            approvals = [await self._refusal(actor, piece, withdrawn) for piece in pieces]
            stream = await self.letta.agents.messages.create(
                agent_id=agent_id,
                messages=[{"type": "approval", "approvals": approvals}],
                streaming=True,
            )
            pieces = [
                piece
                async for chunk in stream
                if getattr(chunk, "message_type", None) == "approval_request_message"
                for piece in _tool_call_pieces(chunk)
            ]
            if not pieces:
                return

    async def _refusal(
        self, actor: Actor, piece: Any, withdrawn: frozenset[str]
    ) -> ToolReturnParam:
        claim = await asyncio.to_thread(
            turns.claim_tool_call, actor, None, piece.tool_call_id, piece.name or ""
        )
        unasked = (
            confirmations.WITHDRAWN.format(name=piece.name or "tool")
            if piece.tool_call_id in withdrawn
            else CANCELLED_RESULT
        )
        status, result = claim.outcome or ("error", unasked)
        if claim.outcome is None:
            await asyncio.to_thread(
                turns.record_tool_outcome,
                actor,
                piece.tool_call_id,
                piece.name or "",
                status,
                result,
            )
        return _tool_return(piece.tool_call_id, status, result)

    # --- Endings ----------------------------------------------------------------------------

    async def _close(self, turn: Turn, finished: TurnFinished) -> None:
        """Record how the turn ended; if the database is down too, the run stays open until
        a later load sees that no worker drives it and closes it."""
        try:
            await turn.save(done=finished.stop_reason == "end_turn")
        except Exception:
            log.warning("could not save the last progress of run %s", turn.run_id)
        try:
            await asyncio.to_thread(
                turns.finish,
                turn.actor,
                turn.run_id,
                finished.stop_reason,
                finished.error,
                turn.tally.progress(),
                error_in_chat=turn.parent is None,
            )
        except Exception:
            log.warning("could not close run %s; a later load closes it", turn.run_id)

    async def _cancel_letta(self, agent_id: str) -> None:
        quick = self.letta.with_options(timeout=LETTA_CANCEL_TIMEOUT, max_retries=0)
        try:
            await quick.agents.messages.cancel(agent_id)
        except (letta_client.APIError, OSError):
            log.info("could not cancel the Letta run of %s", agent_id)

    async def _explain(self, turn: Turn, exc: BaseException) -> str:
        detail = failures.llm_error_detail(exc)
        if detail is not None:
            return failures.model_failure(detail, await self._model_endpoint(turn), self.settings)
        return failures.describe(exc, self.settings)

    async def _agent_error(self, turn: Turn, chunk: Any) -> str:
        if getattr(chunk, "error_type", None) == "llm_error":
            detail = str(getattr(chunk, "detail", None) or chunk.message)
            return failures.model_failure(detail, await self._model_endpoint(turn), self.settings)
        return f"The agent hit an error: {chunk.message}"

    async def _model_endpoint(self, turn: Turn) -> str:
        """The address the Letta server sends this agent's model requests to."""
        quick = self.letta.with_options(timeout=LETTA_CANCEL_TIMEOUT, max_retries=0)
        try:
            agent = await quick.agents.retrieve(turn.agent_id)
        except (letta_client.APIError, OSError):
            return failures.model_endpoint(self.settings, self.settings.agent_model)
        config = agent.llm_config
        return config.api_model_endpoint or failures.model_endpoint(
            self.settings, config.handle or ""
        )


def _session_live(session_hash: str) -> bool:
    with session_scope() as db:
        return sessions.is_live(db, session_hash)


def _tool_return(call_id: str, status: str, result: str) -> ToolReturnParam:
    """The answer to one approval request: the tool's outcome as Letta takes it."""
    return {
        "type": "tool",
        "tool_call_id": call_id,
        "tool_return": result,
        "status": "success" if status == "success" else "error",
    }
