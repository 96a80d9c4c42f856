"""Keeping the daily rollups (`models/rollups.py`) equal to the runs and steps they count: a run
counts as a turn of the day it started when it starts, its tokens and latency when it finishes,
its tool calls when its steps are saved — each an upsert, in the caller's transaction, of the
row for its world and the row for all worlds, so a rollup never counts what was rolled back.
`rebuild` recounts a person's rollups from scratch.

Each statement writes its rows in primary-key order, and a transaction touches the tables in
one order (runs, then latency, then tools): two turns of one person that finish at once wait
for each other on the shared all-worlds row instead of deadlocking."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Integer,
    cast,
    delete,
    func,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlmodel import Session, col

from dsf_app.models import AgentRun, LatencyDay, RunDay, RunStep, RunWorld, StepKind, ToolDay
from dsf_app.models.rollups import ALL_WORLDS, NO_WORLD
from dsf_app.services.actor import Actor

RUN_KEY = ["user_id", "world_key", "day", "agent_kind"]
LATENCY_KEY = ["user_id", "world_key", "day"]
TOOL_KEY = ["user_id", "world_key", "day", "name"]


def _day(at: datetime) -> date:
    return at.astimezone(UTC).date()


def _tokens(usage: dict[str, Any]) -> int:
    try:
        return int(usage.get("total_tokens") or 0)
    except (TypeError, ValueError):
        return 0


def _both(world_id: uuid.UUID | None, **row: Any) -> list[dict[str, Any]]:
    """The row for the world (or no world) and the row for all worlds, in key order."""
    own = {**row, "world_key": world_id or NO_WORLD, "world_id": world_id}
    every = {**row, "world_key": ALL_WORLDS, "world_id": None}
    return sorted([own, every], key=lambda r: r["world_key"])


def _table(model: type) -> Any:
    return model.__table__.c


def _count_run(session: Session, run: AgentRun, *, turns: int, tokens: int) -> None:
    rows = _both(
        run.world_id,
        user_id=run.user_id,
        day=_day(run.started_at),
        agent_kind=str(run.agent_kind),
        turns=turns,
        tokens=tokens,
    )
    upsert = insert(RunDay).values(rows)
    table = _table(RunDay)
    session.exec(
        upsert.on_conflict_do_update(
            index_elements=RUN_KEY,
            set_={
                "turns": table.turns + upsert.excluded.turns,
                "tokens": table.tokens + upsert.excluded.tokens,
            },
        )
    )


def run_started(session: Session, run: AgentRun) -> None:
    """Count a run that was just started (by `runs.start_run`, which checked who may)."""
    _count_run(session, run, turns=1, tokens=0)
    if run.world_id is not None:
        session.exec(
            insert(RunWorld)
            .values(user_id=run.user_id, world_id=run.world_id)
            .on_conflict_do_nothing()
        )


def run_finished(session: Session, run: AgentRun) -> None:
    """Count a finished run's tokens and latency on the day it started."""
    if run.ended_at is None:
        return
    _count_run(session, run, turns=0, tokens=_tokens(run.usage))
    seconds = (run.ended_at - run.started_at).total_seconds()
    rows = _both(run.world_id, user_id=run.user_id, day=_day(run.started_at), seconds=[seconds])
    upsert = insert(LatencyDay).values(rows)
    table = _table(LatencyDay)
    # Kept sorted: a day holds a few hundred turns at most, merged again as one arrives.
    value = func.unnest(func.array_cat(table.seconds, upsert.excluded.seconds)).column_valued("s")
    merged = func.array(select(value).order_by(value).scalar_subquery())
    session.exec(upsert.on_conflict_do_update(index_elements=LATENCY_KEY, set_={"seconds": merged}))


def run_reopened(session: Session, run: AgentRun) -> None:
    """Take back a finished run's tokens and latency before it continues (Retry): it is
    counted again, with all its tokens and its new end, when it finishes again."""
    if run.ended_at is None:
        return
    _count_run(session, run, turns=0, tokens=-_tokens(run.usage))
    seconds = (run.ended_at - run.started_at).total_seconds()
    table = _table(LatencyDay)
    at = func.array_position(table.seconds, seconds)
    keys = [key["world_key"] for key in _both(run.world_id)]
    session.exec(
        update(LatencyDay)
        .where(
            col(LatencyDay.user_id) == run.user_id,
            col(LatencyDay.world_key).in_(keys),
            col(LatencyDay.day) == _day(run.started_at),
            at.is_not(None),
        )
        .values(
            seconds=func.array_cat(
                table.seconds[1 : at - 1], table.seconds[at + 1 : func.cardinality(table.seconds)]
            )
        )
    )


