"""Agent runs: one per turn, belonging to the person who took it, searchable by meaning."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import Float
from sqlmodel import Session, col, select

from dsf_app import embeddings
from dsf_app.errors import Invalid, ServiceUnavailable
from dsf_app.models import AgentKind, AgentRun
from dsf_app.models.columns import utcnow
from dsf_app.services import validation
from dsf_app.services.access import require_run, require_world
from dsf_app.services.actor import Actor

log = logging.getLogger(__name__)
# What a run's summary keeps of its turn: more than the embedding model reads (256 tokens).
SUMMARY_CHARS = 2000
# all-MiniLM-L6-v2 puts unrelated texts below about 0.2 cosine similarity and related ones above
# about 0.35: runs farther than this from the query are not a match.
MAX_DISTANCE = 0.75


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
    prompt: str = "",
    reply: str = "",
) -> AgentRun:
    """Record how the turn ended — with its text (prompt, tools used, reply) as the summary and
    that text's embedding, so it can be found by meaning; a run finishes once. An embedding
    that cannot be computed is logged and left empty: the run is recorded all the same."""
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
    run.summary = turn_text(prompt, reply, outcome["tool_calls"])
    run.embedding = _embedding(run.summary, run.id)
    run.ended_at = utcnow()
    session.add(run)
    session.flush()
    return run


def turn_text(prompt: str, reply: str, tool_calls: list[Any]) -> str:
    """What a turn was about, as one text: the person's prompt, the tools used, the reply."""
    names = dict.fromkeys(
        str(call.get("name")) for call in tool_calls if isinstance(call, dict) and call.get("name")
    )
    parts = [prompt.strip(), f"Tools: {', '.join(names)}" if names else "", reply.strip()]
    return "\n".join(part for part in parts if part)[:SUMMARY_CHARS]


def _embedding(text: str, run_id: uuid.UUID) -> list[float] | None:
    if not text:
        return None
    try:
        return embeddings.embed([text])[0]
    except Exception:  # any failure of the model: the run matters more than its search
        log.exception("Could not embed agent run %s; it is recorded without an embedding", run_id)
        return None


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


def search_runs(
    session: Session,
    actor: Actor,
    query: str,
    limit: int = 20,
    *,
    max_distance: float = MAX_DISTANCE,
) -> list[AgentRun]:
    """The actor's runs nearest in meaning to `query` (cosine distance of the embeddings),
    nearest first; runs without an embedding, or farther than `max_distance`, are left out."""
    term = validation.search_term(query)
    if term is None:
        raise Invalid("Type what you are looking for, e.g. “the world with floating cities”.")
    validation.page(limit, 0)
    try:
        vector = embeddings.embed([term])[0]
    except Exception as exc:
        log.exception("Could not embed a run search")
        raise ServiceUnavailable(
            f"Searching runs by meaning is unavailable: the embedding model failed ({exc}). "
            "Clear the search to see your runs newest first."
        ) from exc
    distance = col(AgentRun.embedding).op("<=>", return_type=Float)(vector)  # cosine distance
    return list(
        session.exec(
            select(AgentRun)
            .where(
                AgentRun.user_id == actor.user_id,
                col(AgentRun.embedding).is_not(None),
                distance <= max_distance,
            )
            .order_by(distance, col(AgentRun.id))
            .limit(limit)
        ).all()
    )
