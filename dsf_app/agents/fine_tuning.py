"""A person's runs as fine-tuning examples: one run per JSONL line in OpenAI's chat
fine-tuning format (`{"messages": [...], "tools": [...]}`, assistant tool calls with JSON
arguments, each answered by a `tool` message), rebuilt from the steps recorded during the turn,
with the agent kind's system prompt and tools. Reasoning is left out: the format has no place
for it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from dsf_app.agents import tools  # noqa: F401  (registers the tools each line lists)
from dsf_app.agents.prompts import SYSTEM_PROMPTS
from dsf_app.agents.registry import tools_for
from dsf_app.db import session_scope
from dsf_app.models import AgentKind, AgentRun, RunStep, StepKind
from dsf_app.services import run_export
from dsf_app.services.actor import Actor
from dsf_app.services.run_export import RunWithSteps


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
    schemas = [
        {"type": "function", "function": t.json_schema()}
        for t in tools_for(AgentKind(run.agent_kind))
    ]
    return {"messages": messages, "tools": schemas}


def _lines(runs: list[RunWithSteps]) -> list[str]:
    return [json.dumps(run_messages(r.run, r.steps), ensure_ascii=False) + "\n" for r in runs]


def export_run(actor: Actor, run_id: uuid.UUID) -> str:
    """One of the actor's runs as one JSONL line (NotFound if not theirs to read; "" when it
    has no recorded steps). Synchronous: run it in a worker thread."""
    with session_scope() as session:
        found = run_export.one_run(session, actor, run_id)
    return "".join(_lines(found))


def export_runs(
    actor: Actor, since: datetime, until: datetime, world_id: uuid.UUID | None = None
) -> Iterator[str]:
    """The actor's runs that started in [since, until), oldest first, one line each; read a
    page at a time, each in its own short session, so a long download holds no connection.
    Synchronous: the HTTP route iterates it in a worker thread."""
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        with session_scope() as session:
            page = run_export.runs_page(session, actor, since, until, world_id, after)
        yield from _lines(page.runs)
        if page.after is None:
            return
        after = page.after
