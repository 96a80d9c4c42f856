"""The world page state: the foundation laid out to read (sections as small lists), hand edits
of one section at a time, the changelog and a diff of two versions, the world's stories, and
sharing (visibility and collaborators, for the owner)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC
from typing import Any

import reflex as rx

from dsf_app.agents.topics import Topic
from dsf_app.errors import DSFError, Invalid
from dsf_app.services import (
    exports,
    foundation_edits,
    invitations,
    stories,
    validation,
    versions,
    world_changes,
    world_overview,
    world_updates,
    worlds,
)
from dsf_app.services.access import Permission
from dsf_app.state.feedback import done, shows_problems, when
from dsf_app.state.refresh import reloads_on
from dsf_app.state.url_page import UrlPage
from dsf_app.world_schema import WorldFoundation, as_strings

MAX_DIFF_ROWS = 500
# What the editor's title and toasts call each section (items by the name of one of them).
SECTION_TITLES = {
    "core_premise": "Premise",
    "geography": "Geography",
    "culture": "Culture",
    "constraints": "Constraints",
    "deep_focus_areas": "Deep focus areas",
    "open_questions": "Open questions",
    "contradictions": "Contradictions",
    **foundation_edits.ITEM_NAMES,
}


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
    index: int
    event: str
    when: str
    significance: str


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

    editor_open: rx.Field[bool] = rx.field(False)
    editor_kind: rx.Field[str] = rx.field("")  # text | lines | rules | technology | timeline
    editor_section: rx.Field[str] = rx.field("")
    editor_index: rx.Field[int] = rx.field(-1)
    editor_title: rx.Field[str] = rx.field("")
    editor_values: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    editor_error: rx.Field[str] = rx.field("")
    editor_removing: rx.Field[bool] = rx.field(False)

    # The story whose details are being edited, or whose deletion is being confirmed.
    story_edit_id: rx.Field[str] = rx.field("")
    story_edit_title: rx.Field[str] = rx.field("")
    story_edit_description: rx.Field[str] = rx.field("")
    story_edit_error: rx.Field[str] = rx.field("")
    story_delete_id: rx.Field[str] = rx.field("")
    story_delete_title: rx.Field[str] = rx.field("")

    # The version being restored (0: none).
    restore_version: rx.Field[int] = rx.field(0)
    restore_error: rx.Field[str] = rx.field("")

    @rx.var
    def page_title(self) -> str:
        return f"{self.name} · Deep Sci-Fi" if self.found and self.name else "World · Deep Sci-Fi"

    @rx.var
    def story_edit_open(self) -> bool:
        return self.story_edit_id != ""

    @rx.var
    def story_delete_open(self) -> bool:
        return self.story_delete_id != ""

    @rx.var
    def restore_open(self) -> bool:
        return self.restore_version > 0

    def _reset(self) -> None:
        self.diff_rows, self.diff_checked = [], False
        self.editor_open = False
        self.story_edit_id = self.story_delete_id = ""
        self.restore_version = 0

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
        self.changelog = _change_views(found.changes.changes)
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

    @rx.event
    @shows_problems
    async def show_more_changes(self) -> None:
        """The page of changes older than the oldest one shown."""
        if not self.changelog:
            return
        older = await self.act(
            world_changes.page, self._shown_world(), before=self.changelog[-1].seq
        )
        self.changelog = [*self.changelog, *_change_views(older.changes)]
        self.changelog_more = older.more

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

    # ---- restoring a version -------------------------------------------------------------

    @rx.event
    def ask_restore(self) -> None:
        """Restore the version on the left of the comparison (the older one, usually)."""
        self.restore_error = ""
        self.restore_version = int(self.diff_left) if self.diff_left.isdigit() else 0

    @rx.event
    def set_restore_open(self, value: bool) -> None:
        if not value:
            self.restore_version = 0

    @rx.event
    @shows_problems
    async def restore(self, form: dict[str, Any]):
        """A new version of the world equal to the chosen one, with the reason in the log."""
        chosen = self.restore_version
        try:
            await self.act(
                world_updates.restore_version,
                self._shown_world(),
                chosen,
                reason=str(form.get("reason", "")),
                author="person",
                expected_version=self.version,
            )
        except DSFError as exc:  # shown in the dialog, beside the reason the person wrote
            self.restore_error = str(exc)
            await self._fetch(initial=False)
            return
        self.restore_version = 0
        yield done(f"Restored version {chosen} as version {self.version + 1}.")
        self.diff_checked = False
        await self._fetch(initial=False)

    # ---- stories: details and deletion ---------------------------------------------------

    @rx.event
    def edit_story(self, story_id: str) -> None:
        for story in self.stories:
            if story.id == story_id:
                self.story_edit_id, self.story_edit_error = story.id, ""
                self.story_edit_title = story.title
                self.story_edit_description = story.description

    @rx.event
    def set_story_edit_open(self, value: bool) -> None:
        if not value:
            self.story_edit_id = ""

    @rx.event
    @shows_problems
    async def save_story(self, form: dict[str, Any]):
        try:
            await self.act(
                stories.update_story,
                validation.identifier(self.story_edit_id, what="story"),
                title=str(form.get("title", "")),
                description=str(form.get("description", "")),
            )
        except DSFError as exc:  # shown in the form, beside what the person wrote
            self.story_edit_error = str(exc)
            return
        self.story_edit_id = ""
        yield done("Story details saved.")
        await self._fetch(initial=False)

    @rx.event
    def ask_delete_story(self, story_id: str) -> None:
        for story in self.stories:
            if story.id == story_id:
                self.story_delete_id, self.story_delete_title = story.id, story.title

    @rx.event
    def cancel_delete_story(self) -> None:
        self.story_delete_id = ""

    @rx.event
    @shows_problems
    async def confirm_delete_story(self):
        chosen, title = self.story_delete_id, self.story_delete_title
        self.story_delete_id = ""
        if not chosen:
            return
        await self.act(stories.delete_story, validation.identifier(chosen, what="story"))
        yield done(f"Deleted “{title}”.")
        await self._fetch(initial=False)

    # ---- hand edits ---------------------------------------------------------------------

    @rx.event
    def edit_text(self, section: str) -> None:
        value = {"core_premise": self.premise, "geography": self.geography}.get(
            section, self.culture
        )
        title = f"Edit the {SECTION_TITLES[section].lower()}"
        self._open_editor("text", section, -1, title, {"text": value})

    @rx.event
    def edit_lines(self, section: str) -> None:
        lines = {
            "constraints": self.constraints,
            "deep_focus_areas": self.focus_areas,
            "open_questions": self.open_questions,
            "contradictions": self.contradictions,
        }[section]
        title = f"Edit the {SECTION_TITLES[section].lower()}"
        self._open_editor("lines", section, -1, title, {"lines": "\n".join(lines)})

    @rx.event
    def edit_item(self, section: str, index: int) -> None:
        values: dict[str, str] = {}
        if section == "rules" and 0 <= index < len(self.rules):
            rule = self.rules[index]
            values = {
                "statement": rule.statement,
                "scope": rule.scope,
                "certainty": rule.certainty,
                "implications": "\n".join(rule.implications),
                "exceptions": "\n".join(rule.exceptions),
            }
        elif section == "technology" and 0 <= index < len(self.technology):
            tech = self.technology[index]
            values = {
                "name": tech.name,
                "how_it_works": tech.how_it_works,
                "limits": "\n".join(tech.limits),
                "speculation": tech.speculation,
            }
        elif section == "timeline" and 0 <= index < len(self.timeline):
            event = self.timeline[index]
            values = {"event": event.event, "when": event.when, "significance": event.significance}
        else:
            index = -1
            values = {"scope": "universal", "certainty": "established"}
            values |= {"speculation": "plausible extrapolation"}
        verb = "Edit this" if index >= 0 else "Add a"
        self._open_editor(section, section, index, f"{verb} {SECTION_TITLES[section]}", values)

    def _open_editor(
        self, kind: str, section: str, index: int, title: str, values: dict[str, str]
    ) -> None:
        self.editor_kind, self.editor_section, self.editor_index = kind, section, index
        self.editor_title = title
        self.editor_values = values
        self.editor_removing = False
        self.editor_error = ""
        self.editor_open = True

    @rx.event
    def set_editor_open(self, value: bool) -> None:
        self.editor_open = value

    @rx.event
    def mark_remove(self) -> None:
        """The editor's Remove button was pressed: the form's submit removes the item."""
        self.editor_removing = True

    @rx.event
    @shows_problems
    async def save_edit(self, form: dict[str, Any]):
        """Apply the editor's form as one change of the world, recorded in the changelog (or,
        after the editor's Remove button, remove the item it shows)."""
        removing, self.editor_removing = self.editor_removing, False
        section, index = self.editor_section, self.editor_index
        try:
            if removing:
                await self.act(
                    foundation_edits.remove_with_form,
                    self._shown_world(),
                    section,
                    index,
                    form,
                    expected_version=self.version,
                )
            else:
                await self.act(
                    foundation_edits.save_form,
                    self._shown_world(),
                    section,
                    index if index >= 0 else None,
                    form,
                    expected_version=self.version,
                )
        except DSFError as exc:  # shown in the editor, beside what the person wrote
            self.editor_error = str(exc)
            if not removing:
                await self._fetch(initial=False)
            return
        self.editor_open = False
        yield done(
            f"Removed the {SECTION_TITLES[section]}."
            if removing
            else "Saved; the change is in the changelog."
        )
        self.diff_checked = False
        await self._fetch(initial=False)

    # ---- sharing ------------------------------------------------------------------------

    @rx.event
    @shows_problems
    async def set_visibility(self, value: str) -> rx.event.EventSpec:
        await self.act(worlds.set_visibility, self._shown_world(), value)
        self.visibility = value
        return done(f"“{self.name}” is now {value}.")

    @rx.event
    @shows_problems
    async def add_collaborator(self, form: dict[str, Any]):
        email = str(form.get("email", "")).strip()
        role = str(form.get("role", "viewer"))
        shared = await self.act(worlds.add_collaborator, self._shown_world(), email, role)
        yield done(sharing_news(shared, self.name))
        await self._fetch(initial=False)

    @rx.event
    @shows_problems
    async def revoke_invitation(self, invitation_id: str):
        invitation = validation.identifier(invitation_id, what="invitation")
        email = await self.act(invitations.revoke, self._shown_world(), invitation)
        yield done(f"The invitation for {email} is withdrawn.")
        await self._fetch(initial=False)

    @rx.event
    @shows_problems
    async def remove_collaborator(self, user_id: str) -> None:
        person = validation.identifier(user_id, what="collaborator")
        await self.act(worlds.remove_collaborator, self._shown_world(), person)
        await self._fetch(initial=False)

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


def _change_views(changes: list[world_changes.Change]) -> list[ChangeView]:
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


def sharing_news(shared: worlds.Sharing, world_name: str) -> str:
    """The toast for an added collaborator: the same words for an email with an account and
    one without, so the form tells nobody who uses DSF."""
    role = f"a{'n' if shared.role == 'editor' else ''} {shared.role}"
    if not shared.invited:
        return f"{shared.email} is now {role}."
    return (
        f"Invited {shared.email} as {role} of “{world_name}”: the world is theirs to open the "
        "next time they use Deep Sci-Fi with that email (or once they sign up with it)."
    )
