"""The story reader state: one page of the path the reader follows through a story's branches,
the forks along it, the chosen branches, hand edits of a segment, and the exports."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import reflex as rx

from dsf_app.db import session_scope
from dsf_app.errors import DSFError, NotFound
from dsf_app.services import canvas, exports, mentions, reader, stories, validation
from dsf_app.services.access import not_visible
from dsf_app.state.auth import ActsForPerson, current_actor
from dsf_app.state.feedback import done, problem
from dsf_app.state.refresh import on_change
from dsf_app.state.routes import route_ids
from dsf_app.state.url_page import UrlPage
from dsf_app.world_schema import as_strings

ROOT = "root"  # the key of the story's opening in `choices`


@dataclasses.dataclass
class TextPiece:
    """A run of a segment's text; `entry` is the Codex entry it mentions ("" for plain text)."""

    text: str
    entry: str


@dataclasses.dataclass
class SegmentView:
    id: str
    position: int
    title: str
    content: str
    words: int
    introduced: list[str]
    applied: list[str]
    challenged: list[str]
    questions: list[str]
    has_notes: bool
    starts_branch: bool
    scene: list[dict[str, Any]]  # the canvas scene saved with the segment, as the canvas draws it
    pieces: list[TextPiece]  # the text, with mentions of Codex entries as links


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


