"""An entry's page: what the Codex says of it, its links, and where it appears — the segments and
entries that mention it ("appears in") and the entries that link to it. Its edits, pins and
deletion go through CodexState, which this page loads too."""

from __future__ import annotations

import dataclasses
import uuid

import reflex as rx

from dsf_app.db import session_scope
from dsf_app.errors import DSFError, NotFound
from dsf_app.services import codex, mentions, validation
from dsf_app.services.access import Permission, not_visible, require_entry, world_with_level
from dsf_app.services.asset_files import asset_url
from dsf_app.state.auth import ActsForPerson, current_actor
from dsf_app.state.codex import Option, codex_route
from dsf_app.state.feedback import problem
from dsf_app.state.refresh import on_change, refresh_events
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


class CodexEntryState(ActsForPerson, UrlPage, rx.State):
    entry_key: str = ""
    world_key: str = ""
    world_name: str = ""
    can_edit: bool = False
    name: str = ""
    kind: str = ""
    status: str = ""
    aliases: list[str] = []
    summary: str = ""
    body: str = ""
    tags: list[str] = []
    pinned: bool = False
    excluded: bool = False
    version: int = 0
    image_url: str = ""
    links: list[LinkRow] = []
    segments: list[SegmentRow] = []
    mentioned_by: list[MentionRow] = []
    link_choices: list[Option] = []

    @rx.event
    def load(self):
        """on_load: the entry named in the URL, or the "not found" state."""
        self._start_loading()
        yield
        self._fetch()

    @rx.event
    def reload(self) -> None:
        if self.entry_key:
            self._fetch()

    def _fetch(self) -> None:
        world_id, entry_id = codex_route(self.router.url.path)
        actor = current_actor(self)
        if entry_id is None or actor is None:
            self.loading, self.found, self.entry_key = False, False, ""
            return
        try:
            with session_scope() as session:
                entry, world = require_entry(session, actor, entry_id)
                if world.id != world_id:
                    raise NotFound(not_visible("codex entry", entry_id))
                _, level = world_with_level(session, actor, world.id)
                links = codex.links_of(session, actor, entry.id)
                found = mentions.backlinks(session, actor, entry.id)
                others = codex.list_entries(session, actor, world.id, limit=LINK_CHOICES)
        except DSFError:
            self.loading, self.found, self.entry_key = False, False, ""
            return
        self.found, self.loading = True, False
        self.entry_key, self.world_key, self.world_name = str(entry.id), str(world.id), world.name
        self.can_edit = level >= Permission.WRITE
        self.name, self.kind, self.status = entry.name, str(entry.kind), str(entry.status)
        self.aliases = [str(a) for a in entry.aliases]
        self.summary, self.body = entry.summary, entry.body
        self.tags = [str(t) for t in entry.tags]
        self.pinned, self.excluded, self.version = entry.pinned, entry.excluded, entry.version
        self.image_url = asset_url(entry.image_asset_id) if entry.image_asset_id else ""
        base = f"/worlds/{world.id}"
        self.links = [
            LinkRow(str(k.id), f"{base}/codex/{k.other_id}", k.other_name, k.relation, k.outgoing)
            for k in links
        ]
        self.segments = [
            SegmentRow(f"{base}/stories/{s.story_id}", s.story_title, s.segment_title, s.snippet)
            for s in found.segments
        ]
        self.mentioned_by = [
            MentionRow(f"{base}/codex/{m.entry_id}", m.name, m.kind, m.how) for m in found.entries
        ]
        self.link_choices = [Option(str(o.id), o.name) for o in others if o.id != entry.id]

    def _shown_entry(self) -> uuid.UUID:
        return validation.identifier(self.entry_key, what="entry")

    @rx.event
    def add_link(self, form: dict):
        """Link this entry to another of the world (a new version of the world)."""
        try:
            with session_scope() as session:
                codex.add_link(
                    session,
                    self.actor(),
                    self._shown_entry(),
                    validation.identifier(str(form.get("to", "")), what="entry"),
                    str(form.get("relation", "")),
                    author="person",
                )
        except DSFError as exc:
            yield problem(exc)
            return
        self._fetch()
        yield from refresh_events({"worlds"})

    @rx.event
    def remove_link(self, link_id: str):
        try:
            with session_scope() as session:
                codex.remove_link(
                    session,
                    self.actor(),
                    validation.identifier(link_id, what="link"),
                    author="person",
                )
        except DSFError as exc:
            yield problem(exc)
            return
        self._fetch()
        yield from refresh_events({"worlds"})


on_change("codex", CodexEntryState.reload)
