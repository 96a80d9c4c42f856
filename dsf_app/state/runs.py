"""The runs page's state: the person's agent turns, newest first, a page at a time — or the
ones nearest in meaning to what they searched for."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from dsf_app.db import session_scope
from dsf_app.errors import DSFError
from dsf_app.models import AgentRun
from dsf_app.services import runs
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson
from dsf_app.state.feedback import problem

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


def _search(actor: Actor, query: str) -> list[RunRow]:
    with session_scope() as session:
        return [run_row(run) for run in runs.search_runs(session, actor, query, limit=PAGE_SIZE)]


class RunsState(ActsForPerson, rx.State):
    rows: list[RunRow] = []
    loading: bool = False
    has_more: bool = False
    # What the listed rows answer: "" for the newest-first list, else the search text.
    searched: str = ""

    @rx.event
    def load(self) -> None:
        self.rows, self.searched = [], ""
        self._fetch()

    @rx.event(background=True)
    async def search(self, form: dict):
        """The person's runs nearest in meaning to the search box's text (Enter or Search);
        an empty box goes back to the list. The model runs in a worker thread."""
        query = str(form.get("query", "")).strip()
        refused: DSFError | None = None
        async with self:
            if not query:
                self.rows, self.searched = [], ""
                self._fetch()
                return
            self.rows, self.searched, self.has_more, self.loading = [], query, False, True
            try:
                actor = self.actor()
            except DSFError as exc:
                refused, self.loading = exc, False
        if refused is not None:
            yield problem(refused)
            return
        try:
            found = await asyncio.to_thread(_search, actor, query)
        except DSFError as exc:
            found = []
            yield problem(exc)
        async with self:
            if self.searched == query:  # not cleared, nor searched again meanwhile
                self.rows, self.loading = found, False

    @rx.event
    def clear_search(self):
        """Back to the newest-first list, with the search box emptied."""
        self.rows, self.searched = [], ""
        self._fetch()
        return rx.set_value("run-search", "")

    @rx.event
    def load_more(self) -> None:
        if not self.searched:  # a search lists its best matches only
            self._fetch()

    def _fetch(self) -> None:
        self.loading = True
        try:
            with session_scope() as session:
                found = runs.list_runs(
                    session, self.actor(), limit=PAGE_SIZE + 1, offset=len(self.rows)
                )
        except DSFError:
            found = []
        self.has_more = len(found) > PAGE_SIZE
        self.rows = [*self.rows, *(run_row(run) for run in found[:PAGE_SIZE])]
        self.loading = False
