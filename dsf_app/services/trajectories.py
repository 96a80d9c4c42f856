"""A run's trajectory: its steps stored in order, and read back as a timeline with nested
delegations — only for the person whose run it is, while they may still read its world."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from dsf_app.errors import NotFound
from dsf_app.models import AgentRun, RunStep, StepKind, World
from dsf_app.services import rollups
from dsf_app.services.access import not_visible, readable_worlds_clause, require_run
from dsf_app.services.actor import Actor

# Delegations nest: a World Agent hands work to the Experience Agent, which cannot delegate.
MAX_DEPTH = 3


@dataclass
class StepRecord:
    """One step before it is saved; `started` is wall-clock, durations come from a monotonic
    clock so a clock change mid-turn cannot make a step negative."""

    kind: StepKind
    started: datetime
    name: str = ""
    tool_call_id: str | None = None
    letta_step_id: str | None = None
    status: str = ""
    duration_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    detail: dict[str, Any] = field(default_factory=dict)
    clock: float = field(default_factory=time.monotonic)

    def stop(self) -> None:
        self.duration_ms = max(0, int((time.monotonic() - self.clock) * 1000))


@dataclass(frozen=True)
class TimelineStep:
    """A step placed on its run's time axis; `depth` > 0 inside a delegation."""

    depth: int
    kind: str
    name: str
    status: str
    offset_ms: int
    duration_ms: int
    prompt_tokens: int
    completion_tokens: int
    letta_step_id: str
    tool_call_id: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Trajectory:
    run: AgentRun
    steps: list[TimelineStep]
    span_ms: int  # from the run's start to the end of its last step


def record_steps(
    session: Session, actor: Actor, run_id: uuid.UUID, steps: Sequence[StepRecord]
) -> None:
    """Add steps to the actor's own run, in the order they began, after those it has. A tool
    call the run already has is not added again: a continued turn answers a call that ran
    before from its stored outcome."""
    run = require_run(session, actor, run_id)
    calls = {
        step.tool_call_id for step in steps if step.kind == StepKind.TOOL and step.tool_call_id
    }
    known = set(
        session.exec(
            select(RunStep.tool_call_id).where(
                RunStep.run_id == run.id,
                RunStep.kind == StepKind.TOOL,
                col(RunStep.tool_call_id).in_(calls),
            )
        ).all()
        if calls
        else ()
    )
    new = [
        step for step in steps if not (step.kind == StepKind.TOOL and step.tool_call_id in known)
    ]
    after = session.exec(select(func.max(RunStep.position)).where(RunStep.run_id == run.id)).one()
    first = 0 if after is None else after + 1
    rows = [
        RunStep(
            run_id=run.id,
            user_id=actor.user_id,
            world_id=run.world_id,
            parent_call_id=run.parent_tool_call_id,
            position=position,
            kind=step.kind,
            name=step.name,
            tool_call_id=step.tool_call_id,
            letta_step_id=step.letta_step_id,
            status=step.status[:40],
            started_at=step.started,
            duration_ms=step.duration_ms,
            prompt_tokens=step.prompt_tokens,
            completion_tokens=step.completion_tokens,
            detail=step.detail,
        )
        for position, step in enumerate(sorted(new, key=lambda s: s.started), start=first)
    ]
    if not rows:
        return
    session.add_all(rows)
    session.flush()
    rollups.steps_saved(session, run, rows)


def readable_run(session: Session, actor: Actor, run_id: uuid.UUID) -> AgentRun:
    """One of the actor's own runs, about no world or a world they may still read."""
    run = require_run(session, actor, run_id)
    if (
        run.world_id is not None
        and not session.exec(
            select(World.id).where(World.id == run.world_id, readable_worlds_clause(actor))
        ).first()
    ):
        raise NotFound(not_visible("agent run", run_id))
    return run


def trajectory(session: Session, actor: Actor, run_id: uuid.UUID) -> Trajectory:
    """Every step of the run in order, each delegation's steps nested under its tool call."""
    run = readable_run(session, actor, run_id)
    own = _steps(session, actor, RunStep.run_id == run.id)
    placed = _nest(session, actor, own, 0)
    origin = run.started_at
    steps = [
        TimelineStep(
            depth=depth,
            kind=row.kind,
            name=row.name,
            status=row.status,
            offset_ms=max(0, int((row.started_at - origin).total_seconds() * 1000)),
            duration_ms=row.duration_ms,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            letta_step_id=row.letta_step_id or "",
            tool_call_id=row.tool_call_id or "",
            detail=row.detail,
        )
        for depth, row in placed
    ]
    ended = run.ended_at or origin
    span = max(
        [int((ended - origin).total_seconds() * 1000)]
        + [step.offset_ms + step.duration_ms for step in steps]
    )
    return Trajectory(run=run, steps=steps, span_ms=max(span, 1))


def _steps(session: Session, actor: Actor, *where: Any) -> list[RunStep]:
    return list(
        session.exec(
            select(RunStep)
            .where(RunStep.user_id == actor.user_id, *where)
            .order_by(col(RunStep.started_at), col(RunStep.position))
        ).all()
    )


def _nest(
    session: Session, actor: Actor, rows: list[RunStep], depth: int
) -> list[tuple[int, RunStep]]:
    """The rows at `depth`, each tool call followed by the steps of the turn it started."""
    calls = [row.tool_call_id for row in rows if row.kind == StepKind.TOOL and row.tool_call_id]
    children: dict[str, list[RunStep]] = {}
    if calls and depth < MAX_DEPTH:
        for child in _steps(session, actor, col(RunStep.parent_call_id).in_(calls)):
            children.setdefault(child.parent_call_id or "", []).append(child)
    placed: list[tuple[int, RunStep]] = []
    for row in rows:
        placed.append((depth, row))
        nested = children.get(row.tool_call_id or "") if row.kind == StepKind.TOOL else None
        if nested:
            placed += _nest(session, actor, nested, depth + 1)
    return placed
