"""The Codex entry editor: one dialog that creates an entry or changes one (name, kind,
aliases, summary, body, tags, image), and accepts a suggested entry as it saves it. The save
carries the entry's version and is refused when it changed since it was opened; a refusal is
shown in the dialog, beside what the person wrote.

A substate of `CodexState`: its events load this panel and the tab, nothing else."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dsf_app.errors import DSFError
from dsf_app.models import CodexEntry, CodexKind, CodexStatus
from dsf_app.services import codex, codex_form, validation
from dsf_app.services.codex_form import NO_IMAGE
from dsf_app.state.codex import CodexState
from dsf_app.state.feedback import done, shows_problems


def editor_values(entry: CodexEntry) -> dict[str, str]:
    """The editor's form filled from `entry`."""
    return {
        "name": entry.name,
        "kind": str(entry.kind),
        "aliases": "\n".join(str(a) for a in entry.aliases),
        "summary": entry.summary,
        "body": entry.body,
        "tags": ", ".join(str(t) for t in entry.tags),
        "image": str(entry.image_asset_id) if entry.image_asset_id else NO_IMAGE,
    }


class CodexEditorState(CodexState):
    editor_open: rx.Field[bool] = rx.field(False)
    editor_id: rx.Field[str] = rx.field("")  # "" while creating an entry
    editor_version: rx.Field[int] = rx.field(0)
    editor_accepts: rx.Field[bool] = rx.field(False)  # saving also accepts a suggestion
    editor_values: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    editor_error: rx.Field[str] = rx.field("")

    @rx.event
    def open_new(self) -> None:
        self._open("", 0, False, {"kind": CodexKind.CHARACTER.value, "image": NO_IMAGE})

    @rx.event
    @shows_problems
    async def open_edit(self, entry_id: str) -> None:
        entry = await self.act(codex.get_entry, validation.identifier(entry_id, what="entry"))
        accepts = entry.status == CodexStatus.SUGGESTED
        self._open(str(entry.id), entry.version, accepts, editor_values(entry))

    def _open(self, entry_id: str, version: int, accepts: bool, values: dict[str, str]) -> None:
        self.editor_id, self.editor_version, self.editor_accepts = entry_id, version, accepts
        self.editor_values, self.editor_error = values, ""
        self.editor_open = True

    @rx.event
    def set_editor_open(self, value: bool) -> None:
        self.editor_open = value

    @rx.event
    @shows_problems
    async def save_entry(self, form: dict[str, Any]):
        """Create or change the entry as the form says: a new version of the world."""
        try:
            entry_id = (
                validation.identifier(self.editor_id, what="entry") if self.editor_id else None
            )
            await self.act(
                codex_form.save_form,
                self._shown_world(),
                entry_id,
                form,
                expected_version=self.editor_version,
                accept=self.editor_accepts,
            )
        except DSFError as exc:  # shown in the editor, beside what the person wrote
            self.editor_error = str(exc)
            return
        self.editor_open = False
        yield done("Saved; the change is in the world's changelog.")
        for event in self._changed():
            yield event
