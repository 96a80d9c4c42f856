"""The world page's Sources tab: the documents the World Agent reads and cites, uploading one
(with its progress: received, read, embedded, stored) and deleting one after the person
confirms it.

A substate of `WorldPageState`: its list loads with the page (`show_sources` in the page's
on_load) and after each change; a fresh load of the page resets it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence

import reflex as rx

from dsf_app.services import sources, uploads, validation
from dsf_app.settings import get_settings
from dsf_app.state.feedback import done, shows_problems
from dsf_app.state.world import WorldPageState

SOURCE_UPLOAD = "source-upload"
# What the file input offers; the server decides by the bytes (services/source_text.py).
ACCEPTED: dict[str, Sequence[str]] = {
    "text/plain": [".txt"],
    "text/markdown": [".md", ".markdown"],
    "application/pdf": [".pdf"],
    "application/epub+zip": [".epub"],
}
# Bytes received between two updates of the progress line.
RECEIVED_STEP = 256 * 1024


@dataclasses.dataclass
class SourceRow:
    id: str
    title: str
    filename: str
    format: str
    details: str  # "PDF · 12 pages · 34 passages · 1.2 MB · added 2026-12-07"
    href: str


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{max(1, size // 1000)} KB"


def _row(view: sources.SourceView) -> SourceRow:
    parts = [view.format.upper() if view.format in ("pdf", "epub") else view.format.title()]
    if view.pages:
        parts.append(f"{view.pages:,} page" + ("" if view.pages == 1 else "s"))
    parts += [sources.counted(view.passages), _size(view.size), f"added {view.added}"]
    return SourceRow(
        view.id,
        view.title,
        view.filename,
        view.format,
        " · ".join(parts),
        f"/worlds/{view.world_id}/sources/{view.id}",
    )


class WorldSourcesState(WorldPageState):
    sources: rx.Field[list[SourceRow]] = rx.field(default_factory=list)
    sources_loaded: rx.Field[bool] = rx.field(False)
    uploading: rx.Field[bool] = rx.field(False)
    upload_step: rx.Field[str] = rx.field("")
    upload_percent: rx.Field[int] = rx.field(0)
    source_delete_id: rx.Field[str] = rx.field("")
    source_delete_title: rx.Field[str] = rx.field("")

    @rx.var
    def source_delete_open(self) -> bool:
        return self.source_delete_id != ""

    @rx.event
    @shows_problems
    async def show_sources(self) -> None:
        """The world's sources, for the world the URL names (the page's on_load)."""
        await self._list_sources()

    async def _list_sources(self) -> None:
        world_id, story_id = self._route()
        self.sources_loaded = False
        if world_id is None or story_id is not None:
            return
        self.sources = [_row(v) for v in await self.act(sources.list_sources, world_id)]
        self.sources_loaded = True

    async def _counted(self, chunks: AsyncIterator[uploads.Chunk]) -> AsyncIterator[uploads.Chunk]:
        """The upload's chunks, telling the person how much has arrived."""
        received, shown = 0, 0
        async for chunk in chunks:
            received += len(chunk.data)
            if received - shown >= RECEIVED_STEP:
                shown = received
                async with self:
                    self.upload_step = f"Receiving “{chunk.filename}”: {_size(received)}…"
            yield chunk

    @rx.event(background=True)
    @shows_problems
    async def upload_source(self, chunks: rx.UploadChunkIterator):
        """Add a document to the world's sources. Who is signed in, and that they may change
        this world, is checked before any of the file is read; reading stops past the size
        limit; the file is then read, embedded and stored (`sources.add_source`)."""
        actor = await self.person()
        world_id = validation.identifier(self.world_key, what="world")
        await self.act(sources.require_writable, world_id)
        limit = get_settings().source_max_bytes
        async with self:
            self.uploading, self.upload_step, self.upload_percent = True, "Receiving…", 0
        try:
            named = await uploads.read_named_upload(
                self._counted(chunks), limit, lambda: sources.too_large(limit)
            )
            if named is None:
                return
            added = ""
            async for progress in sources.add_source(actor, world_id, *named):
                added = progress.step
                async with self:
                    self.upload_step = progress.step
                    self.upload_percent = round(100 * progress.fraction)
        finally:
            async with self:
                self.uploading, self.upload_step = False, ""
        yield done(added)
        yield WorldSourcesState.show_sources

    @rx.event
    def ask_delete_source(self, source_id: str) -> None:
        for row in self.sources:
            if row.id == source_id:
                self.source_delete_id, self.source_delete_title = row.id, row.title

    @rx.event
    def cancel_delete_source(self) -> None:
        self.source_delete_id = ""

    @rx.event
    @shows_problems
    async def confirm_delete_source(self):
        chosen = self.source_delete_id
        self.source_delete_id = ""
        if not chosen:
            return
        actor = await self.person()
        title = await sources.delete_source(actor, validation.identifier(chosen, what="source"))
        yield done(f"Deleted the source “{title}”, its passages and its file.")
        await self._list_sources()
