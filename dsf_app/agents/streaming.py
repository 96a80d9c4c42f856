"""One streamed request to an agent on Letta: each chunk goes to the chat and the turn's tallies
as it arrives — reasoning and reply text (stored in batches by the turn), the tool calls Letta
will ask approval for (with token streaming their arguments arrive in pieces, joined by
`tool_call_id`), the steps and tokens used, and how the request stopped. The person's daily
model steps are reserved before each request and what it did not take is given back.

Also the two small things asked of Letta about a running agent: stop its run (a courtesy that
never holds up a turn's end) and where it sends its model requests (for a failure's sentence).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import letta_client
from letta_client import AsyncLetta
from letta_client.types.agents.message_create_params import Message

from dsf_app.agents import failures
from dsf_app.agents.events import TextDelta
from dsf_app.agents.turn import Turn, TurnStopped
from dsf_app.errors import Forbidden
from dsf_app.models import Meter
from dsf_app.services import quotas
from dsf_app.settings import Settings

log = logging.getLogger(__name__)

# Asking Letta about a run is a courtesy: a dead server must not hold up the turn's end.
LETTA_QUICK_TIMEOUT = 3.0


@dataclass
class Round:
    """What one streamed request produced."""

    calls: dict[str, list[str]] = field(default_factory=dict)  # call id -> [name, args]
    stop_reason: str = ""
    error: str | None = None


def tool_call_pieces(chunk: Any) -> list[Any]:
    """With token streaming one delta per chunk; without, the whole list of calls."""
    calls = getattr(chunk, "tool_calls", None)
    if isinstance(calls, list) and calls:
        return calls
    single = getattr(chunk, "tool_call", None) or calls
    return [single] if single else []


def text_of(chunk: Any) -> str:
    """The text of an assistant or reasoning message (whole or a delta)."""
    text = chunk.content if chunk.message_type == "assistant_message" else chunk.reasoning
    return text if isinstance(text, str) else "".join(getattr(p, "text", "") for p in text or [])


def text_kind(message_type: str) -> Literal["assistant", "reasoning"]:
    return "assistant" if message_type == "assistant_message" else "reasoning"


def text_id(message: Any) -> str:
    """The id agent text is kept and shown under: the Letta step that wrote it, the same
    whether the text streams or Letta lists it later. Letta streams a step's text under one
    message id, but keeps the text of a step that asks for approval under the approval
    request's id (one less), and lists it so; each step writes at most one reasoning and one
    reply. The message id only when Letta names no step."""
    return getattr(message, "step_id", None) or message.id


class LettaStream:
    """Streams a turn's requests to one Letta server."""

    def __init__(self, letta: AsyncLetta, settings: Settings) -> None:
        self.letta = letta
        self.settings = settings

    async def on_budget(self, turn: Turn, messages: list[Message], most: int) -> Round:
        """`request` within the person's daily model steps: what is left of them (up to
        `most`) is reserved first, and what the request did not take is given back."""
        try:
            reservation = await asyncio.to_thread(
                quotas.reserve_up_to_now, turn.actor, Meter.STEPS, most
            )
        except Forbidden as exc:
            raise TurnStopped(failures.out_of_steps(str(exc))) from exc
        before = turn.tally.steps
        try:
            current = await self.request(turn, messages, reservation.amount)
        finally:
            unused = reservation.amount - (turn.tally.steps - before)
            await asyncio.shield(
                asyncio.to_thread(quotas.release_now, turn.actor, reservation, unused)
            )
        if current.stop_reason == "max_steps" and reservation.amount < most:
            raise TurnStopped(
                failures.out_of_steps(quotas.limit_reached(Meter.STEPS, reservation.limit))
            )
        return current

    async def request(self, turn: Turn, messages: list[Message], steps: int) -> Round:
        """One streamed request to Letta, every chunk passed on as it arrives."""
        current = Round()
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

    async def _take(self, turn: Turn, chunk: Any, current: Round) -> None:
        letta_run = getattr(chunk, "run_id", None)
        if letta_run and letta_run not in turn.tally.letta_run_ids:
            turn.tally.letta_run_ids.append(letta_run)
        kind = getattr(chunk, "message_type", None)
        if kind in ("assistant_message", "reasoning_message"):
            text = text_of(chunk)
            if text:
                await self.show_text(turn, text_id(chunk), text_kind(kind), text)
        elif kind == "approval_request_message":
            for piece in tool_call_pieces(chunk):
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

    async def show_text(
        self,
        turn: Turn,
        message_id: str,
        kind: Literal["assistant", "reasoning"],
        text: str,
        *,
        whole: bool = False,
    ) -> None:
        """Keep and show agent text (`whole`: the message's entire text so far); a reply past
        DSF_TURN_MAX_REPLY_CHARS stops the turn."""
        # A step's reasoning and its answer share one id: they are two messages here.
        if kind == "reasoning":
            message_id = f"{message_id}/reasoning"
        turn.add_text(message_id, kind, text, whole)
        await turn.emit(TextDelta(message_id, kind, text, turn.parent_call_id, whole=whole))
        if turn.tally.reply_chars > self.settings.turn_max_reply_chars:
            raise TurnStopped(failures.limit("max_reply", self.settings))

    async def _agent_error(self, turn: Turn, chunk: Any) -> str:
        if getattr(chunk, "error_type", None) == "llm_error":
            detail = str(getattr(chunk, "detail", None) or chunk.message)
            return failures.model_failure(
                detail, await self.model_endpoint(turn.agent_id), self.settings
            )
        return f"The agent hit an error: {chunk.message}"

    async def model_endpoint(self, agent_id: str) -> str:
        """The address the Letta server sends this agent's model requests to."""
        quick = self.letta.with_options(timeout=LETTA_QUICK_TIMEOUT, max_retries=0)
        try:
            agent = await quick.agents.retrieve(agent_id)
        except (letta_client.APIError, OSError):
            return failures.model_endpoint(self.settings, self.settings.agent_model)
        config = agent.llm_config
        return config.api_model_endpoint or failures.model_endpoint(
            self.settings, config.handle or ""
        )

    async def cancel(self, agent_id: str) -> None:
        """Stop the agent's Letta run, so it does not go on alone."""
        quick = self.letta.with_options(timeout=LETTA_QUICK_TIMEOUT, max_retries=0)
        try:
            await quick.agents.messages.cancel(agent_id)
        except (letta_client.APIError, OSError):
            log.info("could not cancel the Letta run of %s", agent_id)