def steps_saved(session: Session, run: AgentRun, steps: Iterable[RunStep]) -> None:
    """Count the tool calls among a run's steps that were just saved (by
    `trajectories.record_steps`)."""
    calls: Counter[tuple[date, str]] = Counter()
    errors: Counter[tuple[date, str]] = Counter()
    for step in steps:
        if step.kind == StepKind.TOOL:
            key = (_day(step.started_at), step.name)
            calls[key] += 1
            errors[key] += step.status == "error"
    rows = sorted(
        (
            row
            for (day, name), n in calls.items()
            for row in _both(
                run.world_id,
                user_id=run.user_id,
                day=day,
                name=name,
                calls=n,
                errors=errors[day, name],
            )
        ),
        key=lambda r: (r["world_key"], r["day"], r["name"]),
    )
    if not rows:
        return
    upsert = insert(ToolDay).values(rows)
    table = _table(ToolDay)
    session.exec(
        upsert.on_conflict_do_update(
            index_elements=TOOL_KEY,
            set_={
                "calls": table.calls + upsert.excluded.calls,
                "errors": table.errors + upsert.excluded.errors,
            },
        )
    )


def rebuild(session: Session, actor: Actor) -> None:
    """Recount the actor's rollups from their runs and steps: after rows were written without
    the services (a bulk import, the benchmark's seed), or to check the kept counts."""
    for model in (RunDay, LatencyDay, ToolDay, RunWorld):
        session.exec(delete(model).where(col(model.user_id) == actor.user_id))
    for per_world in (True, False):
        _recount_runs(session, actor, per_world)
        _recount_tools(session, actor, per_world)
    session.exec(
        insert(RunWorld).from_select(
            ["user_id", "world_id"],
            select(col(AgentRun.user_id), col(AgentRun.world_id))
            .where(col(AgentRun.user_id) == actor.user_id, col(AgentRun.world_id).is_not(None))
            .distinct(),
        )
    )
    session.flush()


def _world_columns(world: Any, per_world: bool) -> tuple[list[Any], list[Any]]:
    """What to select for (world_key, world_id), and what to group by besides the day."""
    if per_world:
        return [func.coalesce(world, literal(NO_WORLD)), world], [world]
    return [literal(ALL_WORLDS), null()], []


def _recount_runs(session: Session, actor: Actor, per_world: bool) -> None:
    world, by_world = _world_columns(col(AgentRun.world_id), per_world)
    day = cast(func.timezone("UTC", col(AgentRun.started_at)), Date)
    tokens = func.coalesce(cast(col(AgentRun.usage)["total_tokens"].astext, BigInteger), 0)
    seconds = cast(func.extract("epoch", col(AgentRun.ended_at) - col(AgentRun.started_at)), Float)
    runs = col(AgentRun.user_id) == actor.user_id
    session.exec(
        insert(RunDay).from_select(
            ["user_id", "world_key", "world_id", "day", "agent_kind", "turns", "tokens"],
            select(
                col(AgentRun.user_id),
                *world,
                day,
                col(AgentRun.agent_kind),
                cast(func.count(), Integer),
                func.sum(tokens),
            )
            .where(runs)
            .group_by(col(AgentRun.user_id), *by_world, day, col(AgentRun.agent_kind)),
        )
    )
    session.exec(
        insert(LatencyDay).from_select(
            ["user_id", "world_key", "world_id", "day", "seconds"],
            select(
                col(AgentRun.user_id),
                *world,
                day,
                func.array_agg(aggregate_order_by(seconds, seconds)),
            )
            .where(runs, col(AgentRun.ended_at).is_not(None))
            .group_by(col(AgentRun.user_id), *by_world, day),
        )
    )


def _recount_tools(session: Session, actor: Actor, per_world: bool) -> None:
    world, by_world = _world_columns(col(RunStep.world_id), per_world)
    day = cast(func.timezone("UTC", col(RunStep.started_at)), Date)
    session.exec(
        insert(ToolDay).from_select(
            ["user_id", "world_key", "world_id", "day", "name", "calls", "errors"],
            select(
                col(RunStep.user_id),
                *world,
                day,
                col(RunStep.name),
                cast(func.count(), Integer),
                cast(func.count().filter(col(RunStep.status) == "error"), Integer),
            )
            .where(col(RunStep.user_id) == actor.user_id, col(RunStep.kind) == StepKind.TOOL)
            .group_by(col(RunStep.user_id), *by_world, day, col(RunStep.name)),
        )
    )
