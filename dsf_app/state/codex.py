"""The Codex tab of a world (and the actions on an entry's page): entries grouped by kind, with
the foundation's rules and technology alongside as read-only entries; suggestions to accept or
reject; pins and exclusions; SillyTavern lorebook import and export. Embeddings are computed on
the heavy threads (pools.py), after each write.

`CodexState` holds the tab and loads it; its panels are Reflex substates, so their events load
only their panel and the tab: `codex_lookup.CodexSearchState` (search by name, alias and
meaning), `codex_editor.CodexEditorState` (the entry editor) and
`codex_deletion.CodexDeletionState` (deleting an entry after the person confirms). A load
resets every panel. After any write, `_changed` embeds what is new and reloads every page state
that declared it shows the Codex or the world (`refresh.py`)."""

from __future__ import annotations

import dataclasses
import uuid

import reflex as rx
from sqlmodel import Session

from dsf_app import pools
from dsf_app.agents.topics import Topic
from dsf_app.errors import DSFError
from dsf_app.models import AssetType, CodexEntry, CodexKind, CodexStatus
from dsf_app.services import (
    assets,
    codex,
    codex_embeddings,
    codex_kinds,
    imports,
    lore,
    lorebook,
    lorebook_format,
    validation,
)
from dsf_app.services.access import Permission, world_with_level
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson
from dsf_app.state.feedback import Followup, done, shows_problems
from dsf_app.state.refresh import refresh_events, reloads_on
from dsf_app.state.routes import codex_ids
from dsf_app.state.upload_progress import UploadProgress, size

IMAGE_CHOICES = 100
KIND_TITLES = {
    CodexKind.CHARACTER: "Characters",
    CodexKind.PLACE: "Places",
    CodexKind.FACTION: "Factions",
    CodexKind.SPECIES: "Species",
    CodexKind.ARTIFACT: "Artifacts",
    CodexKind.CONCEPT: "Concepts",
    CodexKind.EVENT: "Events",
}
FOUNDATION_TITLES = {"rule": "Rules (from the foundation)", "technology": "Technology systems"}


@dataclasses.dataclass
class EntryRow:
    id: str
    name: str
    kind: str
    aliases: str
    summary: str
    tags: list[str]
    pinned: bool
    excluded: bool
    href: str  # the entry's page; "" for a foundation item
    readonly: bool
    note: str = ""  # in search results: how it matched


@dataclasses.dataclass
class KindGroup:
    kind: str
    title: str
    rows: list[EntryRow]


@dataclasses.dataclass
class Option:
    value: str
    label: str


def entry_row(entry: CodexEntry, note: str = "") -> EntryRow:
    return EntryRow(
        id=str(entry.id),
        name=entry.name,
        kind=str(entry.kind),
        aliases=", ".join(str(a) for a in entry.aliases),
        summary=entry.summary,
        tags=[str(t) for t in entry.tags],
        pinned=entry.pinned,
        excluded=entry.excluded,
        href=f"/worlds/{entry.world_id}/codex/{entry.id}",
        readonly=False,
        note=note,
    )


def foundation_row(item: lore.FoundationItem, note: str = "") -> EntryRow:
    return EntryRow(
        id=item.key,
        name=item.name,
        kind=item.kind,
        aliases="",
        summary=item.summary,
        tags=[],
        pinned=False,
        excluded=False,
        href="",
        readonly=True,
        note=note,
    )


@dataclasses.dataclass(frozen=True)
class CodexView:
    """The tab as the state shows it, built in the worker thread."""

    world_key: str
    can_edit: bool
    total: int
    listed: int
    groups: list[KindGroup]
    suggestions: list[EntryRow]
    images: list[Option]


def _overview(session: Session, actor: Actor, world_id: uuid.UUID) -> CodexView:
    world, level = world_with_level(session, actor, world_id)
    can_edit = level >= Permission.WRITE
    statuses = (CodexStatus.ACTIVE, CodexStatus.SUGGESTED)
    entries = codex.list_entries(session, actor, world.id, statuses=statuses)
    items = lore.foundation_items(world)
    images = (
        assets.list_assets(session, actor, world.id, type=AssetType.IMAGE, limit=IMAGE_CHOICES)
        if can_edit
        else []
    )
    active = [e for e in entries if e.status == CodexStatus.ACTIVE]
    return CodexView(
        world_key=str(world.id),
        can_edit=can_edit,
        total=codex.count_entries(session, actor, world.id),
        listed=len(active),
        groups=[
            KindGroup(kind.value, title, [entry_row(e) for e in active if e.kind == kind])
            for kind, title in KIND_TITLES.items()
            if any(e.kind == kind for e in active)
        ]
        + [
            KindGroup(kind, title, [foundation_row(i) for i in items if i.kind == kind])
            for kind, title in FOUNDATION_TITLES.items()
            if any(i.kind == kind for i in items)
        ],
        suggestions=[entry_row(e) for e in entries if e.status == CodexStatus.SUGGESTED],
        images=[Option(str(a.id), a.description[:60] or f"Image {str(a.id)[:8]}") for a in images],
    )


