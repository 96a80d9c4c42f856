"""The story reader: one page of the path the reader follows through a story's branches, the
forks along it, the chosen branches, another version of a part asked of the World Agent (the
reader switches to it once the agent saved it), and the Markdown and EPUB exports.

`StoryPageState` holds what the page shows and loads it (`UrlPage`). The panels that change
the story are Reflex substates of it, so their events load only their panel and the page:
`story_parts.StoryPartsState` (edit or delete one part) and `story_details.StoryDetailsState`
(the story's title and description, deleting the story). A fresh load resets every panel."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import reflex as rx
from sqlmodel import Session

from dsf_app import pools
from dsf_app.agents.topics import Topic
from dsf_app.errors import DSFError
from dsf_app.models import StorySegment
from dsf_app.services import (
    alternatives,
    asset_files,
    canvas,
    codex_progressions,
    exports,
    mentions,
    reader,
    validation,
)
from dsf_app.services.actor import Actor
from dsf_app.state.feedback import Followup, shows_problems
from dsf_app.state.refresh import reloads_on
from dsf_app.state.turn_start import start_turn
from dsf_app.state.url_page import UrlPage
from dsf_app.world_schema import as_strings

ROOT = "root"  # the key of the story's opening in `choices`
CARD_BODY = 400  # characters of an entry's description its hover card shows


@dataclasses.dataclass
class TextPiece:
    """A run of a segment's text; `entry` is the Codex entry it mentions ("" for plain text),
    `card` its place in the segment's `cards` (-1 for plain text)."""

    text: str
    entry: str
    card: int


@dataclasses.dataclass
class MentionCard:
    """An entry a segment mentions, as it is at that segment on its branch (its progressions
    applied): what the mention's hover card shows."""

    name: str
    kind: str
    aliases: str
    summary: str
    body: str  # the start of it


@dataclasses.dataclass
class SegmentView:
    id: str
    position: int
    title: str
    date: str  # when it happens in the world ("" when the writer did not say)
    content: str
    words: int
    introduced: list[str]
    applied: list[str]
    challenged: list[str]
    questions: list[str]
    has_notes: bool
    starts_branch: bool
    below: int  # segments that continue from this one, in every branch
    scene: list[dict[str, Any]]  # the canvas scene saved with the segment, as the canvas draws it
    pieces: list[TextPiece]  # the text, with mentions of Codex entries as links
    cards: list[MentionCard]


@dataclasses.dataclass
class OptionView:
    id: str
    label: str
    chosen: bool
    parts: int  # segments down this branch, following its first continuations


@dataclasses.dataclass
class ForkView:
    position: int  # the part of the path after which the story forks (0: at its opening)
    after: str
    options: list[OptionView]


def _segment(
    segment: StorySegment,
    position: int,
    starts_branch: bool,
    below: int,
    pieces: list[mentions.Piece],
    lore: Mapping[uuid.UUID, codex_progressions.EntryLore],
) -> SegmentView:
    notes = segment.world_evolution if isinstance(segment.world_evolution, dict) else {}
    introduced = as_strings(notes.get("elements_introduced"))
    applied = as_strings(notes.get("rules_applied"))
    challenged = as_strings(notes.get("rules_challenged"))
    questions = as_strings(notes.get("new_questions"))
    mentioned = dict.fromkeys(uuid.UUID(p.target) for p in pieces if p.target)
    cards = {key: n for n, key in enumerate(k for k in mentioned if k in lore)}
    return SegmentView(
        id=str(segment.id),
        position=position,
        title=segment.title,
        date=segment.in_world_date,
        content=segment.content,
        words=segment.word_count,
        introduced=introduced,
        applied=applied,
        challenged=challenged,
        questions=questions,
        has_notes=bool(introduced or applied or challenged or questions),
        starts_branch=starts_branch,
        below=below,
        scene=canvas.for_browser(segment.ui_components or []),
        pieces=[
            TextPiece(p.text, p.target, cards.get(uuid.UUID(p.target), -1) if p.target else -1)
            for p in pieces
        ],
        cards=[_card(lore[key]) for key in cards],
    )