class StoryPageState(ActsForPerson, UrlPage, rx.State):
    story_key: str = ""
    world_key: str = ""
    title: str = ""
    description: str = ""
    world_name: str = ""
    can_edit: bool = False
    segments: list[SegmentView] = []
    forks: list[ForkView] = []
    path_length: int = 0
    path_words: int = 0
    page: int = 1
    pages: int = 1
    choices: dict[str, str] = {}

    edit_open: bool = False
    edit_id: str = ""
    edit_title: str = ""
    edit_content: str = ""
    edit_error: str = ""

    @rx.event
    def load(self):
        """on_load: the story in the URL from its first page, following first branches."""
        self._start_loading()
        self.page = 1
        self.choices = {}
        self.edit_open = False
        yield
        yield from self._fetch(initial=True)

    @rx.event
    def reload(self):
        """After an agent changed stories: the same page of the same path again."""
        yield from self._fetch(initial=False)

    def _shown_story(self) -> uuid.UUID:
        """The story this page shows, which edits and exports act on."""
        return validation.identifier(self.story_key, what="story")

    def _ids(self) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        return route_ids(self.router.url.path)

    def _fetch(self, *, initial: bool, show: uuid.UUID | None = None):
        world_id, story_id = self._ids()
        if story_id is None or (not initial and str(story_id) != self.story_key):
            self.loading = False
            return
        actor = current_actor(self)
        if actor is None:
            self.loading = False
            return
        try:
            with session_scope() as session:
                view = reader.read(
                    session, actor, story_id, choices=self._choices(), page=self.page, show=show
                )
                if view.story.world_id != world_id:
                    raise NotFound(not_visible("story", story_id))
                linked = mentions.link_texts(
                    session, view.world.id, [segment.content for segment in view.segments]
                )
        except DSFError as exc:
            # Nothing shown, so nothing for the page's buttons to act on.
            self.loading, self.found, self.story_key = False, False, ""
            if not initial:
                yield problem(exc)
            return
        self._show(view, linked)
        self.loading = False

    def _choices(self) -> dict[uuid.UUID | None, uuid.UUID]:
        return {
            (None if parent == ROOT else uuid.UUID(parent)): uuid.UUID(child)
            for parent, child in self.choices.items()
        }

    def _show(self, view: reader.ReaderPage, linked: list[list[mentions.Piece]]) -> None:
        self.found = True
        self.story_key, self.world_key = str(view.story.id), str(view.world.id)
        self.title, self.description = view.story.title, view.story.description
        self.world_name, self.can_edit = view.world.name, view.can_edit
        self.path_length, self.path_words = view.path_length, view.path_words
        self.page, self.pages = view.page, view.pages
        self.segments = [
            self._segment(
                segment, view.first_position + n, segment.id in view.fork_children, pieces
            )
            for n, (segment, pieces) in enumerate(zip(view.segments, linked, strict=True))
        ]
        self.forks = [
            ForkView(
                position=fork.after_position,
                after=fork.after_title,
                options=[
                    OptionView(str(o.segment_id), o.label, o.chosen, o.length) for o in fork.options
                ],
            )
            for fork in view.forks
        ]

    @staticmethod
    def _segment(
        segment, position: int, starts_branch: bool, pieces: list[mentions.Piece]
    ) -> SegmentView:
        notes = segment.world_evolution if isinstance(segment.world_evolution, dict) else {}
        introduced = as_strings(notes.get("elements_introduced"))
        applied = as_strings(notes.get("rules_applied"))
        challenged = as_strings(notes.get("rules_challenged"))
        questions = as_strings(notes.get("new_questions"))
        return SegmentView(
            id=str(segment.id),
            position=position,
            title=segment.title,
            content=segment.content,
            words=segment.word_count,
            introduced=introduced,
            applied=applied,
            challenged=challenged,
            questions=questions,
            has_notes=bool(introduced or applied or challenged or questions),
            starts_branch=starts_branch,
            scene=canvas.for_browser(segment.ui_components or []),
            pieces=[TextPiece(piece.text, piece.target) for piece in pieces],
        )

    @rx.event
    def choose(self, option_id: str):
        """Follow another branch: the path goes through `option_id`, shown on its page."""
        try:
            target = uuid.UUID(option_id)
        except ValueError:
            return
        self._remember(target)
        yield from self._fetch(initial=False, show=target)

    def _remember(self, target: uuid.UUID) -> None:
        """Keep the choices that lead to `target`, so paging stays on its branch."""
        try:
            with session_scope() as session:
                story = stories.get_story(session, self.actor(), self._shown_story())
                chosen = reader.outline(session, story.id).leaf_path_through(target)
        except DSFError:
            return
        self.choices = {(ROOT if p is None else str(p)): str(c) for p, c in chosen.items()}

    @rx.event
    def go_to_page(self, page: int):
        self.page = page
        yield from self._fetch(initial=False)
        yield rx.call_script("window.scrollTo(0, 0)")

    @rx.event
    def next_page(self):
        if self.page < self.pages:
            yield from self.go_to_page(self.page + 1)

    @rx.event
    def previous_page(self):
        if self.page > 1:
            yield from self.go_to_page(self.page - 1)

    # ---- hand edits ---------------------------------------------------------------------

    @rx.event
    def open_edit(self, segment_id: str) -> None:
        for segment in self.segments:
            if segment.id == segment_id:
                self.edit_id, self.edit_title = segment.id, segment.title
                self.edit_content, self.edit_error = segment.content, ""
                self.edit_open = True

    @rx.event
    def set_edit_open(self, value: bool) -> None:
        self.edit_open = value

    @rx.event
    def save_edit(self, form: dict):
        content = str(form.get("content", ""))
        if not content.strip():
            self.edit_error = "A segment needs some text; to drop it, ask the World Agent."
            return
        try:
            with session_scope() as session:
                stories.update_segment(
                    session,
                    self.actor(),
                    validation.identifier(self.edit_id, what="segment"),
                    title=str(form.get("title", "")),
                    content=content,
                )
        except DSFError as exc:
            self.edit_error = str(exc)
            return
        self.edit_open = False
        yield done("Segment saved.")
        yield from self._fetch(initial=False)

    # ---- exports ------------------------------------------------------------------------

    @rx.event
    def export_markdown(self):
        yield from self._download(exports.story_markdown, "text/markdown")

    @rx.event
    def export_epub(self):
        yield from self._download(exports.story_epub, "application/epub+zip")

    def _download(self, export: exports.StoryFile, mime_type: str):
        """The story along the path being read, as a file from `export`."""
        try:
            with session_scope() as session:
                name, data = export(session, self.actor(), self._shown_story(), self._choices())
        except DSFError as exc:
            yield problem(exc)
            return
        yield rx.download(data=data, filename=name, mime_type=mime_type)


on_change("stories", StoryPageState.reload)
