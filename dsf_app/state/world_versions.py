"""The world page's versions panel, beyond the diff the page loads with: the older pages of the
changelog, and restoring a version (a dialog asking why, then a new version equal to the chosen
one, with the reason in the changelog).

A substate of `WorldPageState`: its events load this panel and the page, not the editor or the
sharing panel. The changelog's first page and the diff of the two newest versions come with the
page (`WorldPageState._fetch`), since both change whenever the world does."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dsf_app.errors import DSFError
from dsf_app.services import world_changes, world_updates
from dsf_app.state.feedback import done, shows_problems
from dsf_app.state.world import WorldPageState, change_views


class WorldVersionsState(WorldPageState):
    # The version being restored (0: none).
    restore_version: rx.Field[int] = rx.field(0)
    restore_error: rx.Field[str] = rx.field("")

    @rx.var
    def restore_open(self) -> bool:
        return self.restore_version > 0

    @rx.event
    @shows_problems
    async def show_more_changes(self) -> None:
        """The page of changes older than the oldest one shown."""
        if not self.changelog:
            return
        older = await self.act(
            world_changes.page, self._shown_world(), before=self.changelog[-1].seq
        )
        self.changelog = [*self.changelog, *change_views(older.changes)]
        self.changelog_more = older.more

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
