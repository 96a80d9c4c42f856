"""A source's reader page: the text extracted from an uploaded document, passage by passage, each
with its anchor (`#p-<number>`, what the World Agent's citations link to) and its page. It holds
a window of passages at a time: the one the URL's anchor names, and the person pages on."""

from __future__ import annotations

import dataclasses
import re
import uuid

import reflex as rx

from dsf_app.services import sources
from dsf_app.state.feedback import shows_problems
from dsf_app.state.routes import source_ids
from dsf_app.state.url_page import UrlPage

ANCHOR = re.compile(r"^p-(\d{1,9})$")


@dataclasses.dataclass
class PassageRow:
    number: int
    anchor: str  # "p-<number>": the element's id
    page: str  # "p. 3", or "" when the source has no pages
    text: str


class SourceReaderState(UrlPage, rx.State):
    source_key: rx.Field[str] = rx.field("")
    world_key: rx.Field[str] = rx.field("")
    world_name: rx.Field[str] = rx.field("")
    title: rx.Field[str] = rx.field("")
    filename: rx.Field[str] = rx.field("")
    total: rx.Field[int] = rx.field(0)
    start: rx.Field[int] = rx.field(0)
    passages: rx.Field[list[PassageRow]] = rx.field(default_factory=list)
    # The passage the URL's anchor names (-1: none), shown marked.
    cited: rx.Field[int] = rx.field(-1)

    @rx.var
    def page_title(self) -> str:
        return (
            f"{self.title} · Deep Sci-Fi" if self.found and self.title else "Source · Deep Sci-Fi"
        )

    @rx.var
    def has_earlier(self) -> bool:
        return self.start > 0

    @rx.var
    def has_later(self) -> bool:
        return self.start + len(self.passages) < self.total

    def _forget(self) -> None:
        self.source_key = ""

    async def _fetch(self, *, initial: bool) -> None:
        world_id, named = source_ids(self.router.url.path)
        source_id = self._to_fetch(named, self.source_key, initial=initial)
        if source_id is None:
            return
        start = self.start
        if initial:
            anchor = ANCHOR.match(self.router.url.fragment)
            self.cited = int(anchor[1]) if anchor else -1
            start = sources.window_start(self.cited)
        await self._show(initial, start, world_id, source_id)

    async def _show(
        self, initial: bool, start: int, world_id: uuid.UUID | None, source_id: uuid.UUID
    ) -> None:
        found = await self._look_up(
            initial, sources.source_text_window, source_id, start, world_id=world_id
        )
        if found is None:
            return
        self.found, self.loading = True, False
        view = found.source
        self.source_key, self.world_key, self.world_name = view.id, view.world_id, found.world_name
        self.title, self.filename, self.total = view.title, view.filename, view.passages
        self.start = found.start
        self.passages = [
            PassageRow(p.number, f"p-{p.number}", f"p. {p.page}" if p.page else "", p.text)
            for p in found.passages
        ]

    @rx.event
    @shows_problems
    async def show_earlier(self) -> None:
        """The window of passages before the shown one."""
        await self._move(self.start - 1)

    @rx.event
    @shows_problems
    async def show_later(self) -> None:
        """The window of passages after the shown one."""
        await self._move(self.start + len(self.passages))

    async def _move(self, number: int) -> None:
        world_id, source_id = source_ids(self.router.url.path)
        if source_id is not None:
            await self._show(False, sources.window_start(number), world_id, source_id)