def _card(lore: codex_progressions.EntryLore) -> MentionCard:
    body = lore.body if len(lore.body) <= CARD_BODY else lore.body[:CARD_BODY].rstrip() + "…"
    return MentionCard(lore.name, lore.kind, ", ".join(lore.aliases), lore.summary, body)


def _fork(fork: reader.Fork) -> ForkView:
    return ForkView(
        position=fork.after_position,
        after=fork.after_title,
        options=[OptionView(str(o.segment_id), o.label, o.chosen, o.length) for o in fork.options],
    )


@dataclasses.dataclass(frozen=True)
class ReaderView:
    """A page of the reader as the page state shows it, built in the worker thread."""

    page: reader.ReaderPage
    segments: list[SegmentView]
    forks: list[ForkView]


def _read(
    session: Session,
    actor: Actor,
    story_id: uuid.UUID,
    *,
    world_id: uuid.UUID | None,
    choices: Mapping[uuid.UUID | None, uuid.UUID],
    page: int,
    show: uuid.UUID | None,
) -> ReaderView:
    view = reader.read(
        session, actor, story_id, world_id=world_id, choices=choices, page=page, show=show
    )
    # Mentions are linked here, in the worker thread: a cold cache builds the world's automaton.
    linked = mentions.link_texts(session, actor, view.world.id, [s.content for s in view.segments])
    # Each mentioned entry as it is at the part that mentions it, on its branch.
    lore = codex_progressions.mentioned_as_of(
        session,
        actor,
        view.story.id,
        {
            segment.id: {uuid.UUID(p.target) for p in pieces if p.target}
            for segment, pieces in zip(view.segments, linked, strict=True)
        },
    )
    return ReaderView(
        page=view,
        segments=[
            _segment(
                segment,
                view.first_position + n,
                segment.id in view.fork_children,
                view.below.get(segment.id, 0),
                pieces,
                lore.get(segment.id, {}),
            )
            for n, (segment, pieces) in enumerate(zip(view.segments, linked, strict=True))
        ],
        forks=[_fork(fork) for fork in view.forks],
    )