@reloads_on(Topic.WORLDS, Topic.CODEX)
class CodexState(ActsForPerson, UploadProgress, rx.State):
    """Not a `UrlPage`: the tab lives on the world page (and the entry page), whose own state
    says when the world cannot be shown; a Codex that cannot be read is simply left empty."""

    world_key: rx.Field[str] = rx.field("")
    can_edit: rx.Field[bool] = rx.field(False)
    groups: rx.Field[list[KindGroup]] = rx.field(default_factory=list)
    suggestions: rx.Field[list[EntryRow]] = rx.field(default_factory=list)
    total: rx.Field[int] = rx.field(0)
    listed: rx.Field[int] = rx.field(0)
    importing: rx.Field[bool] = rx.field(False)
    images: rx.Field[list[Option]] = rx.field(default_factory=list)
    selected: rx.Field[list[str]] = rx.field(default_factory=list)  # entries to change at once

    @rx.event
    @shows_problems
    async def load(self) -> None:
        """on_load of the world page and of an entry's page: every panel (search, editor,
        deletion) starts closed."""
        for panel in self.substates.values():
            panel.reset()
        await self._fetch()

    @rx.event
    @shows_problems
    async def reload(self) -> None:
        """After an agent or another page changed the Codex or the world."""
        await self._fetch()

    def _clear(self) -> None:
        self.world_key, self.can_edit, self.total, self.listed = "", False, 0, 0
        self.groups, self.suggestions, self.images, self.selected = [], [], [], []

    async def _fetch(self) -> None:
        world_id, _ = codex_ids(self.router.url.path)
        if world_id is None:
            self._clear()
            return
        try:
            view = await self.act(_overview, world_id)
        except DSFError:
            self._clear()
            return
        self.world_key, self.can_edit = view.world_key, view.can_edit
        listed = {row.id for group in view.groups for row in group.rows}
        self.selected = [entry for entry in self.selected if entry in listed]
        self.total, self.listed = view.total, view.listed
        self.groups, self.suggestions, self.images = view.groups, view.suggestions, view.images

    def _shown_world(self) -> uuid.UUID:
        return validation.identifier(self.world_key, what="world")

    def _changed(self) -> list[Followup]:
        """After a write: embeddings in the background, and every page showing it again."""
        return [CodexState.embed_pending, *refresh_events({Topic.CODEX, Topic.WORLDS})]

    @rx.event(background=True)
    @shows_problems
    async def embed_pending(self) -> None:
        """Compute the embeddings the world's entries lack, on a heavy thread (pools.py)."""
        world_id = validation.identifier(self.world_key, what="world")
        actor = await self.person()
        await pools.in_heavy_thread(codex_embeddings.embed_missing, actor, world_id)

    # ---- flags, suggestions, deletion ----------------------------------------------------

    @rx.event
    @shows_problems
    async def toggle_pin(self, entry_id: str) -> list[Followup]:
        await self.act(codex.toggle_flag, validation.identifier(entry_id, what="entry"), "pinned")
        return self._changed()

    @rx.event
    @shows_problems
    async def toggle_exclude(self, entry_id: str) -> list[Followup]:
        entry = validation.identifier(entry_id, what="entry")
        await self.act(codex.toggle_flag, entry, "excluded")
        return self._changed()

    @rx.event
    @shows_problems
    async def accept(self, entry_id: str) -> list[Followup]:
        entry = validation.identifier(entry_id, what="entry")
        await self.act(codex.set_status, entry, CodexStatus.ACTIVE, author="person")
        return [done("Accepted; the entry is in the Codex."), *self._changed()]

    @rx.event
    @shows_problems
    async def reject(self, entry_id: str) -> list[Followup]:
        entry = validation.identifier(entry_id, what="entry")
        await self.act(codex.set_status, entry, CodexStatus.REJECTED, author="person")
        return [done("Rejected; it will not be suggested again."), *self._changed()]

    # ---- the kind of several entries at once ---------------------------------------------

    @rx.event
    def toggle_selected(self, entry_id: str) -> None:
        """Select an entry to change its kind with others, or leave it out again."""
        if entry_id in self.selected:
            self.selected = [entry for entry in self.selected if entry != entry_id]
        else:
            self.selected = [*self.selected, entry_id]

    @rx.event
    @shows_problems
    async def change_kind(self, kind: str) -> list[Followup]:
        """Make every selected entry `kind`, in one new version of the world."""
        entries = [validation.identifier(entry, what="entry") for entry in self.selected]
        changed = await self.act(
            codex_kinds.set_kind, self._shown_world(), entries, kind, author="person"
        )
        self.selected = []
        return [done(f"Changed the kind of {changed} entries to {kind}."), *self._changed()]

    # ---- SillyTavern lorebooks -----------------------------------------------------------

    @rx.event(background=True)
    @shows_problems
    async def import_lorebook(self, chunks: rx.UploadChunkIterator):
        """Add a SillyTavern World Info file or a character card (JSON or PNG) to the Codex.
        Who is signed in, and that they may write this world, is checked before any of the
        file is read; a second import while one of theirs runs is refused; reading stops past
        the size limit; the parse and the write run in a heavy process (pools.py)."""
        actor = await self.person()
        world_id = validation.identifier(self.world_key, what="world")
        await self.act(lorebook.require_writable, world_id)
        async with imports.one_at_a_time(actor):
            async with self:
                self.importing = True
                self._start_upload()
            problem = ""
            try:
                data = await lorebook_format.read_upload(chunks)
                if data is None:
                    return
                async with self:
                    self._upload_stage(f"Received {size(len(data))}")
                report = await pools.in_heavy_process_reporting(
                    lorebook.import_file, self._show_progress, actor, world_id, data, "person"
                )
            except DSFError as exc:
                problem = str(exc)
                raise
            finally:
                async with self:
                    self.importing = False
                    self._end_upload(problem)
        yield done(report.sentence())
        for event in self._changed():
            yield event

    @rx.event
    @shows_problems
    async def export_lorebook(self) -> rx.event.EventSpec:
        name, text = await self.act(lorebook.export_lorebook, self._shown_world())
        return rx.download(data=text, filename=name, mime_type="application/json")
