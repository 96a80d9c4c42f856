"""Deleting a Codex entry, from the tab or from the entry's own page: the person confirms in a
dialog naming the entry; on the entry's page the browser then goes back to the world.

A substate of `CodexState`: its events load this panel and the tab, nothing else."""

from __future__ import annotations

import reflex as rx

from dsf_app.services import codex, validation
from dsf_app.state.codex import CodexState
from dsf_app.state.feedback import Followup, done, shows_problems
from dsf_app.state.routes import codex_ids


class CodexDeletionState(CodexState):
    delete_id: rx.Field[str] = rx.field("")
    delete_name: rx.Field[str] = rx.field("")

    @rx.var
    def delete_open(self) -> bool:
        return self.delete_id != ""

    @rx.event
    def ask_delete(self, entry_id: str, name: str) -> None:
        self.delete_id, self.delete_name = entry_id, name

    @rx.event
    def cancel_delete(self) -> None:
        self.delete_id, self.delete_name = "", ""

    @rx.event
    @shows_problems
    async def confirm_delete(self) -> list[Followup]:
        entry_id, name, world_key = self.delete_id, self.delete_name, self.world_key
        self.cancel_delete()
        entry = validation.identifier(entry_id, what="entry")
        await self.act(codex.delete_entry, entry, author="person")
        followups: list[Followup] = [done(f"Deleted “{name}”."), *self._changed()]
        if codex_ids(self.router.url.path)[1] is not None and world_key:
            followups.append(rx.redirect(f"/worlds/{world_key}"))  # its page is gone
        return followups
