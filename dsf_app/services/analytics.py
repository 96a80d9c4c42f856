"""The Analytics page's figures: turns, latency, tokens and tool calls of the acting person's
own runs by day, read from the daily rollups (`services/rollups.py`), and evaluation scores by
day — in a range of whole UTC days and optionally one world, counting only worlds they may
still read (or no world). All worlds read the all-worlds rows, one a day, less the rows of any
world the person may no longer read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Float, Integer, and_, case, cast, func, literal, or_, true
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

from dsf_app.errors import Invalid
from dsf_app.models import Evaluation, LatencyDay, RunDay, RunWorld, ToolDay, World
from dsf_app.models.rollups import ALL_WORLDS
from dsf_app.services.access import member_worlds_clause, readable_worlds_clause
from dsf_app.services.actor import Actor

MAX_DAYS = 366


@dataclass(frozen=True)
class Window:
    """The UTC days from `first` to `last`, both included, and optionally one world."""

    first: date
    last: date
    world_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise Invalid("The end of the date range must not come before its start.")
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise Invalid(f"Pick a date range of at most {MAX_DAYS} days.")

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the window."""
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)


def world_scope(actor: Actor, world_column: Any, world_id: uuid.UUID | None) -> Any:
    """The chosen world, or all: either way only worlds the actor may still read (or none)."""
    readable = world_column.in_(select(World.id).where(readable_worlds_clause(actor)))
    if world_id is not None:
        return and_(world_column == world_id, readable)
    return or_(world_column.is_(None), readable)


@dataclass(frozen=True)
class _Rows:
    """Which rollup rows answer a window: those of the `keys` (world keys), less those of the
    worlds in `lost` — worlds the actor took turns about but may no longer read, taken back
    out of the all-worlds rows."""

    keys: list[uuid.UUID]
    lost: list[uuid.UUID]

    def where(self, model: Any, actor: Actor, window: Window) -> list[Any]:
        return [
            model.user_id == actor.user_id,
            col(model.world_key).in_(self.keys + self.lost),
            col(model.day) >= window.first,
            col(model.day) <= window.last,
        ]

    def signed(self, model: Any, column: Any) -> Any:
        """The column, negated on the rows of the lost worlds."""
        if not self.lost:
            return column
        return case((col(model.world_key).in_(self.lost), -column), else_=column)


def _rows(session: Session, actor: Actor, window: Window) -> _Rows:
    readable = select(World.id).where(readable_worlds_clause(actor))
    if window.world_id is not None:
        shown = session.exec(readable.where(World.id == window.world_id)).first()
        return _Rows([shown] if shown else [], [])
    lost = session.exec(
        select(RunWorld.world_id).where(
            RunWorld.user_id == actor.user_id, col(RunWorld.world_id).not_in(readable)
        )
    ).all()
    return _Rows([ALL_WORLDS], list(lost))


def turns_per_day(session: Session, actor: Actor, window: Window) -> list[tuple[str, int]]:
    rows = _rows(session, actor, window)
    turns = func.sum(rows.signed(RunDay, col(RunDay.turns)))
    found = session.exec(
        select(col(RunDay.day), turns)
        .where(*rows.where(RunDay, actor, window))
        .group_by(col(RunDay.day))
        .having(turns > 0)
        .order_by(col(RunDay.day))
    ).all()
    return [(day.isoformat(), int(n)) for day, n in found]


def _percentile(seconds: Any, share: float) -> Any:
    """What percentile_cont(share) gives over a sorted array, read by position."""
    position = literal(share, Float) * (func.cardinality(seconds) - 1)
    below = cast(func.floor(position), Integer)
    low = seconds[below + 1]
    return low + (position - below) * (func.coalesce(seconds[below + 2], low) - low)


def latency_per_day(
    session: Session, actor: Actor, window: Window
) -> list[tuple[str, float, float]]:
    """(day, p50 seconds, p95 seconds) of finished turns, exact: each turn's seconds are kept."""
    rows = _rows(session, actor, window)
    if rows.lost:
        return _latency_less_lost(session, actor, window, rows.lost)
    seconds = col(LatencyDay.seconds)
    found = session.exec(
        select(col(LatencyDay.day), _percentile(seconds, 0.5), _percentile(seconds, 0.95))
        .where(*rows.where(LatencyDay, actor, window), func.cardinality(seconds) > 0)
        .order_by(col(LatencyDay.day))
    ).all()
    return [(day.isoformat(), round(p50, 2), round(p95, 2)) for day, p50, p95 in found]


def _latency_less_lost(
    session: Session, actor: Actor, window: Window, lost: list[uuid.UUID]
) -> list[tuple[str, float, float]]:
    """All worlds but the lost ones: merged from the rows of each world (slower; only when the
    actor may no longer read a world they took turns about)."""
    latency = (
        func.unnest(col(LatencyDay.seconds))
        .table_valued("seconds")
        .render_derived("latency")
        .lateral()
    )
    cuts = func.percentile_cont(postgresql.array([0.5, 0.95])).within_group(latency.c.seconds)
    found = session.exec(
        select(col(LatencyDay.day), cuts)
        .select_from(LatencyDay)
        .join(latency, true())
        .where(
            LatencyDay.user_id == actor.user_id,
            col(LatencyDay.world_key).not_in([ALL_WORLDS, *lost]),
            col(LatencyDay.day) >= window.first,
            col(LatencyDay.day) <= window.last,
        )
        .group_by(col(LatencyDay.day))
        .order_by(col(LatencyDay.day))
    ).all()
    return [(day.isoformat(), round(p50, 2), round(p95, 2)) for day, (p50, p95) in found]


def tokens_per_day(session: Session, actor: Actor, window: Window) -> list[tuple[str, str, int]]:
    """(day, agent kind, total tokens)."""
    rows = _rows(session, actor, window)
    found = session.exec(
        select(
            col(RunDay.day),
            col(RunDay.agent_kind),
            func.sum(rows.signed(RunDay, col(RunDay.tokens))),
        )
        .where(*rows.where(RunDay, actor, window))
        .group_by(col(RunDay.day), col(RunDay.agent_kind))
        .having(func.sum(rows.signed(RunDay, col(RunDay.turns))) > 0)
        .order_by(col(RunDay.day), col(RunDay.agent_kind))
    ).all()
    return [(day.isoformat(), str(kind), int(n)) for day, kind, n in found]


def tool_calls(session: Session, actor: Actor, window: Window) -> list[tuple[str, int, int]]:
    """(tool, calls, errors), most called first."""
    rows = _rows(session, actor, window)
    calls = func.sum(rows.signed(ToolDay, col(ToolDay.calls)))
    found = session.exec(
        select(col(ToolDay.name), calls, func.sum(rows.signed(ToolDay, col(ToolDay.errors))))
        .where(*rows.where(ToolDay, actor, window))
        .group_by(col(ToolDay.name))
        .having(calls > 0)
        .order_by(calls.desc(), col(ToolDay.name))
    ).all()
    return [(name, int(n), int(e)) for name, n, e in found]


def scores_per_day(
    session: Session, actor: Actor, window: Window
) -> list[tuple[str, str, float, int]]:
    """(day, evaluator kind, average score 0 to 100, evaluations) of scored evaluations."""
    day = func.to_char(func.timezone("UTC", col(Evaluation.created_at)), "YYYY-MM-DD")
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
