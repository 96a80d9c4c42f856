"""A person's runs as JSONL trajectories: one run per line in OpenAI's chat fine-tuning format
(`{"messages": [...], "tools": [...]}`, assistant tool calls with JSON arguments, each answered
by a `tool` message), rebuilt from the steps recorded during the turn. Reasoning is left out:
the format has no place for it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from dsf_app.agents.prompts import SYSTEM_PROMPTS
from dsf_app.agents.registry import tools_for
from dsf_app.db import session_scope
from dsf_app.models import AgentKind, AgentRun, RunStep, StepKind
from dsf_app.services.actor import Actor
from dsf_app.services.analytics import world_scope
from dsf_app.services.trajectories import readable_run

PAGE = 200


def run_messages(run: AgentRun, steps: list[RunStep]) -> dict[str, Any]:
    """One run as a fine-tuning example: the agent's system prompt, the person's message, and
    each model request's reply (text and tool calls) followed by the tools' results."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPTS[AgentKind(run.agent_kind)]}
    ]
    turns: list[list[RunStep]] = []
    for step in steps:
        if step.kind == StepKind.MODEL:
            turns.append([step])
        elif turns and step.kind in (StepKind.MESSAGE, StepKind.TOOL, StepKind.RETRIEVAL):
            turns[-1].append(step)
    for number, (request, *answer) in enumerate(turns):
        if number == 0 and request.detail.get("input"):
            messages.append({"role": "user", "content": request.detail["input"]})
        text = "".join(s.detail.get("text", "") for s in answer if s.kind == StepKind.MESSAGE)
        calls = [s for s in answer if s.kind != StepKind.MESSAGE and s.tool_call_id]
        if not text and not calls:
            continue
        reply: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            reply["tool_calls"] = [
                {
                    "id": s.tool_call_id,
                    "type": "function",
                    "function": {"name": s.name, "arguments": s.detail.get("arguments") or "{}"},
                }
                for s in calls
            ]
        messages.append(reply)
        messages += [
            {"role": "tool", "tool_call_id": s.tool_call_id, "content": s.detail.get("result", "")}
            for s in calls
        ]
    tools = [
        {"type": "function", "function": t.json_schema()}
        for t in tools_for(AgentKind(run.agent_kind))
    ]
    return {"messages": messages, "tools": tools}


def _lines(session: Session, runs: list[AgentRun]) -> list[str]:
    steps: dict[uuid.UUID, list[RunStep]] = {run.id: [] for run in runs}
    for step in session.exec(
        select(RunStep)
        .where(col(RunStep.run_id).in_(list(steps)))
        .order_by(col(RunStep.run_id), col(RunStep.position))
    ).all():
        steps[step.run_id].append(step)
    return [
        json.dumps(run_messages(run, steps[run.id]), ensure_ascii=False) + "\n"
        for run in runs
        if steps[run.id]
    ]


def export_run(actor: Actor, run_id: uuid.UUID) -> str:
    """One of the actor's runs as one JSONL line (NotFound if not theirs to read)."""
    with session_scope() as session:
        return "".join(_lines(session, [readable_run(session, actor, run_id)]))


def export_runs(
    actor: Actor, since: datetime, until: datetime, world_id: uuid.UUID | None = None
) -> Iterator[str]:
    """The actor's runs that started in [since, until), oldest first, one line each; read a
    page at a time, each in its own short session, so a long download holds no connection."""
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        with session_scope() as session:
            query = (
                select(AgentRun)
                .where(
                    AgentRun.user_id == actor.user_id,
                    AgentRun.started_at >= since,
                    AgentRun.started_at < until,
                    world_scope(actor, col(AgentRun.world_id), world_id),
                )
                .order_by(col(AgentRun.started_at), col(AgentRun.id))
                .limit(PAGE)
            )
            if after is not None:
                query = query.where(
                    (col(AgentRun.started_at) > after[0])
                    | ((col(AgentRun.started_at) == after[0]) & (col(AgentRun.id) > after[1]))
                )
            runs = list(session.exec(query).all())
            lines = _lines(session, runs)
        yield from lines
        if len(runs) < PAGE:
            return
        after = (runs[-1].started_at, runs[-1].id)
