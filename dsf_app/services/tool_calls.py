"""Each tool call of a turn, run at most once: its chat row, its claim before it runs (so a call
Letta or a Retry asks for twice returns the stored outcome instead of running again), its
outcome (committed together with the tool's own change), and the claims a turn that stopped
left behind.

Every function takes the acting person first; anyone else's tool call is NotFound. These
functions block on the database: async callers run them in a worker thread.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col

from dsf_app.db import session_scope
from dsf_app.errors import NotFound
from dsf_app.models import ToolExecution
from dsf_app.models.columns import utcnow
from dsf_app.services import chat, validation
from dsf_app.services.access import require_run
from dsf_app.services.actor import Actor

RUNNING = "running"


@dataclass(frozen=True)
class Claim:
    """A tool call about to run: `outcome` (status, result) when it already ran and must not
    run again; `busy` when another living turn is running it now."""

    outcome: tuple[str, str] | None = None
    busy: bool = False


def _arguments(arguments: str) -> dict[str, Any]:
    try:
        args = json.loads(arguments) if arguments else {}
    except (json.JSONDecodeError, RecursionError):  # absurdly deep JSON too
        return {"raw": arguments[:5000]}
    return args if isinstance(args, dict) else {"value": args}


def record_tool_call(
    actor: Actor, run_id: uuid.UUID, tool_call_id: str, name: str, arguments: str
) -> None:
    """The chat row of a tool call, once however often the turn shows it."""
    with session_scope() as session:
        run = require_run(session, actor, run_id)
        if chat.has_tool_call(session, actor, tool_call_id):
            return
        chat.append_message(
            session,
            actor,
            run.world_id,
            "tool",
            "",
            "tool_call",
            story_id=run.story_id,
            run_id=run.id,
            tool_call_id=tool_call_id,
            tool_name=name[:100],
            tool_args=_arguments(arguments),
            tool_status=RUNNING,
        )


def claim_tool_call(actor: Actor, run_id: uuid.UUID | None, tool_call_id: str, name: str) -> Claim:
    """Mark a tool call as running before it runs, unless it already ran or is running."""
    with session_scope() as session:
        if run_id is not None:
            require_run(session, actor, run_id)
        claimed = session.execute(
            insert(ToolExecution)
            .values(
                tool_call_id=validation.text(
                    tool_call_id, what="tool call id", max_length=100, required=True
                ),
                user_id=actor.user_id,
                run_id=run_id,
                tool_name=name[:100],
                status=RUNNING,
                result="",
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["tool_call_id"])
            .returning(col(ToolExecution.tool_call_id))
        ).first()
        if claimed is not None:
            return Claim()
        done = session.get(ToolExecution, tool_call_id)
        if done is None or done.user_id != actor.user_id:
            raise NotFound(f"No tool call {tool_call_id} is visible to you.")
        if done.status == RUNNING:
            return Claim(busy=True)
        return Claim(outcome=(done.status, done.result))


def save_tool_outcome(
    session: Session, actor: Actor, tool_call_id: str, name: str, status: str, result: str
) -> None:
    """Record a tool call's outcome in the caller's transaction — the one that makes the tool's
    change — so the change and the proof that it ran commit together or not at all."""
    session.execute(
        insert(ToolExecution)
        .values(
            tool_call_id=tool_call_id,
            user_id=actor.user_id,
            tool_name=name[:100],
            status=status,
            result=result,
            created_at=utcnow(),
            finished_at=utcnow(),
        )
        .on_conflict_do_update(
            index_elements=["tool_call_id"],
            set_={"status": status, "result": result, "finished_at": utcnow()},
            where=col(ToolExecution.user_id) == actor.user_id,
        )
    )
    chat.record_tool_outcome(session, actor, tool_call_id, status, result)


def record_tool_outcome(
    actor: Actor, tool_call_id: str, name: str, status: str, result: str
) -> None:
    """The outcome of a call that changed nothing (or failed), in its own transaction."""
    with session_scope() as session:
        save_tool_outcome(session, actor, tool_call_id, name, status, result)


def release_claims(session: Session, run_id: uuid.UUID) -> None:
    """Claims of calls that never finished: nothing of theirs was committed, so they may run
    again when the turn continues."""
    session.execute(
        delete(ToolExecution).where(
            col(ToolExecution.run_id) == run_id, col(ToolExecution.status) == RUNNING
        )
    )
