"""Continuing a turn that stopped, without sending anything twice: Retry (and the person's answer
to a confirmation) continues the same turn where it stopped, and a new message first settles
what the agent's previous turn left open.

Where a turn stopped is read from Letta, after the person's message (found by its otid): what
Letta said while nobody listened is taken in first; then an approval Letta still waits for is
answered from the stored outcomes (a call whose id already ran is not run again); when Letta
kept the tool results but lost the model's next step, the agent is asked to go on; when Letta
never kept the message, it is sent again; when the turn had finished there, nothing is sent.

Before a new message, an approval left open by the agent's previous turn is finished first
(that turn continues, shown in the chat), or — when the person cancelled it or sent a new
message instead of answering a confirmation — refused, so the agent is never left waiting.
"""

from __future__ import annotations

import asyncio
from typing import Any

from letta_client import AsyncLetta
from letta_client.types.agents import ToolReturnParam
from letta_client.types.agents.message_create_params import Message

from dsf_app.agents import confirmations, context_window
from dsf_app.agents.events import TurnFinished
from dsf_app.agents.streaming import (
    LettaStream,
    text_id,
    text_kind,
    text_of,
    tool_call_pieces,
)
from dsf_app.agents.tool_round import ToolRound, tool_return
from dsf_app.agents.turn import Drive, Tally, Turn, TurnStopped
from dsf_app.services import tool_calls, turn_continuation, turns
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings

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
ANOTHER_TURN_RUNNING = (
    "Another turn with this agent is still running (in another tab); your message is saved — "
    "press Retry once that turn has finished."
)


class Continuation:
    """Finds where a turn stopped on Letta and what to send to go on."""

    def __init__(
        self,
        letta: AsyncLetta,
        settings: Settings,
        stream: LettaStream,
        tool_round: ToolRound,
        drive: Drive,
    ) -> None:
        self.letta = letta
        self.settings = settings
        self.stream = stream
        self.tool_round = tool_round
        self.drive = drive

    async def where_it_stopped(self, turn: Turn) -> list[Message] | None:
        """What to send to continue a turn that Letta has seen before (None: nothing)."""
        await self.stream.cancel(turn.agent_id)
        tail = await self._since_message(turn)
        if not tail:
            return [turn.message()]
        for message in tail:
            kind = getattr(message, "message_type", None)
            if kind in ("assistant_message", "reasoning_message") and text_of(message):
                await self.stream.show_text(
                    turn, text_id(message), text_kind(kind), text_of(message), whole=True
                )
        waiting: list[Any] = []
        for message in reversed(tail):
            if getattr(message, "message_type", None) != "approval_request_message":
                break
            waiting.insert(0, message)
        if waiting:
            calls = {
                piece.tool_call_id: [piece.name or "", piece.arguments or ""]
                for message in waiting
                for piece in tool_call_pieces(message)
            }
            return [await self.tool_round.approvals(turn, calls)]
        if getattr(tail[-1], "message_type", None) in TOOL_RESULTS:
            return [{"role": "user", "content": CONTINUE_NOTE}]
        return None

    async def _since_message(self, turn: Turn) -> list[Any] | None:
        """Letta's messages after the person's message of this turn, oldest first; None when
        Letta does not have that message."""
        mine = await context_window.user_message(self.letta, turn.agent_id, turn.otid)
        if mine is None:
            return None
        page = await self.letta.agents.messages.list(
            agent_id=turn.agent_id, after=mine.id, order="asc", limit=LETTA_HISTORY_PAGE
        )
        return list(page.items)

    async def settle_previous(self, turn: Turn) -> None:
        """Before a new message: finish or refuse what the agent's previous turn left open."""
        previous = await asyncio.to_thread(
            turn_continuation.previous_turn, turn.actor, turn.agent_id, turn.run_id
        )
        if previous is None or previous.stop_reason == "end_turn":
            return
        if previous.running:
            raise TurnStopped(TurnFinished("error", ANOTHER_TURN_RUNNING))
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
            record = await asyncio.to_thread(turn_continuation.reopen, turn.actor, previous.run_id)
            earlier = Turn(
                turn.actor,
                record,
                turn.emit,
                turn.should_stop,
                tally=Tally.carried(record.progress),
                session=turn.session,
            )
            finished = await self.drive(earlier)
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
        pieces = tool_call_pieces(pending)
        for _ in range(self.settings.turn_max_steps):
            approvals = [await _refusal(actor, piece, withdrawn) for piece in pieces]
            stream = await self.letta.agents.messages.create(
                agent_id=agent_id,
                messages=[{"type": "approval", "approvals": approvals}],
                streaming=True,
            )
            pieces = [
                piece
                async for chunk in stream
                if getattr(chunk, "message_type", None) == "approval_request_message"
                for piece in tool_call_pieces(chunk)
            ]
            if not pieces:
                return


async def _refusal(actor: Actor, piece: Any, withdrawn: frozenset[str]) -> ToolReturnParam:
    claim = await asyncio.to_thread(
        tool_calls.claim_tool_call, actor, None, piece.tool_call_id, piece.name or ""
    )
    unasked = (
        confirmations.WITHDRAWN.format(name=piece.name or "tool")
        if piece.tool_call_id in withdrawn
        else CANCELLED_RESULT
    )
    status, result = claim.outcome or ("error", unasked)
    if claim.outcome is None:
        await asyncio.to_thread(
            tool_calls.record_tool_outcome,
            actor,
            piece.tool_call_id,
            piece.name or "",
            status,
            result,
        )
    return tool_return(piece.tool_call_id, status, result)
