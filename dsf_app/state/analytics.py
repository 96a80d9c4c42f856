"""The Analytics page's state: the person's turns, latency, tokens, tool calls and evaluation
scores by day, for a date range and one world or all. Aggregated in PostgreSQL from the daily
rollups, in a worker thread."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import reflex as rx
from sqlmodel import Session

from dsf_app.errors import Invalid
from dsf_app.services import analytics
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson
from dsf_app.state.feedback import shows_problems

DEFAULT_DAYS = 30
KINDS = ("user", "world", "experience")
SCORED = ("consistency", "quality", "information_gain")


@dataclass(frozen=True)
class WorldChoice:
    id: str
    name: str


Rows = list[dict[str, Any]]  # recharts takes its data as rows of plain values


@dataclass(frozen=True)
class Figures:
    turns: Rows  # day, turns
    latency: Rows  # day, p50, p95 (seconds)
    tokens: Rows  # day, user, world, experience
    tools: Rows  # tool, calls, errors, error_rate (percent)
    scores: Rows  # day, consistency, quality, information_gain (0 to 100, None when none)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(f"The {what} date “{text[:20]}” is not a date (YYYY-MM-DD).") from exc


def window(since: str, until: str, world: str) -> analytics.Window:
    """The filters as a window: whole days in UTC, the end day included."""
    try:
        world_id = uuid.UUID(world) if world else None
    except ValueError as exc:
        raise Invalid("Pick one of your worlds, or all worlds.") from exc
    return analytics.Window(_day(since, "start"), _day(until, "end"), world_id)


def figures(session: Session, actor: Actor, chosen: analytics.Window) -> Figures:
    tokens: dict[str, dict[str, int]] = {}
    for day, kind, total in analytics.tokens_per_day(session, actor, chosen):
        tokens.setdefault(day, dict.fromkeys(KINDS, 0))[kind] = total
    scores: dict[str, dict[str, float | None]] = {}
    for day, kind, average, _ in analytics.scores_per_day(session, actor, chosen):
        scores.setdefault(day, dict.fromkeys(SCORED))[kind] = average
    return Figures(
        turns=[{"day": d, "turns": n} for d, n in analytics.turns_per_day(session, actor, chosen)],
        latency=[
            {"day": d, "p50": p50, "p95": p95}
            for d, p50, p95 in analytics.latency_per_day(session, actor, chosen)
        ],
        tokens=[{"day": day, **by_kind} for day, by_kind in tokens.items()],
        tools=[
            {
                "tool": name,
                "calls": calls,
                "errors": errors,
                "error_rate": round(100 * errors / calls, 1),
            }
            for name, calls, errors in analytics.tool_calls(session, actor, chosen)
        ],
        scores=[{"day": day, **by_kind} for day, by_kind in scores.items()],
    )


def _worlds(session: Session, actor: Actor) -> list[WorldChoice]:
    return [WorldChoice(str(i), name) for i, name in analytics.world_choices(session, actor)]


class AnalyticsState(ActsForPerson, rx.State):
    world: rx.Field[str] = rx.field("")  # "" for every world
    since: rx.Field[str] = rx.field("")
    until: rx.Field[str] = rx.field("")
    worlds: rx.Field[list[WorldChoice]] = rx.field(default_factory=list)
    turns: rx.Field[Rows] = rx.field(default_factory=list)
    latency: rx.Field[Rows] = rx.field(default_factory=list)
    tokens: rx.Field[Rows] = rx.field(default_factory=list)
    tools: rx.Field[Rows] = rx.field(default_factory=list)
    scores: rx.Field[Rows] = rx.field(default_factory=list)
    loading: rx.Field[bool] = rx.field(False)

    @rx.var
    def total_turns(self) -> int:
        return sum(row["turns"] for row in self.turns)

    @rx.var
    def total_tokens(self) -> int:
        return sum(row[kind] for row in self.tokens for kind in KINDS)

    @rx.var
    def total_tool_calls(self) -> int:
        return sum(row["calls"] for row in self.tools)

    @rx.var
    def tool_error_rate(self) -> str:
        calls = sum(row["calls"] for row in self.tools)
        errors = sum(row["errors"] for row in self.tools)
        return f"{100 * errors / calls:.1f}%" if calls else "—"

    @rx.event
    @shows_problems
    async def load(self):
        """The last 30 days, every world."""
        today = datetime.now(UTC).date()
        self.world = ""
        self.since = (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        self.until = today.isoformat()
        self.worlds = await self.act(_worlds)
        async for event in self._show():
            yield event

    @rx.event
    @shows_problems
    async def apply(self, form: dict[str, Any]):
        """The filters form: a world (or all) and a date range."""
        self.world = str(form.get("world", ""))
        self.since = str(form.get("since", self.since))
        self.until = str(form.get("until", self.until))
        async for event in self._show():
            yield event

    async def _show(self) -> AsyncIterator[None]:
        chosen = window(self.since, self.until, self.world)
        self.loading = True
        yield
        try:
            found = await self.act(figures, chosen)
        finally:
            self.loading = False
        self.turns, self.latency, self.tokens = found.turns, found.latency, found.tokens
        self.tools, self.scores = found.tools, found.scores
