"""A run's trajectory page: every step of one of the person's runs on one time axis, each
delegation's steps nested under the tool call that started it."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

import reflex as rx

from dsf_app.services import trajectories
from dsf_app.services.trajectories import TimelineStep
from dsf_app.state.feedback import when
from dsf_app.state.url_page import UrlPage

RUN_PATH = re.compile(r"^/runs/(?P<run>[^/?]+)/?$")


@dataclass(frozen=True)
class StepView:
    depth: int
    kind: str
    label: str
    status: str
    failed: bool
    left: str  # where the bar starts, as a share of the run's span ("12.5%")
    width: str
    duration: str
    facts: str  # tokens, latency to the first chunk, Letta step id
    detail: str  # arguments and result, the text, or what was sent


def _detail(step: TimelineStep) -> str:
    detail = step.detail
    parts = []
    for key, label in (
        ("input", "Sent"),
        ("arguments", "Arguments"),
        ("result", "Result"),
        ("text", ""),
        ("error", "Error"),
    ):
        value = detail.get(key)
        if value:
            parts.append(f"{label}: {value}" if label else str(value))
    if detail.get("items"):
        parts.append(json.dumps(detail["items"], indent=1, ensure_ascii=False))
    return "\n\n".join(parts)


def _facts(step: TimelineStep) -> str:
    facts = []
    if step.kind == "model":
        facts.append(f"{step.prompt_tokens} tokens in · {step.completion_tokens} out")
        if "first_chunk_ms" in step.detail:
            facts.append(f"first chunk after {step.detail['first_chunk_ms']} ms")
    if step.detail.get("ran_on") == "letta":
        facts.append("run by Letta")
    if step.letta_step_id:
        facts.append(step.letta_step_id)
    return " · ".join(facts)


def step_view(step: TimelineStep, span_ms: int) -> StepView:
    label = step.name or {"model": "model request", "message": "reply"}.get(step.kind, step.kind)
    return StepView(
        depth=step.depth,
        kind=step.kind,
        label=label,
        status=step.status,
        failed=step.status == "error",
        left=f"{100 * step.offset_ms / span_ms:.2f}%",
        width=f"{max(100 * step.duration_ms / span_ms, 0.4):.2f}%",
        duration=f"{step.duration_ms} ms",
        facts=_facts(step),
        detail=_detail(step),
    )


def run_route_id(path: str) -> uuid.UUID | None:
    """The run of /runs/<id> (None for any other path or a malformed id)."""
    match = RUN_PATH.match(path.split("?", 1)[0])
    try:
        return uuid.UUID(match["run"]) if match else None
    except ValueError:
        return None


class TrajectoryState(UrlPage, rx.State):
    """One of the person's runs, named by the URL (/runs/<id>)."""

    run_key: rx.Field[str] = rx.field("")
    agent: rx.Field[str] = rx.field("")
    started: rx.Field[str] = rx.field("")
    stop_reason: rx.Field[str] = rx.field("")
    total: rx.Field[str] = rx.field("")
    tokens: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    steps: rx.Field[list[StepView]] = rx.field(default_factory=list)

    def _forget(self) -> None:
        self.run_key, self.steps = "", []

    async def _fetch(self, *, initial: bool) -> None:
        run_id = self._to_fetch(run_route_id(self.router.url.path), self.run_key, initial=initial)
        if run_id is None:
            return
        found = await self._look_up(initial, trajectories.trajectory, run_id)
        if found is None:
            return
        run = found.run
        self.run_key = str(run.id)
        self.agent = f"{run.agent_kind} agent"
        self.started = when(run.started_at)
        self.stop_reason = run.stop_reason or "running or interrupted"
        self.total = f"{found.span_ms / 1000:.2f} s"
        self.tokens = f"{int(run.usage.get('total_tokens', 0))} tokens"
        self.error = run.error or ""
        self.steps = [step_view(step, found.span_ms) for step in found.steps]
        self.found, self.loading = True, False
