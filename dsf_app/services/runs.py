"""Agent runs: one per turn, belonging to the person who took it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from dsf_app.errors import Invalid
from dsf_app.models import AgentKind, AgentRun
from dsf_app.models.columns import utcnow
from dsf_app.services import validation
from dsf_app.services.access import require_run, require_world
from dsf_app.services.actor import Actor


def start_run(
    session: Session,
    actor: Actor,
    agent_kind: AgentKind | str,
    world_id: uuid.UUID | None,
    letta_agent_id: str,
) -> AgentRun:
    """A new run for the actor's turn with an agent, about a world they may read (or none)."""
    run = AgentRun(
        user_id=actor.user_id,
        agent_kind=validation.choice(agent_kind, AgentKind, what="agent kind"),
        world_id=None if world_id is None else require_world(session, actor, world_id).id,
        letta_agent_id=validation.text(
            letta_agent_id, what="Letta agent id", max_length=100, required=True
        ),
    )
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    actor: Actor,
    run_id: uuid.UUID,
    stop_reason: str,
    steps: int = 0,
    tool_calls: list[Any] | None = None,
    usage: dict[str, Any] | None = None,
    error: str | None = None,
    letta_run_ids: list[str] | None = None,
) -> AgentRun:
    """Record how the turn ended; a run finishes once."""
    outcome = {
        "stop_reason": validation.text(
            stop_reason, what="stop reason", max_length=40, required=True
        ),
        "steps": validation.count(steps, what="step count"),
        "tool_calls": validation.json_list(tool_calls, what="tool calls"),
        "usage": validation.json_object(usage, what="token usage"),
        "error": None if error is None else validation.text(error, what="error", strip=False),
        "letta_run_ids": validation.json_list(letta_run_ids, what="Letta run ids"),
    }
    run = require_run(session, actor, run_id)
    if run.ended_at is not None:
        raise Invalid(f"Agent run {run_id} already finished at {run.ended_at.isoformat()}.")
    for name, value in outcome.items():
        setattr(run, name, value)
    run.ended_at = utcnow()
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, actor: Actor, run_id: uuid.UUID) -> AgentRun:
    return require_run(session, actor, run_id)


def list_runs(
    session: Session, actor: Actor, *, limit: int = 20, offset: int = 0
) -> list[AgentRun]:
    """The actor's runs, newest first."""
    validation.page(limit, offset)
    return list(
        session.exec(
            select(AgentRun)
            .where(AgentRun.user_id == actor.user_id)
            .order_by(col(AgentRun.started_at).desc(), col(AgentRun.id).desc())
            .limit(limit)
            .offset(offset)
        ).all()
    )
