"""The search page's state: one box, and what the person may read nearest in meaning to it —
worlds, Codex entries and story segments in three groups."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from dsf_app.errors import DSFError
from dsf_app.services import search
from dsf_app.state.auth import ActsForPerson
from dsf_app.state.feedback import problem


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
    searched: str = ""
    searching: bool = False
    worlds: list[HitRow] = []
    entries: list[HitRow] = []
    segments: list[HitRow] = []

    @rx.var
    def nothing_found(self) -> bool:
        return bool(self.searched) and not (
            self.searching or self.worlds or self.entries or self.segments
        )

    @rx.event(background=True)
    async def search(self, form: dict):
        """Everything the person may read, nearest in meaning (the model in a worker thread)."""
        query = str(form.get("query", "")).strip()
        async with self:
            self.worlds, self.entries, self.segments = [], [], []
            self.searched, self.searching = query, bool(query)
            if not query:
                return
            try:
                actor = self.actor()
            except DSFError as exc:
                self.searching = False
                yield problem(exc)
                return
        try:
            found = await asyncio.to_thread(search.search_everything, actor, query)
        except DSFError as exc:
            async with self:
                self.searching = False
            yield problem(exc)
            return
        async with self:
            if self.searched == query:
                self.worlds, self.entries = _rows(found.worlds), _rows(found.entries)
                self.segments, self.searching = _rows(found.segments), False
