"""What the JSONL export of runs reads: one of the person's runs with its steps, or a page of
their runs in a date range (and optionally one world) with their steps, oldest first. Only runs
about no world or a world the person may still read; runs without recorded steps are left out
(they have nothing to export)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from dsf_app.models import AgentRun, RunStep
from dsf_app.services.actor import Actor
from dsf_app.services.analytics import world_scope
from dsf_app.services.trajectories import readable_run

PAGE = 200


@dataclass(frozen=True)
class RunWithSteps:
    run: AgentRun
    steps: list[RunStep]  # in order


@dataclass(frozen=True)
class Page:
    runs: list[RunWithSteps]
    after: tuple[datetime, uuid.UUID] | None  # where the next page starts; None at the end


def _with_steps(session: Session, runs: list[AgentRun]) -> list[RunWithSteps]:
    steps: dict[uuid.UUID, list[RunStep]] = {run.id: [] for run in runs}
    for step in session.exec(
        select(RunStep)
        .where(col(RunStep.run_id).in_(list(steps)))
        .order_by(col(RunStep.run_id), col(RunStep.position))
    ).all():
        steps[step.run_id].append(step)
    return [RunWithSteps(run, steps[run.id]) for run in runs if steps[run.id]]


def one_run(session: Session, actor: Actor, run_id: uuid.UUID) -> list[RunWithSteps]:
    """The actor's run (NotFound if not theirs to read), or nothing if it has no steps."""
    return _with_steps(session, [readable_run(session, actor, run_id)])


def runs_page(
    session: Session,
    actor: Actor,
    since: datetime,
    until: datetime,
    world_id: uuid.UUID | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> Page:
    """Up to PAGE of the actor's runs that started in [since, until), after `after`."""
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
    more = (runs[-1].started_at, runs[-1].id) if len(runs) == PAGE else None
    return Page(_with_steps(session, runs), more)
