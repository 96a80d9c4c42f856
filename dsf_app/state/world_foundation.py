"""The world page's foundation editor: one dialog that edits one section of the foundation by
hand (a text, a list of lines, or one rule, technology or history event — or adds one), or
removes an item; each save is one change of the world, in the changelog like an agent's.

A substate of `WorldPageState`: the foundation it edits comes with the page; the dialog's
form lives here, so opening or saving it loads this panel and the page, not the others.
The save carries the version the person read and is refused when the world moved on since."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dsf_app.errors import DSFError
from dsf_app.services import foundation_edits
from dsf_app.state.feedback import done, shows_problems
from dsf_app.state.world import WorldPageState

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


class FoundationEditorState(WorldPageState):
    editor_open: rx.Field[bool] = rx.field(False)
    editor_kind: rx.Field[str] = rx.field("")  # text | lines | rules | technology | timeline
    editor_section: rx.Field[str] = rx.field("")
    editor_index: rx.Field[int] = rx.field(-1)
    editor_title: rx.Field[str] = rx.field("")
    editor_values: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    editor_error: rx.Field[str] = rx.field("")
    editor_removing: rx.Field[bool] = rx.field(False)

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
        elif section == "timeline" and (
            # The timeline is shown by date, beside the stories' dated parts (index -1).
            found := [e for e in self.timeline if e.index == index >= 0]
        ):
            event = found[0]
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
