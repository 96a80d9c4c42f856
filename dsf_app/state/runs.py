"""The runs page's state: the person's agent turns, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from dsf_app.db import session_scope
from dsf_app.errors import DSFError
from dsf_app.models import AgentRun
from dsf_app.services import runs
from dsf_app.state.auth import ActsForPerson

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
        tool_calls=[
            ToolCallRow(
                call.get("name", "?"), call.get("status", "?"), int(call.get("duration_ms", 0))
            )
            for call in run.tool_calls
        ],
        letta_runs=", ".join(run.letta_run_ids),
    )


class RunsState(ActsForPerson, rx.State):
    rows: list[RunRow] = []
    loading: bool = False
    has_more: bool = False

    @rx.event
    def load(self) -> None:
        self.rows = []
        self._fetch()

    @rx.event
    def load_more(self) -> None:
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
