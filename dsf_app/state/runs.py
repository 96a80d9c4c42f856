"""The runs page's state: the person's agent turns, newest first, a page at a time — or the
ones nearest in meaning to what they searched for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from dsf_app.models import AgentRun
from dsf_app.services import runs
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson, SignedOut
from dsf_app.state.feedback import shows_problems

PAGE_SIZE = 25


@dataclass(frozen=True)
class ToolCallRow:
    name: str
    status: str
    duration_ms: int


@dataclass(frozen=True)
class RunRow:
    id: str
    agent: str
    started: str
    duration: str
    stop_reason: str
    steps: int
    tokens: int
    error: str
    summary: str
    tool_calls: list[ToolCallRow]
    letta_runs: str


def run_row(run: AgentRun) -> RunRow:
    seconds = (run.ended_at - run.started_at).total_seconds() if run.ended_at else None
    return RunRow(
        id=str(run.id),
        agent=run.agent_kind,
        started=run.started_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        duration=f"{seconds:.1f} s" if seconds is not None else "unfinished",
        stop_reason=run.stop_reason or "running or interrupted",
        steps=run.steps,
        tokens=int(run.usage.get("total_tokens", 0)),
        error=run.error or "",
        summary=run.summary,
        tool_calls=[
            ToolCallRow(
                call.get("name", "?"), call.get("status", "?"), int(call.get("duration_ms", 0))
            )
            for call in run.tool_calls
        ],
        letta_runs=", ".join(run.letta_run_ids),
    )


def _search(session: Session, actor: Actor, query: str) -> list[RunRow]:
    return [run_row(run) for run in runs.search_runs(session, actor, query, limit=PAGE_SIZE)]


def _newest(session: Session, actor: Actor, offset: int) -> list[RunRow]:
    """A page of the person's runs, newest first (one more than PAGE_SIZE if there are more)."""
    return [
        run_row(run) for run in runs.list_runs(session, actor, limit=PAGE_SIZE + 1, offset=offset)
    ]


class RunsState(ActsForPerson, rx.State):
    rows: rx.Field[list[RunRow]] = rx.field(default_factory=list)
    loading: rx.Field[bool] = rx.field(False)
    has_more: rx.Field[bool] = rx.field(False)
    # What the listed rows answer: "" for the newest-first list, else the search text.
    searched: rx.Field[str] = rx.field("")

    @rx.event
    @shows_problems
    async def load(self) -> None:
        self.rows, self.searched = [], ""
        await self._fetch()

    @rx.event(background=True)
    @shows_problems
    async def search(self, form: dict[str, Any]) -> None:
        """The person's runs nearest in meaning to the search box's text (Enter or Search);
        an empty box goes back to the list. A background event: the page stays free while the
        model runs (in a worker thread)."""
        query = str(form.get("query", "")).strip()
        async with self:
            self.rows, self.searched, self.has_more = [], query, False
            if not query:
                await self._fetch()
                return
            self.loading = True
        found: list[RunRow] = []
        try:
            found = await self.act(_search, query)
        finally:
            async with self:
                if self.searched == query:  # not cleared, nor searched again meanwhile
                    self.rows, self.loading = found, False

    @rx.event
    @shows_problems
    async def clear_search(self) -> rx.event.EventSpec:
        """Back to the newest-first list, with the search box emptied."""
        self.rows, self.searched = [], ""
        await self._fetch()
        return rx.set_value("run-search", "")

    @rx.event
    @shows_problems
    async def load_more(self) -> None:
        if not self.searched:  # a search lists its best matches only
            await self._fetch()

    async def _fetch(self) -> None:
        self.loading = True
        try:
            found = await self.act(_newest, len(self.rows))
        except SignedOut:
            found = []
        finally:
            self.loading = False
        self.has_more = len(found) > PAGE_SIZE
        self.rows = [*self.rows, *found[:PAGE_SIZE]]
