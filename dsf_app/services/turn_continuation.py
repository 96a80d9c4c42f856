"""Continuing a turn that did not finish: Retry takes over its run (one that ended in an error,
waits for the person's confirmation, or whose worker is gone), a delegation finds the nested
turn its tool call started, and a new message finds the turn before it that may have left the
agent waiting for an approval.

Every function takes the acting person first; anyone else's run is NotFound. These functions
block on the database: async callers run them in a worker thread.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlmodel import col, select

from dsf_app import workers
from dsf_app.db import session_scope
from dsf_app.errors import Invalid
from dsf_app.models import AgentRun
from dsf_app.models.columns import utcnow
from dsf_app.services import chat, rollups, tool_calls, turns
from dsf_app.services.access import require_run
from dsf_app.services.actor import Actor

STILL_RUNNING = (
    "This turn is still running (in another tab, or on another server process); wait for it "
    "to finish."
)


def reopen(actor: Actor, run_id: uuid.UUID) -> turns.TurnRecord:
    """Take over a turn to continue it: one that ended in an error, that waits for the
    person's confirmation, or whose worker is gone."""
    with session_scope() as session:
        run = turns.locked_run(session, actor, run_id)
        if run.ended_at is None and not turns.worker_gone(run):
            raise Invalid(STILL_RUNNING)
        if run.ended_at is not None and run.stop_reason not in {
            *turns.RETRYABLE,
            turns.AWAITING_CONFIRMATION,
        }:
            raise Invalid(
                f"This turn already ended ({run.stop_reason}); send a new message instead."
            )
        rollups.run_reopened(session, run)
        run.ended_at, run.stop_reason, run.error = None, None, None
        run.worker, run.heartbeat_at = workers.WORKER_ID, utcnow()
        session.add(run)
        chat.end_rows(session, run.id, finished=False)
        tool_calls.release_claims(session, run.id)
        workers.driving(run.id)
        return turns.turn_record(session, run)


def nested_turn(actor: Actor, parent_tool_call_id: str) -> turns.TurnRecord | None:
    """The newest Experience Agent turn that the tool call `parent_tool_call_id` started."""
    with session_scope() as session:
        run = session.exec(
            select(AgentRun)
            .where(
                AgentRun.user_id == actor.user_id,
                AgentRun.parent_tool_call_id == parent_tool_call_id,
            )
            .order_by(col(AgentRun.started_at).desc())
        ).first()
        return None if run is None else turns.turn_record(session, run)


def previous_turn(actor: Actor, letta_agent_id: str, run_id: uuid.UUID) -> turns.TurnRecord | None:
    """The turn with the same Letta agent before `run_id` in its conversation (earlier
    conversations are out of the agent's context), which may have left it waiting."""
    with session_scope() as session:
        this = require_run(session, actor, run_id)
        run = session.exec(
            select(AgentRun)
            .where(
                AgentRun.user_id == actor.user_id,
                AgentRun.letta_agent_id == letta_agent_id,
                AgentRun.conversation_id == this.conversation_id,
                AgentRun.id != run_id,
            )
            .order_by(col(AgentRun.started_at).desc())
        ).first()
        if run is None:
            return None
        record = turns.turn_record(session, run)
        # A run whose worker is gone is interrupted, not running.
        return (
            replace(record, running=False, stop_reason="interrupted")
            if turns.worker_gone(run)
            else record
        )
