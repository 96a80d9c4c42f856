"""One agent turn: stream the reply, run the tools Letta asks approval for as the acting
person, send their results back, repeat until the turn ends — the loop, with its watchdog and
its endings.

The person's message and the run are committed before anything is sent; the reply is kept as it
streams (`streaming.py`); every tool outcome is kept by its call id (`tool_round.py`). So a turn
cut off anywhere — Letta, the database, S3 or our own process dying — loses nothing, and Retry
continues it where it stopped (`continuation.py`). A delegated Experience Agent turn runs
inside a tool call of its parent, driven by the same loop (`delegation.py`).

A watchdog beside each turn saves its progress every second (the heartbeat that tells other
workers it is alive), notices a cancel, and enforces the turn's wall-time limit; the reply
length and model steps are checked as they stream. However a turn ends, its run is closed
with the reason, and its Letta run is cancelled when we stopped it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import replace

from letta_client import AsyncLetta
from letta_client.types.agents.message_create_params import Message

from dsf_app import workers
from dsf_app.agents import (  # noqa: F401  (tools registers every tool)
    context_window,
    failures,
    lore_block,
    tools,
)
from dsf_app.agents.continuation import Continuation
from dsf_app.agents.events import Notice, TurnFinished
from dsf_app.agents.provisioning import AgentDirectory
from dsf_app.agents.streaming import LettaStream
from dsf_app.agents.tool_round import ToolRound
from dsf_app.agents.turn import Emit, ShouldStop, Tally, Turn, TurnRequest, TurnStopped, otid
from dsf_app.errors import DSFError
from dsf_app.services import turn_continuation, turns
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings
from dsf_app.telemetry import tracer

log = logging.getLogger(__name__)

WATCH_SECONDS = 0.25
# Endings after which the Letta run is cancelled, so it does not go on alone.
STOPPED_BY_US = frozenset({"cancelled", "max_time", "max_reply", "max_steps", "signed_out"})


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
        self.stream = LettaStream(letta, self.settings)
        self.tool_round = ToolRound(self.directory, self._drive)
        self.continuation = Continuation(
            letta, self.settings, self.stream, self.tool_round, self._drive
        )

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
            record = await asyncio.to_thread(turn_continuation.reopen, actor, run_id)
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
                await self.stream.cancel(turn.agent_id)
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
                    await self.stream.cancel(turn.agent_id)
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
                turn.stop = failures.limit("max_time", self.settings)
            elif turn.due():
                try:
                    await turn.save()
                except Exception as exc:
                    turn.stop = TurnFinished("error", failures.describe(exc, self.settings))
            if turn.stop is not None:
                main.cancel()
                return

    async def _work(self, turn: Turn) -> TurnFinished:
        turn.agent_id = turn.record.letta_agent_id or await self._agent(turn)
        messages: list[Message] | None
        if turn.record.progress.letta_run_ids:
            messages = await self.continuation.where_it_stopped(turn)
        else:
            await self.continuation.settle_previous(turn)
            await self._fit_context(turn)
            await lore_block.bring(self.letta, turn)
            messages = [turn.message()]
        return await self._rounds(turn, messages)

    async def _agent(self, turn: Turn) -> str:
        """The turn's agent, brought up to date and kept on its run; when its model went away,
        the chat says which one it uses now."""
        followed = await self.directory.follow(turn.actor, turn.kind, turn.world_id)
        await asyncio.to_thread(turns.set_agent, turn.actor, turn.run_id, followed.agent_id)
        if followed.moved is not None:
            row = await asyncio.to_thread(turns.notice, turn.actor, turn.run_id, followed.moved)
            await turn.emit(Notice(str(row), followed.moved, turn.parent_call_id))
        return followed.agent_id

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

    async def _rounds(self, turn: Turn, messages: list[Message] | None) -> TurnFinished:
        while messages is not None:
            remaining = self.settings.turn_max_steps - turn.shared_steps.taken
            if remaining <= 0:
                raise TurnStopped(failures.limit("max_steps", self.settings))
            current = await self.stream.on_budget(turn, messages, remaining)
            await turn.save(done=True)
            if current.error:
                return TurnFinished("error", current.error)
            if current.stop_reason == "max_steps":
                raise TurnStopped(failures.limit("max_steps", self.settings))
            if current.stop_reason == "cancelled":
                return TurnFinished("cancelled")
            if current.stop_reason != "requires_approval" or not current.calls:
                return TurnFinished(current.stop_reason or "end_turn")
            if turn.shared_steps.taken >= self.settings.turn_max_steps:
                raise TurnStopped(failures.limit("max_steps", self.settings))
            messages = [await self.tool_round.approvals(turn, current.calls)]
        return TurnFinished("end_turn")

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

    async def _explain(self, turn: Turn, exc: BaseException) -> str:
        detail = failures.llm_error_detail(exc)
        if detail is not None:
            return failures.model_failure(
                detail, await self.stream.model_endpoint(turn.agent_id), self.settings
            )
        return failures.describe(exc, self.settings)
