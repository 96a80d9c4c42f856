"""Delegation: the `delegate_to_experience` tool runs a nested Experience Agent turn inside the
tool call of a User or World Agent turn, and the nested turn's final answer is the tool's
result. The nested turn inherits its parent's world, sign-in session, stop and wall-time
deadline, and draws on the parent's model steps (`StepShare`); its events show in the parent's
chat, indented. A delegation asked for again (Letta retried it, or the person pressed Retry)
continues the nested turn that call started, or returns its answer when it had finished. A
nested turn that parks on a confirmation parks its parent; one cut off makes the parent's turn
retryable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from dsf_app.agents import confirmations
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent, TurnFinished
from dsf_app.agents.failures import TurnInterrupted
from dsf_app.agents.turn import Drive, Tally, Turn
from dsf_app.errors import ServiceUnavailable
from dsf_app.models import AgentKind
from dsf_app.services import turn_continuation, turns
from dsf_app.services.actor import Actor

NO_ANSWER = "The Experience Agent finished without a message."

Delegate = Callable[[ToolContext, str], Awaitable[str]]


def delegator(parent: Turn, drive: Drive) -> Delegate:
    """What the tool context's `delegate` runs for a call of `parent`'s agent."""

    async def delegate(ctx: ToolContext, task: str) -> str:
        return await _delegate(parent, ctx, task, drive)

    return delegate


async def _delegate(parent: Turn, ctx: ToolContext, task: str, drive: Drive) -> str:
    earlier = await asyncio.to_thread(turn_continuation.nested_turn, ctx.actor, ctx.tool_call_id)
    if earlier is not None and earlier.stop_reason == "end_turn":
        return await _answer(ctx.actor, earlier)
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
        record = await asyncio.to_thread(turn_continuation.reopen, ctx.actor, earlier.run_id)

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
    finished = await drive(nested)
    ctx.changed |= finished.changed
    if finished.stop_reason == turns.AWAITING_CONFIRMATION:
        raise confirmations.AwaitingConfirmation
    if finished.retryable:
        raise TurnInterrupted(finished.error or turns.CUT_OFF)
    if finished.error:
        raise ServiceUnavailable(f"The Experience Agent could not finish: {finished.error}")
    return await _answer(ctx.actor, record)


async def _answer(actor: Actor, nested: turns.TurnRecord) -> str:
    reply = await asyncio.to_thread(turns.reply_text, actor, nested.run_id)
    return reply or NO_ANSWER