@reloads_on(Topic.STORIES, Topic.CODEX)
class StoryPageState(UrlPage, rx.State):
    story_key: rx.Field[str] = rx.field("")
    world_key: rx.Field[str] = rx.field("")
    title: rx.Field[str] = rx.field("")
    description: rx.Field[str] = rx.field("")
    world_name: rx.Field[str] = rx.field("")
    can_edit: rx.Field[bool] = rx.field(False)
    segments: rx.Field[list[SegmentView]] = rx.field(default_factory=list)
    forks: rx.Field[list[ForkView]] = rx.field(default_factory=list)
    path_length: rx.Field[int] = rx.field(0)
    path_words: rx.Field[int] = rx.field(0)
    page: rx.Field[int] = rx.field(1)
    pages: rx.Field[int] = rx.field(1)
    choices: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    # Another version asked of the World Agent: the parent it continues (ROOT: a new opening)
    # and when it was asked; the reader switches to it once it is saved ("" when none).
    awaited_parent: rx.Field[str] = rx.field("")
    awaited_since: rx.Field[str] = rx.field("")

    @rx.var
    def page_title(self) -> str:
        if self.found and self.title:
            return f"{self.title} · {self.world_name} · Deep Sci-Fi"
        return "Story · Deep Sci-Fi"

    def _reset(self) -> None:
        self.page = 1
        self.choices = {}
        self.awaited_parent = self.awaited_since = ""
        for panel in self.substates.values():
            panel.reset()  # every dialog of the page closed

    def _forget(self) -> None:
        self.story_key = ""

    def _shown_story(self) -> uuid.UUID:
        """The story this page shows, which edits and exports act on."""
        return validation.identifier(self.story_key, what="story")

    async def _fetch(self, *, initial: bool, show: uuid.UUID | None = None) -> None:
        world_id, named = self._route()
        story_id = self._to_fetch(named, self.story_key, initial=initial)
        if story_id is None:
            return
        if not initial and self.awaited_parent:
            show = await self._awaited_arrival(story_id) or show
        found = await self._look_up(
            initial,
            _read,
            story_id,
            world_id=world_id,
            choices=self._choices(),
            page=self.page,
            show=show,
        )
        if found is None:
            return
        view = found.page
        self.found = True
        self.story_key, self.world_key = str(view.story.id), str(view.world.id)
        self.title, self.description = view.story.title, view.story.description
        self.world_name, self.can_edit = view.world.name, view.can_edit
        self.path_length, self.path_words = view.path_length, view.path_words
        self.page, self.pages = view.page, view.pages
        self.segments, self.forks = found.segments, found.forks
        self.loading = False

    def _choices(self) -> dict[uuid.UUID | None, uuid.UUID]:
        return {
            (None if parent == ROOT else uuid.UUID(parent)): uuid.UUID(child)
            for parent, child in self.choices.items()
        }

    @rx.event
    @shows_problems
    async def choose(self, option_id: str) -> None:
        """Follow another branch: the path goes through `option_id`, shown on its page."""
        try:
            target = uuid.UUID(option_id)
        except ValueError:
            return
        try:
            # Kept, so paging stays on the branch.
            chosen = await self.act(reader.choices_through, self._shown_story(), target)
        except DSFError:
            return
        self.choices = {(ROOT if p is None else str(p)): str(c) for p, c in chosen.items()}
        await self._fetch(initial=False, show=target)

    @rx.event
    @shows_problems
    async def next_page(self) -> None:
        if self.page < self.pages:
            await self._turn_to(self.page + 1)

    @rx.event
    @shows_problems
    async def previous_page(self) -> None:
        if self.page > 1:
            await self._turn_to(self.page - 1)

    async def _turn_to(self, page: int) -> None:
        self.page = page
        await self._fetch(initial=False)

    # ---- another version of a part, by the World Agent ----------------------------------

    @rx.event
    @shows_problems
    async def regenerate_segment(self, segment_id: str) -> Followup:
        """Ask the World Agent, in the chat, for another version of a part as a new branch from
        the same parent; the reader switches to it when the agent has saved it."""
        asked = await self.act(
            alternatives.ask,
            self._shown_story(),
            validation.identifier(segment_id, what="segment"),
        )
        self.awaited_parent = ROOT if asked.parent_id is None else str(asked.parent_id)
        self.awaited_since = asked.asked_at.isoformat()
        return start_turn(asked.message)

    async def _awaited_arrival(self, story_id: uuid.UUID) -> uuid.UUID | None:
        """The alternative asked for, once saved: the path then goes through it."""
        parent = None if self.awaited_parent == ROOT else uuid.UUID(self.awaited_parent)
        since = datetime.fromisoformat(self.awaited_since)
        arrival = await self.act(alternatives.arrived, story_id, parent, since)
        if arrival is None:
            return None
        self.awaited_parent = self.awaited_since = ""
        self.choices = {(ROOT if p is None else str(p)): str(c) for p, c in arrival.choices.items()}
        return arrival.segment_id

    # ---- exports ------------------------------------------------------------------------

    @rx.event
    @shows_problems
    async def export_markdown(self) -> rx.event.EventSpec:
        """The story along the path being read, as Markdown."""
        name, text = await self.act(exports.story_markdown, self._shown_story(), self._choices())
        return rx.download(data=text, filename=name, mime_type="text/markdown")

    @rx.event
    @shows_problems
    async def export_epub(self) -> rx.event.EventSpec:
        """The story along the path being read, as EPUB; its cover comes from S3 after the
        database work is done."""
        book = await self.act(exports.story_book, self._shown_story(), self._choices())
        storage = asset_files.asset_storage()
        name, data = await pools.in_event_thread(exports.story_epub, book, storage)
        return rx.download(data=data, filename=name, mime_type="application/epub+zip")
