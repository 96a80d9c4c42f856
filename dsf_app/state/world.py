"""The world page: the world's header, its foundation laid out to read (sections as small
lists), the changelog's first page and the diff of two versions, its stories and the people it
is shared with, and the JSON export.

`WorldPageState` holds what the page shows and loads it (`UrlPage`: `load`, `reload`). Each
panel that changes something is a Reflex substate of it, in its own module, so an event loads
only its panel (and the page above it, whose vars it reads and writes):

- `world_foundation.FoundationEditorState`: the hand editor of one section;
- `world_versions.WorldVersionsState`: older changelog pages, restoring a version;
- `world_stories.WorldStoriesState`: a story's details, deleting a story;
- `world_sharing.WorldSharingState`: visibility, collaborators, invitations.

A fresh load resets every panel (an open dialog closes); after a change a panel calls
`_fetch(initial=False)` so the page shows the world as it is now."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC
from typing import Any

import reflex as rx

from dsf_app.agents.topics import Topic
from dsf_app.errors import Invalid
from dsf_app.services import (
    exports,
    in_world_dates,
    validation,
    versions,
    world_changes,
    world_overview,
)
from dsf_app.services.access import Permission
from dsf_app.state.feedback import shows_problems, when
from dsf_app.state.refresh import reloads_on
from dsf_app.state.url_page import UrlPage
from dsf_app.world_schema import WorldFoundation, as_strings

MAX_DIFF_ROWS = 500


@dataclasses.dataclass
class RuleView:
    index: int
    statement: str
    scope: str
    certainty: str
    implications: list[str]
    exceptions: list[str]


@dataclasses.dataclass
class TechView:
    index: int
    name: str
    how_it_works: str
    limits: list[str]
    speculation: str


@dataclasses.dataclass
class EventView:
    index: int  # its place in the foundation's timeline; -1 for a story part
    event: str
    when: str
    significance: str
    href: str = ""  # a story part's story ("" for the foundation's events)


@dataclasses.dataclass
class ChangeView:
    seq: int  # its place in the world's history: the next page starts below the last shown
    version: int
    at: str
    author: str
    what: str  # "update rules.0.statement", "restored from version 3"
    reason: str


@dataclasses.dataclass
class DiffView:
    path: str
    left: str
    right: str
    change: str


@dataclasses.dataclass
class StoryView:
    id: str
    title: str
    description: str
    segments: int
    words: int
    changed: str


@dataclasses.dataclass
class PersonView:
    user_id: str
    email: str
    name: str
    role: str


@dataclasses.dataclass
class InvitationView:
    id: str
    email: str
    role: str


@reloads_on(Topic.WORLDS, Topic.STORIES)
class WorldPageState(UrlPage, rx.State):
    world_key: rx.Field[str] = rx.field("")
    name: rx.Field[str] = rx.field("")
    description: rx.Field[str] = rx.field("")
    state_name: rx.Field[str] = rx.field("")
    visibility: rx.Field[str] = rx.field("private")
    version: rx.Field[int] = rx.field(0)
    can_edit: rx.Field[bool] = rx.field(False)
    is_owner: rx.Field[bool] = rx.field(False)
    is_member: rx.Field[bool] = rx.field(False)

    premise: rx.Field[str] = rx.field("")
    focus_areas: rx.Field[list[str]] = rx.field(default_factory=list)
    rules: rx.Field[list[RuleView]] = rx.field(default_factory=list)
    technology: rx.Field[list[TechView]] = rx.field(default_factory=list)
    timeline: rx.Field[list[EventView]] = rx.field(default_factory=list)
    geography: rx.Field[str] = rx.field("")
    culture: rx.Field[str] = rx.field("")
    constraints: rx.Field[list[str]] = rx.field(default_factory=list)
    open_questions: rx.Field[list[str]] = rx.field(default_factory=list)
    contradictions: rx.Field[list[str]] = rx.field(default_factory=list)

    changelog: rx.Field[list[ChangeView]] = rx.field(default_factory=list)
    changelog_more: rx.Field[bool] = rx.field(False)
    version_options: rx.Field[list[str]] = rx.field(default_factory=list)
    diff_left: rx.Field[str] = rx.field("")
    diff_right: rx.Field[str] = rx.field("")
    diff_rows: rx.Field[list[DiffView]] = rx.field(default_factory=list)
    diff_checked: rx.Field[bool] = rx.field(False)

    stories: rx.Field[list[StoryView]] = rx.field(default_factory=list)
    collaborators: rx.Field[list[PersonView]] = rx.field(default_factory=list)
    invitations: rx.Field[list[InvitationView]] = rx.field(default_factory=list)

    @rx.var
    def page_title(self) -> str:
        return f"{self.name} · Deep Sci-Fi" if self.found and self.name else "World · Deep Sci-Fi"

    def _reset(self) -> None:
        self.diff_rows, self.diff_checked = [], False
        for panel in self.substates.values():
            panel.reset()  # every dialog of the page closed

    def _forget(self) -> None:
        self.world_key = ""

    def _shown_world(self) -> uuid.UUID:
        """The world this page shows, which every edit and export acts on."""
        return validation.identifier(self.world_key, what="world")

    async def _fetch(self, *, initial: bool) -> None:
        world_id, story_id = self._route()
        named = self._to_fetch(
            world_id if story_id is None else None, self.world_key, initial=initial
        )
        if named is None:
            return
        found = await self._look_up(initial, world_overview.overview, named)
        if found is None:
            return
        self._show(found)
        self.loading = False
        if initial or not self.diff_checked:
            self.diff_left = str(max(self.version - 1, 1))
            self.diff_right = str(self.version)
            if self.version > 1:
                await self._compare()

    def _show(self, found: world_overview.WorldOverview) -> None:
        world = found.world
        self.found = True
        self.world_key = str(world.id)
        self.name, self.description = world.name, world.description
        self.state_name, self.visibility = str(world.state), str(world.visibility)
        self.version = world.version
        self.can_edit = found.level >= Permission.WRITE
        self.is_owner = found.level >= Permission.MANAGE
        self._show_foundation(found.foundation, world.constraints)
        # The foundation's events and the stories' dated parts, by in-world date.
        parts = [
            EventView(-1, part.label, part.date, "", f"/worlds/{world.id}/stories/{part.story_id}")
            for part in found.dated_parts
        ]
        self.timeline = sorted(
            [*self.timeline, *parts], key=lambda e: in_world_dates.sort_key(e.when)
        )
        self.changelog = change_views(found.changes.changes)
        self.changelog_more = found.changes.more
        self.version_options = [str(version) for version in found.versions]
        self.stories = [
            StoryView(
                id=str(card.id),
                title=card.title,
                description=card.description,
                segments=card.segments,
                words=card.words,
                changed=when(card.updated_at),
            )
            for card in found.stories
        ]
        self.is_member = found.collaborators is not None
        self.collaborators = [
            PersonView(user_id=str(p.user_id), email=p.email, name=p.name, role=str(p.role))
            for p in found.collaborators or []
        ]
        self.invitations = [InvitationView(str(i.id), i.email, str(i.role)) for i in found.invited]

    def _show_foundation(self, foundation: WorldFoundation, constraints: list[Any]) -> None:
        self.premise = foundation.core_premise
        self.focus_areas = as_strings(foundation.deep_focus_areas)
        self.rules = [
            RuleView(i, r.statement, r.scope, r.certainty, r.implications, r.exceptions)
            for i, r in enumerate(foundation.rules)
        ]
        self.technology = [
            TechView(i, t.name, t.how_it_works, t.limits, t.speculation)
            for i, t in enumerate(foundation.technology)
        ]
        self.timeline = [
            EventView(i, e.event, e.when, e.significance)
            for i, e in enumerate(foundation.history.timeline)
        ]
        self.geography, self.culture = foundation.geography, foundation.culture
        self.constraints = as_strings(constraints)
        self.open_questions = as_strings(foundation.working_notes.open_questions)
        self.contradictions = as_strings(foundation.working_notes.contradictions)

    # ---- diff ---------------------------------------------------------------------------

    @rx.event
    def set_diff_left(self, value: str) -> None:
        self.diff_left = value

    @rx.event
    def set_diff_right(self, value: str) -> None:
        self.diff_right = value

    @rx.event
    @shows_problems
    async def compare(self) -> None:
        """The side-by-side diff of the two chosen versions."""
        await self._compare()

    async def _compare(self) -> None:
        if not self.diff_left or not self.diff_right or not self.world_key:
            return
        rows = await self.act(
            versions.diff_versions,
            self._shown_world(),
            _version(self.diff_left),
            _version(self.diff_right),
        )
        self.diff_rows = [DiffView(r.path, r.left, r.right, r.change) for r in rows[:MAX_DIFF_ROWS]]
        self.diff_checked = True

    # ---- export -------------------------------------------------------------------------

    @rx.event
    @shows_problems
    async def export_json(self) -> rx.event.EventSpec:
        name, text = await self.act(exports.world_json, self._shown_world())
        return rx.download(data=text, filename=name, mime_type="application/json")


def _version(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise Invalid(f"“{text}” is not a version number; pick one from the list.") from None


def change_views(changes: list[world_changes.Change]) -> list[ChangeView]:
    """The changelog rows of `changes`, newest first as given."""
    return [
        ChangeView(
            seq=change.seq,
            version=change.version,
            at=change.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            author=change.author,
            what=_what_changed(change),
            reason=change.reason,
        )
        for change in changes
    ]


def _what_changed(change: world_changes.Change) -> str:
    """A change in a few words: its operation and path, or the restore."""
    if change.operation == "restore":
        return f"restored from version {change.restored_from}"
    return f"{change.operation} {change.path}".strip()
