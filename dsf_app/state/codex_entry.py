"""An entry's page: what the Codex says of it, its links, and where it appears — the segments and
entries that mention it ("appears in") and the entries that link to it. Its edits, pins and
deletion go through CodexState, which this page loads too."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import reflex as rx
from reflex.event import EventCallback
from sqlmodel import Session

from dsf_app import pools
from dsf_app.agents.topics import Topic
from dsf_app.errors import NotFound
from dsf_app.models import CodexEntry, World
from dsf_app.services import asset_files, codex, codex_links, lorebook, mentions, validation
from dsf_app.services.access import Permission, not_visible, require_entry, world_with_level
from dsf_app.services.actor import Actor
from dsf_app.services.asset_files import asset_url
from dsf_app.services.image_uploads import Destination, Target
from dsf_app.state.codex import Option
from dsf_app.state.feedback import done, shows_problems
from dsf_app.state.image_upload import ReceivesImages
from dsf_app.state.progression_rows import ProgressionRow, progression_rows
from dsf_app.state.refresh import refresh_events, reloads_on
from dsf_app.state.routes import codex_ids
from dsf_app.state.url_page import UrlPage

LINK_CHOICES = 300


@dataclasses.dataclass
class LinkRow:
    id: str
    href: str
    name: str
    relation: str
    outgoing: bool


@dataclasses.dataclass
class SegmentRow:
    href: str
    story_title: str
    segment_title: str
    snippet: str


@dataclasses.dataclass
class MentionRow:
    href: str
    name: str
    kind: str
    how: str


@dataclasses.dataclass(frozen=True)
class EntryPage:
    """The page as the state shows it, built in the worker thread."""

    entry: CodexEntry
    world: World
    can_edit: bool
    links: list[LinkRow]
    segments: list[SegmentRow]
    mentioned_by: list[MentionRow]
    link_choices: list[Option]
    progressions: list[ProgressionRow]
    part_choices: list[Option]


def _read(
    session: Session, actor: Actor, world_id: uuid.UUID | None, entry_id: uuid.UUID
) -> EntryPage:
    entry, world = require_entry(session, actor, entry_id)
    if world.id != world_id:
        raise NotFound(not_visible("codex entry", entry_id))
    _, level = world_with_level(session, actor, world.id)
    found = mentions.backlinks(session, actor, entry.id)
    others = codex.list_entries(session, actor, world.id, limit=LINK_CHOICES)
    base = f"/worlds/{world.id}"
    progressions, part_choices = progression_rows(session, actor, world.id, entry.id)
    return EntryPage(
        entry=entry,
        world=world,
        can_edit=level >= Permission.WRITE,
        links=[
            LinkRow(str(k.id), f"{base}/codex/{k.other_id}", k.other_name, k.relation, k.outgoing)
            for k in codex_links.links_of(session, actor, entry.id)
        ],
        segments=[
            SegmentRow(f"{base}/stories/{s.story_id}", s.story_title, s.segment_title, s.snippet)
            for s in found.segments
        ],
        mentioned_by=[
            MentionRow(f"{base}/codex/{m.entry_id}", m.name, m.kind, m.how) for m in found.entries
        ],
        link_choices=[Option(str(o.id), o.name) for o in others if o.id != entry.id],
        progressions=progressions,
        part_choices=part_choices,
    )


@reloads_on(Topic.STORIES, Topic.CODEX)
class CodexEntryState(ReceivesImages, UrlPage, rx.State):
    entry_key: rx.Field[str] = rx.field("")
    world_key: rx.Field[str] = rx.field("")
    world_name: rx.Field[str] = rx.field("")
    can_edit: rx.Field[bool] = rx.field(False)
    name: rx.Field[str] = rx.field("")
    kind: rx.Field[str] = rx.field("")
    status: rx.Field[str] = rx.field("")
    aliases: rx.Field[list[str]] = rx.field(default_factory=list)
    summary: rx.Field[str] = rx.field("")
    body: rx.Field[str] = rx.field("")
    tags: rx.Field[list[str]] = rx.field(default_factory=list)
    pinned: rx.Field[bool] = rx.field(False)
    excluded: rx.Field[bool] = rx.field(False)
    version: rx.Field[int] = rx.field(0)
    image_url: rx.Field[str] = rx.field("")
    links: rx.Field[list[LinkRow]] = rx.field(default_factory=list)
    segments: rx.Field[list[SegmentRow]] = rx.field(default_factory=list)
    mentioned_by: rx.Field[list[MentionRow]] = rx.field(default_factory=list)
    link_choices: rx.Field[list[Option]] = rx.field(default_factory=list)
    progressions: rx.Field[list[ProgressionRow]] = rx.field(default_factory=list)
    part_choices: rx.Field[list[Option]] = rx.field(default_factory=list)

    def _forget(self) -> None:
        self.entry_key = ""

    async def _fetch(self, *, initial: bool) -> None:
        world_id, named = codex_ids(self.router.url.path)
        entry_id = self._to_fetch(named, self.entry_key, initial=initial)
        if entry_id is None:
            return
        found = await self._look_up(initial, _read, world_id, entry_id)
        if found is None:
            return
        entry, world = found.entry, found.world
        self.found, self.loading = True, False
        self.entry_key, self.world_key, self.world_name = str(entry.id), str(world.id), world.name
        self.can_edit = found.can_edit
        self.name, self.kind, self.status = entry.name, str(entry.kind), str(entry.status)
        self.aliases = [str(a) for a in entry.aliases]
        self.summary, self.body = entry.summary, entry.body
        self.tags = [str(t) for t in entry.tags]
        self.pinned, self.excluded, self.version = entry.pinned, entry.excluded, entry.version
        self.image_url = asset_url(entry.image_asset_id) if entry.image_asset_id else ""
        self.links, self.segments = found.links, found.segments
        self.mentioned_by, self.link_choices = found.mentioned_by, found.link_choices
        self.progressions, self.part_choices = found.progressions, found.part_choices

    def _shown_entry(self) -> uuid.UUID:
        return validation.identifier(self.entry_key, what="entry")

    @rx.event
    @shows_problems
    async def export_card(self) -> rx.event.EventSpec:
        """This character as a PNG character card; its image is fetched from S3 after the
        database work is done."""
        card = await self.act(lorebook.export_card, self._shown_entry())
        storage = asset_files.asset_storage()
        name, data = await pools.in_event_thread(lorebook.card_png, card, storage)
        return rx.download(data=data, filename=name, mime_type="image/png")

    @rx.event
    @shows_problems
    async def add_link(self, form: dict[str, Any]) -> list[EventCallback[()]]:
        """Link this entry to another of the world (a new version of the world)."""
        await self.act(
            codex_links.add_link,
            self._shown_entry(),
            validation.identifier(str(form.get("to", "")), what="entry"),
            str(form.get("relation", "")),
            author="person",
        )
        return refresh_events({Topic.CODEX, Topic.WORLDS})

    @rx.event(background=True)
    @shows_problems
    async def upload_portrait(self, chunks: rx.UploadChunkIterator):
        """Upload the entry's portrait (it joins the world's gallery too)."""
        target = Target(
            Destination.PORTRAIT,
            validation.identifier(self.world_key, what="world"),
            self._shown_entry(),
        )
        if await self._receive_image(chunks, target) is not None:
            yield done(f"The portrait of “{self.name}” is in place.")
            for event in refresh_events({Topic.CODEX, Topic.ASSETS}):
                yield event

    @rx.event
    @shows_problems
    async def remove_link(self, link_id: str) -> list[EventCallback[()]]:
        link = validation.identifier(link_id, what="link")
        await self.act(codex_links.remove_link, link, author="person")
        return refresh_events({Topic.CODEX, Topic.WORLDS})
