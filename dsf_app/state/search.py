"""The search page's state: one box, and what the person may read nearest in meaning to it —
worlds, Codex entries and story segments in three groups."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import reflex as rx

from dsf_app.services import search
from dsf_app.state.auth import ActsForPerson
from dsf_app.state.feedback import shows_problems
from dsf_app.state.tab_owner import tab_session


@dataclasses.dataclass
class HitRow:
    title: str
    context: str
    snippet: str
    href: str
    similarity: str


def _rows(hits: list[search.Hit]) -> list[HitRow]:
    return [HitRow(h.title, h.context, h.snippet, h.href, f"{h.similarity:.2f}") for h in hits]


class SearchState(ActsForPerson, rx.State):
    searched: rx.Field[str] = rx.field("")
    searching: rx.Field[bool] = rx.field(False)
    worlds: rx.Field[list[HitRow]] = rx.field(default_factory=list)
    entries: rx.Field[list[HitRow]] = rx.field(default_factory=list)
    segments: rx.Field[list[HitRow]] = rx.field(default_factory=list)

    @rx.var
    def nothing_found(self) -> bool:
        return bool(self.searched) and not (
            self.searching or self.worlds or self.entries or self.segments
        )

    @rx.event(background=True)
    @shows_problems
    async def search(self, form: dict[str, Any]) -> None:
        """Everything the person may read, nearest in meaning. A background event: the page
        stays free while the model runs and stale vectors are refreshed (in a worker thread,
        in short sessions of their own)."""
        query = str(form.get("query", "")).strip()
        async with self:
            self.worlds, self.entries, self.segments = [], [], []
            self.searched, self.searching = query, bool(query)
            asked_in = tab_session(self)
        if not query:
            return
        found: search.Results | None = None
        try:
            actor = await self.person()
            found = await asyncio.to_thread(search.search_everything, actor, query)
        finally:
            async with self:
                # Not searched again meanwhile, nor signed out or in since (state/tab_owner.py).
                if self.searched == query and tab_session(self) == asked_in:
                    self.searching = False
                    if found is not None:
                        self.worlds, self.entries = _rows(found.worlds), _rows(found.entries)
                        self.segments = _rows(found.segments)
