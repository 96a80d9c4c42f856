"""The person confirms what cannot be undone. A tool declares which of its calls do that
(`Tool.confirm`, in the registry); such a call is not run when Letta asks for its approval: the
question is stored (`services/confirmations.py`), shown as a card in the chat, and the turn
parks with Letta's approval request still open. The person's answer continues the turn where it
stopped, as Retry would: Approve runs the call, Deny answers it with a refusal the agent reads.
"""

from __future__ import annotations

import asyncio
import uuid

from dsf_app.agents import registry
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import ConfirmationAsked, ToolCallFinished, TurnFinished
from dsf_app.agents.turn import Emit, TurnStopped
from dsf_app.db import session_scope
from dsf_app.models import Decision
from dsf_app.services import confirmations, tool_calls, turns
from dsf_app.services.actor import Actor

DECLINED = (
    "The person was asked to confirm this {name} call and declined it; nothing was done. Tell "
    "them you did not do it, and do not ask for it again unless they say so."
)
WITHDRAWN = (
    "The person wrote a new message instead of confirming this {name} call; nothing was done."
)


class AwaitingConfirmation(TurnStopped):
    """The turn parks here until the person answers the card it showed."""

    def __init__(self) -> None:
        super().__init__(TurnFinished(turns.AWAITING_CONFIRMATION))


def _decision(actor: Actor, tool_call_id: str) -> Decision | None:
    with session_scope() as session:
        return confirmations.decision(session, actor, tool_call_id)


def _ask(
    actor: Actor, run_id: uuid.UUID, tool_call_id: str, name: str, summary: str
) -> confirmations.Confirmation:
    with session_scope() as session:
        return confirmations.ask(session, actor, run_id, tool_call_id, name, summary)


def _show_waiting(actor: Actor, tool_call_id: str) -> None:
    with session_scope() as session:
        confirmations.wait_for_person(session, actor, tool_call_id)


def _withdraw(actor: Actor, run_id: uuid.UUID) -> frozenset[str]:
    with session_scope() as session:
        return confirmations.withdraw(session, actor, run_id)


async def execute(
    ctx: ToolContext, asking_run: uuid.UUID, name: str, arguments: str
) -> registry.ToolOutcome:
    """Run a call as `registry.execute` does, unless it cannot be undone and the person has
    not approved it: denied, it is answered with the refusal; not answered yet, the person is
    asked (on the turn `asking_run`, which their answer continues) and the turn parks."""
    summary = await registry.confirmation(ctx, name, arguments)
    if summary is None:
        return await registry.execute(ctx, name, arguments)
    decided = await asyncio.to_thread(_decision, ctx.actor, ctx.tool_call_id)
    if decided == Decision.APPROVED:
        return await registry.execute(ctx, name, arguments)
    if decided == Decision.DENIED:
        refusal = DECLINED.format(name=name)
        await asyncio.to_thread(
            tool_calls.record_tool_outcome, ctx.actor, ctx.tool_call_id, name, "error", refusal
        )
        return registry.ToolOutcome("error", refusal)
    asked = await asyncio.to_thread(_ask, ctx.actor, asking_run, ctx.tool_call_id, name, summary)
    await ctx.emit(ConfirmationAsked(asked.id, ctx.tool_call_id, name, asked.summary))
    raise AwaitingConfirmation


async def show_waiting(actor: Actor, tool_call_id: str, emit: Emit) -> None:
    """The call's chat row waits for the person (a destructive call, or the delegation whose
    nested turn asked)."""
    await asyncio.to_thread(_show_waiting, actor, tool_call_id)
    await emit(ToolCallFinished(tool_call_id, confirmations.WAITING, "", 0))


async def withdraw(actor: Actor, run_id: uuid.UUID) -> frozenset[str]:
    """The person moved on without answering the turn's cards: they are denied, and the agent
    is told so (`WITHDRAWN`) when its open approvals are refused."""
    return await asyncio.to_thread(_withdraw, actor, run_id)
