"""The world page state: the foundation laid out to read (sections as small lists), hand edits
of one section at a time, the changelog and a diff of two versions, the world's stories, and
sharing (visibility and collaborators, for the owner)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import reflex as rx
from sqlmodel import Session

from dsf_app.db import session_scope
from dsf_app.errors import DSFError, Forbidden
from dsf_app.models import World
from dsf_app.services import (
    exports,
    foundation_edits,
    invitations,
    reader,
    validation,
    versions,
    worlds,
)
from dsf_app.services.access import Permission, world_with_level
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson, current_actor
from dsf_app.state.feedback import done, problem, when
from dsf_app.state.refresh import on_change
from dsf_app.state.routes import route_ids
from dsf_app.state.url_page import UrlPage
from dsf_app.world_schema import WorldFoundation, as_strings

CHANGELOG_PAGE = 30
# The editor's form: which fields each kind of section has.
ITEM_SECTIONS = ("rules", "technology", "timeline")
TEXT_SECTIONS = ("core_premise", "geography", "culture")
LINES_SECTIONS = ("constraints", "deep_focus_areas", "open_questions", "contradictions")
SECTION_TITLES = {
    "core_premise": "Premise",
    "geography": "Geography",
    "culture": "Culture",
    "constraints": "Constraints",
    "deep_focus_areas": "Deep focus areas",
    "open_questions": "Open questions",
    "contradictions": "Contradictions",
    "rules": "rule",
    "technology": "technology system",
    "timeline": "history event",
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
    version: int
    at: str
    author: str
    path: str
    operation: str
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


class WorldPageState(ActsForPerson, UrlPage, rx.State):
    world_key: str = ""
    name: str = ""
    description: str = ""
    state_name: str = ""
    visibility: str = "private"
    version: int = 0
    can_edit: bool = False
    is_owner: bool = False
    is_member: bool = False

    premise: str = ""
    focus_areas: list[str] = []
    rules: list[RuleView] = []
    technology: list[TechView] = []
    timeline: list[EventView] = []
    geography: str = ""
    culture: str = ""
    constraints: list[str] = []
    open_questions: list[str] = []
    contradictions: list[str] = []

    changelog: list[ChangeView] = []
    changelog_total: int = 0
    changelog_shown: int = CHANGELOG_PAGE
    version_options: list[str] = []
    diff_left: str = ""
    diff_right: str = ""
    diff_rows: list[DiffView] = []
    diff_checked: bool = False

    stories: list[StoryView] = []
    collaborators: list[PersonView] = []
    invitations: list[InvitationView] = []

    editor_open: bool = False
    editor_kind: str = ""  # text | lines | rules | technology | timeline
    editor_section: str = ""
    editor_index: int = -1
    editor_title: str = ""
    editor_values: dict[str, str] = {}
    editor_error: str = ""
    editor_removing: bool = False

    @rx.event
    def load(self):
        """on_load: the world named in the URL, or the "not found" state."""
        self._start_loading()
        self.diff_rows, self.diff_checked = [], False
        self.changelog_shown = CHANGELOG_PAGE
        self.editor_open = False
        yield
        yield from self._fetch(initial=True)

    @rx.event
    def reload(self):
        """After an agent changed worlds or stories: the same world again, if it is shown."""
        yield from self._fetch(initial=False)

    def _shown_world(self) -> uuid.UUID:
        """The world this page shows, which every edit and export acts on."""
        return validation.identifier(self.world_key, what="world")

    def _world_id(self) -> uuid.UUID | None:
        world_id, story_id = route_ids(self.router.url.path)
        return world_id if story_id is None else None

    def _fetch(self, *, initial: bool):
        world_id = self._world_id()
        if world_id is None or (not initial and str(world_id) != self.world_key):
            self.loading = False
            return
        actor = current_actor(self)
        if actor is None:
            self.loading = False
            return
        try:
            with session_scope() as session:
                self._read(session, actor, world_id)
        except DSFError as exc:
            # Nothing shown, so nothing for the page's buttons to act on.
            self.loading, self.found, self.world_key = False, False, ""
            if not initial:
                yield problem(exc)
            return
        if initial or not self.diff_checked:
            self.diff_left = str(max(self.version - 1, 1))
            self.diff_right = str(self.version)
            if self.version > 1:
                yield WorldPageState.compare
        self.loading = False

    def _read(self, session: Session, actor: Actor, world_id: uuid.UUID) -> None:
        world, level = world_with_level(session, actor, world_id)
        self.found = True
        self.world_key = str(world.id)
        self.name, self.description = world.name, world.description
        self.state_name, self.visibility = str(world.state), str(world.visibility)
        self.version = world.version
        self.can_edit = level >= Permission.WRITE
        self.is_owner = level >= Permission.MANAGE
        self._show_foundation(world)
        self._show_changelog(world)
        self.version_options = [
            str(v.version) for v in versions.list_versions(session, actor, world.id)
        ]
        self.stories = [
            StoryView(
                id=str(card.id),
                title=card.title,
                description=card.description,
                segments=card.segments,
                words=card.words,
                changed=when(card.updated_at),
            )
            for card in reader.story_cards(session, actor, world.id)
        ]
        try:
            people = worlds.list_collaborators(session, actor, world.id)
            self.is_member = True
        except Forbidden:
            people, self.is_member = [], False
        self.collaborators = [
            PersonView(user_id=str(p.user_id), email=p.email, name=p.name, role=str(p.role))
            for p in people
        ]
        invited = invitations.list_invitations(session, actor, world.id) if self.is_owner else []
        self.invitations = [InvitationView(str(i.id), i.email, str(i.role)) for i in invited]

    def _show_foundation(self, world: World) -> None:
        foundation = WorldFoundation.model_validate(_lenient(world.foundation))
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
        self.constraints = as_strings(world.constraints)
        self.open_questions = as_strings(foundation.working_notes.open_questions)
        self.contradictions = as_strings(foundation.working_notes.contradictions)

    def _show_changelog(self, world: World) -> None:
        entries = world.changelog if isinstance(world.changelog, list) else []
        self.changelog_total = len(entries)
        newest = list(reversed(entries[-self.changelog_shown :]))
        self.changelog = [
            ChangeView(
                version=int(entry.get("version", 0) or 0),
                at=str(entry.get("at", ""))[:16].replace("T", " "),
                author=str(entry.get("author", "")),
                path=str(entry.get("path", "")),
                operation=str(entry.get("operation", "")),
                reason=str(entry.get("reason", "")),
            )
            for entry in newest
            if isinstance(entry, dict)
        ]

    @rx.event
    def show_more_changes(self):
        self.changelog_shown += CHANGELOG_PAGE
        yield from self._fetch(initial=False)

    # ---- diff ---------------------------------------------------------------------------

    @rx.event
    def set_diff_left(self, value: str) -> None:
        self.diff_left = value

    @rx.event
    def set_diff_right(self, value: str) -> None:
        self.diff_right = value

    @rx.event
    def compare(self):
        """The side-by-side diff of the two chosen versions."""
        if not self.diff_left or not self.diff_right or not self.world_key:
            return
        try:
            with session_scope() as session:
                rows = versions.diff_versions(
                    session,
                    self.actor(),
                    self._shown_world(),
                    int(self.diff_left),
                    int(self.diff_right),
                )
        except DSFError as exc:
            yield problem(exc)
            return
        self.diff_rows = [DiffView(r.path, r.left, r.right, r.change) for r in rows[:500]]
        self.diff_checked = True

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
    def save_edit(self, form: dict):
        """Apply the editor's form as one change of the world, recorded in the changelog."""
        if self.editor_removing:
            self.editor_removing = False
            yield from self._remove(form)
            return
        section, reason = self.editor_section, str(form.get("reason", ""))
        try:
            actor = self.actor()
            world_id = self._shown_world()
            with session_scope() as session:
                common = {"reason": reason, "expected_version": self.version}
                if self.editor_kind == "text":
                    foundation_edits.save_text(
                        session, actor, world_id, section, str(form.get("text", "")), **common
                    )
                elif self.editor_kind == "lines":
                    lines = str(form.get("lines", "")).splitlines()
                    foundation_edits.save_lines(session, actor, world_id, section, lines, **common)
                else:
                    index = self.editor_index if self.editor_index >= 0 else None
                    foundation_edits.save_item(
                        session,
                        actor,
                        world_id,
                        section,
                        index,
                        _item_values(section, form),
                        **common,
                    )
        except DSFError as exc:
            self.editor_error = str(exc)
            yield from self._fetch(initial=False)
            return
        self.editor_open = False
        yield done("Saved; the change is in the changelog.")
        self.diff_checked = False
        yield from self._fetch(initial=False)

    def _remove(self, form: dict):
        """Remove the item the editor shows (the reason field is still required)."""
        try:
            with session_scope() as session:
                foundation_edits.remove_item(
                    session,
                    self.actor(),
                    self._shown_world(),
                    self.editor_section,
                    self.editor_index,
                    reason=str(form.get("reason", "")),
                    expected_version=self.version,
                )
        except DSFError as exc:
            self.editor_error = str(exc)
            return
        self.editor_open = False
        yield done(f"Removed the {SECTION_TITLES[self.editor_section]}.")
        self.diff_checked = False
        yield from self._fetch(initial=False)

    # ---- sharing ------------------------------------------------------------------------

    @rx.event
    def set_visibility(self, value: str):
        try:
            with session_scope() as session:
                worlds.set_visibility(session, self.actor(), self._shown_world(), value)
        except DSFError as exc:
            yield problem(exc)
            return
        self.visibility = value
        yield done(f"“{self.name}” is now {value}.")

    @rx.event
    def add_collaborator(self, form: dict):
        email = str(form.get("email", "")).strip()
        role = str(form.get("role", "viewer"))
        try:
            with session_scope() as session:
                shared = worlds.add_collaborator(
                    session, self.actor(), self._shown_world(), email, role
                )
        except DSFError as exc:
            yield problem(exc)
            return
        yield done(sharing_news(shared, self.name))
        yield from self._fetch(initial=False)

    @rx.event
    def revoke_invitation(self, invitation_id: str):
        try:
            with session_scope() as session:
                email = invitations.revoke(
                    session,
                    self.actor(),
                    self._shown_world(),
                    validation.identifier(invitation_id, what="invitation"),
                )
        except DSFError as exc:
            yield problem(exc)
            return
        yield done(f"The invitation for {email} is withdrawn.")
        yield from self._fetch(initial=False)

    @rx.event
    def remove_collaborator(self, user_id: str):
        try:
            with session_scope() as session:
                worlds.remove_collaborator(
                    session,
                    self.actor(),
                    self._shown_world(),
                    validation.identifier(user_id, what="collaborator"),
                )
        except DSFError as exc:
            yield problem(exc)
            return
        yield from self._fetch(initial=False)

    # ---- export -------------------------------------------------------------------------

    @rx.event
    def export_json(self):
        try:
            with session_scope() as session:
                name, text = exports.world_json(session, self.actor(), self._shown_world())
        except DSFError as exc:
            yield problem(exc)
            return
        yield rx.download(data=text, filename=name, mime_type="application/json")


