"""The Analytics page's figures, aggregated in PostgreSQL: turns, latency, tokens, tool calls
and evaluation scores of the acting person's own runs, by day, in a date range and optionally
one world — counting only worlds they may still read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, or_
from sqlmodel import Session, col, select

from dsf_app.errors import Invalid
from dsf_app.models import AgentRun, Evaluation, RunStep, StepKind, World
from dsf_app.services.access import member_worlds_clause, readable_worlds_clause
from dsf_app.services.actor import Actor

MAX_DAYS = 366


@dataclass(frozen=True)
class Window:
    """[since, until) and, optionally, one world."""

    since: datetime
    until: datetime
    world_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if self.until <= self.since:
            raise Invalid("The end of the date range must come after its start.")
        if (self.until - self.since).days > MAX_DAYS:
            raise Invalid(f"Pick a date range of at most {MAX_DAYS} days.")


def _day(column: Any) -> Any:
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")


def world_scope(actor: Actor, world_column: Any, world_id: uuid.UUID | None) -> Any:
    """The chosen world, or all: either way only worlds the actor may still read (or none)."""
    readable = world_column.in_(select(World.id).where(readable_worlds_clause(actor)))
    if world_id is not None:
        return and_(world_column == world_id, readable)
    return or_(world_column.is_(None), readable)


def _runs(actor: Actor, window: Window) -> list[Any]:
    """The actor's runs that started in the window."""
    return [
        AgentRun.user_id == actor.user_id,
        AgentRun.started_at >= window.since,
        AgentRun.started_at < window.until,
        world_scope(actor, col(AgentRun.world_id), window.world_id),
    ]


def turns_per_day(session: Session, actor: Actor, window: Window) -> list[tuple[str, int]]:
    day = _day(AgentRun.started_at)
    rows = session.exec(
        select(day, func.count()).where(*_runs(actor, window)).group_by(day).order_by(day)
    ).all()
    return [(d, int(n)) for d, n in rows]


def latency_per_day(
    session: Session, actor: Actor, window: Window
) -> list[tuple[str, float, float]]:
    """(day, p50 seconds, p95 seconds) of finished turns."""
    day = _day(AgentRun.started_at)
    seconds = func.extract("epoch", col(AgentRun.ended_at) - col(AgentRun.started_at))
    rows = session.exec(
        select(
            day,
            func.percentile_cont(0.5).within_group(seconds),
            func.percentile_cont(0.95).within_group(seconds),
        )
        .where(*_runs(actor, window), col(AgentRun.ended_at).is_not(None))
        .group_by(day)
        .order_by(day)
    ).all()
    return [(d, round(float(p50), 2), round(float(p95), 2)) for d, p50, p95 in rows]


def tokens_per_day(session: Session, actor: Actor, window: Window) -> list[tuple[str, str, int]]:
    """(day, agent kind, total tokens)."""
    day = _day(AgentRun.started_at)
    tokens = func.coalesce(cast(col(AgentRun.usage)["total_tokens"].astext, Integer), 0)
    rows = session.exec(
        select(day, AgentRun.agent_kind, func.sum(tokens))
        .where(*_runs(actor, window))
        .group_by(day, AgentRun.agent_kind)
        .order_by(day, AgentRun.agent_kind)
    ).all()
    return [(d, str(kind), int(n)) for d, kind, n in rows]


def tool_calls(session: Session, actor: Actor, window: Window) -> list[tuple[str, int, int]]:
    """(tool, calls, errors), most called first."""
    errors = func.sum(case((RunStep.status == "error", 1), else_=0))
    conditions = [
        RunStep.user_id == actor.user_id,
        RunStep.kind == StepKind.TOOL,
        RunStep.started_at >= window.since,
        RunStep.started_at < window.until,
        world_scope(actor, col(RunStep.world_id), window.world_id),
    ]
    rows = session.exec(
        select(RunStep.name, func.count(), errors)
        .where(*conditions)
        .group_by(RunStep.name)
        .order_by(func.count().desc(), RunStep.name)
    ).all()
    return [(name, int(n), int(e)) for name, n, e in rows]


def scores_per_day(
    session: Session, actor: Actor, window: Window
) -> list[tuple[str, str, float, int]]:
    """(day, evaluator kind, average score 0 to 100, evaluations) of scored evaluations."""
    day = _day(Evaluation.created_at)
    query = (
        select(day, Evaluation.kind, func.avg(Evaluation.score), func.count())
        .where(
            Evaluation.user_id == actor.user_id,
            world_scope(actor, col(Evaluation.world_id), window.world_id),
            col(Evaluation.score).is_not(None),
            Evaluation.created_at >= window.since,
            Evaluation.created_at < window.until,
        )
        .group_by(day, Evaluation.kind)
        .order_by(day, Evaluation.kind)
    )
    return [(d, str(k), round(float(a), 1), int(n)) for d, k, a, n in session.exec(query).all()]


def world_choices(session: Session, actor: Actor, limit: int = 200) -> list[tuple[uuid.UUID, str]]:
    """The worlds the actor owns or works on, by name, for the world filter."""
    return [
        (world_id, name)
        for world_id, name in session.exec(
            select(World.id, World.name)
            .where(member_worlds_clause(actor))
            .order_by(col(World.name))
            .limit(limit)
        ).all()
    ]
