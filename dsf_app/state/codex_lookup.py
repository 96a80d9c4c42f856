"""The Codex tab's search: entries by name, alias and meaning, and the foundation items that
name the words searched. The model that embeds the query (and any entries just written that
lack an embedding) runs on a heavy thread; the search is a background event, so the page stays
free meanwhile, and a result arriving after the search was cleared or changed is dropped.

A substate of `CodexState`: its events load this panel and the tab, nothing else."""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx
from sqlmodel import Session

from dsf_app import pools
from dsf_app.services import codex_embeddings, codex_search, lore, validation
from dsf_app.services.access import world_with_level
from dsf_app.services.actor import Actor
from dsf_app.state.codex import CodexState, EntryRow, entry_row, foundation_row
from dsf_app.state.feedback import shows_problems

# Entries a search by meaning embeds first when some were just written.
SEARCH_EMBEDS = 64


def matching_rows(
    session: Session, actor: Actor, world_id: uuid.UUID, query: str, vector: list[float]
) -> list[EntryRow]:
    """Entries by name or alias, then by meaning, and the foundation items naming `query`."""
    hits = codex_search.search(session, actor, world_id, query, vector)
    world, _ = world_with_level(session, actor, world_id)
    rows = [
        entry_row(hit.entry, f"{hit.reason} {hit.similarity:.2f}" if hit.similarity else hit.reason)
        for hit in hits
    ]
    term = query.strip().casefold()
    items = lore.foundation_items(world)
    return rows + [foundation_row(i, "foundation") for i in items if term in i.text.casefold()]


class CodexSearchState(CodexState):
    searched: rx.Field[str] = rx.field("")
    searching: rx.Field[bool] = rx.field(False)
    results: rx.Field[list[EntryRow]] = rx.field(default_factory=list)

    @rx.event(background=True)
    @shows_problems
    async def search(self, form: dict[str, Any]) -> None:
        """Entries by name, alias and meaning (the model runs on a heavy thread); a
        background event, so the page stays free meanwhile."""
        query = str(form.get("query", "")).strip()
        async with self:
            self.searched, self.results, self.searching = query, [], bool(query)
            world_key = self.world_key
        if not query:
            return
        found: list[EntryRow] = []
        try:
            world_id = validation.identifier(world_key, what="world")
            actor = await self.person()
            await pools.in_heavy_thread(
                codex_embeddings.embed_missing, actor, world_id, limit=SEARCH_EMBEDS
            )
            vector = await pools.in_heavy_thread(codex_search.query_vector, query)
            found = await self.act(matching_rows, world_id, query, vector)
        finally:
            async with self:
                if self.searched == query:  # not cleared, nor searched again meanwhile
                    self.results, self.searching = found, False

    @rx.event
    def clear_search(self) -> rx.event.EventSpec:
        self.searched, self.results = "", []
        return rx.set_value("codex-search", "")