def _lenient(foundation: dict[str, Any]) -> dict[str, Any]:
    """The foundation with the parts that do not fit the model left out (an agent may have
    written a rule without a statement); the page shows what it can read."""
    try:
        WorldFoundation.model_validate(foundation)
        return foundation
    except ValueError:
        pass
    kept: dict[str, Any] = {}
    for key, value in foundation.items():
        try:
            WorldFoundation.model_validate({key: value})
            kept[key] = value
        except ValueError:
            if isinstance(value, list):
                kept[key] = [item for item in value if _fits(key, item)]
    return kept


def _fits(key: str, item: Any) -> bool:
    try:
        WorldFoundation.model_validate({key: [item]})
        return True
    except ValueError:
        return False


def _item_values(section: str, form: dict) -> dict[str, Any]:
    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    def lines(name: str) -> list[str]:
        return [line.strip() for line in str(form.get(name, "")).splitlines() if line.strip()]

    if section == "rules":
        return {
            "statement": text("statement"),
            "scope": text("scope"),
            "certainty": text("certainty"),
            "implications": lines("implications"),
            "exceptions": lines("exceptions"),
        }
    if section == "technology":
        return {
            "name": text("name"),
            "how_it_works": text("how_it_works"),
            "limits": lines("limits"),
            "speculation": text("speculation"),
        }
    return {"event": text("event"), "when": text("when"), "significance": text("significance")}


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


on_change("worlds", WorldPageState.reload)
on_change("stories", WorldPageState.reload)
