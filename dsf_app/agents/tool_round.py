"""The tool calls an agent's step asks approval for, run in our process as the person: every DSF
tool is registered on Letta with `default_requires_approval=True`, so Letta pauses the agent
and we answer with one `approval` message holding every call's result.

Before each call the turn's sign-in session must still be live (signed out here or everywhere:
the turn stops). Each call is shown in the chat and stored, then run with the conversation's
world and story as context (`confirmations.execute`: validated against the tool's model,
confined to the turn's world, run at most once by its call id, or parked to ask the person
first when it cannot be undone). A World Agent that changed its world reads the new version
before its next step.
"""

from __future__ import annotations

import asyncio

from letta_client.types.agents import ApprovalCreateParam, ToolReturnParam

from dsf_app.agents import confirmations, delegation
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import Changed, ToolCallFinished, ToolCallStarted, TurnFinished
from dsf_app.agents.provisioning import AgentDirectory
from dsf_app.agents.turn import Drive, Turn, TurnStopped
from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.models import AgentKind
from dsf_app.services import tool_calls

SESSION_ENDED = (
    "Your sign-in ended (you signed out, here or everywhere, or the session expired), so this "
    "turn stopped before its next tool call; nothing more was done in your name. Sign in and "
    "send your message again to go on."
)
# What the tool calls of a step keep in the run, per call.
ARGS_KEPT = 2000


class ToolRound:
    """Runs the calls Letta waits for, for any turn against one directory of agents."""

    def __init__(self, directory: AgentDirectory, drive: Drive) -> None:
        self.directory = directory
        self.drive = drive

    async def approvals(self, turn: Turn, calls: dict[str, list[str]]) -> ApprovalCreateParam:
        """Run the calls (call id -> [name, arguments]); the message that answers them."""
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
        await _still_signed_in(turn)
        await turn.emit(ToolCallStarted(call_id, name, arguments, turn.parent_call_id))
        await asyncio.to_thread(
            tool_calls.record_tool_call, turn.actor, turn.run_id, call_id, name, arguments
        )
        ctx = ToolContext(
            actor=turn.actor,
            world_id=turn.world_id,
            story_id=turn.story_id,
            tool_call_id=call_id,
            emit=turn.emit,
            delegate=(
                delegation.delegator(turn, self.drive)
                if turn.kind != AgentKind.EXPERIENCE
                else None
            ),
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
                "args": arguments[:ARGS_KEPT],
                "status": outcome.status,
                "duration_ms": outcome.duration_ms,
            }
        ]
        await turn.emit(
            ToolCallFinished(call_id, outcome.status, outcome.result, outcome.duration_ms)
        )
        if ctx.changed:
            await turn.emit(Changed(frozenset(ctx.changed)))
        return tool_return(call_id, outcome.status, outcome.result)


def tool_return(call_id: str, status: str, result: str) -> ToolReturnParam:
    """The answer to one approval request: the tool's outcome as Letta takes it."""
    return {
        "type": "tool",
        "tool_call_id": call_id,
        "tool_return": result,
        "status": "success" if status == "success" else "error",
    }


async def _still_signed_in(turn: Turn) -> None:
    """Before each tool call: a turn whose sign-in session ended (signed out here, or
    everywhere) stops, so nothing more runs in the person's name."""
    session = turn.root.session
    if session is not None and not await asyncio.to_thread(_session_live, session):
        raise TurnStopped(TurnFinished("signed_out", SESSION_ENDED))


def _session_live(session_hash: str) -> bool:
    with session_scope() as db:
        return sessions.is_live(db, session_hash)
