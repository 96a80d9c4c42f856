"""The entry page's progressions panel: a writer says how the entry changes from a story part
on ("from The Dock Strike on, Ife has a scar"), or takes such a change back.

A substate of `CodexEntryState`: the progressions come with the page; adding and removing
them load this panel and the page, nothing else."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventCallback

from dsf_app.agents.topics import Topic
from dsf_app.services import codex_progressions, validation
from dsf_app.state.codex_entry import CodexEntryState
from dsf_app.state.feedback import shows_problems
from dsf_app.state.refresh import refresh_events


class CodexProgressionsState(CodexEntryState):
    @rx.event
    @shows_problems
    async def add_progression(self, form: dict[str, Any]) -> list[EventCallback[()]]:
        """From the chosen part on, the chosen field gains or becomes the text given."""
        await self.act(
            codex_progressions.add_progression,
            validation.identifier(self.entry_key, what="entry"),
            validation.identifier(str(form.get("part", "")), what="story part"),
            str(form.get("field", "")),
            str(form.get("mode", "")),
            str(form.get("value", "")),
        )
        return refresh_events({Topic.CODEX, Topic.WORLDS})

    @rx.event
    @shows_problems
    async def remove_progression(self, progression_id: str) -> list[EventCallback[()]]:
        await self.act(
            codex_progressions.delete_progression,
            validation.identifier(progression_id, what="progression"),
        )
        return refresh_events({Topic.CODEX, Topic.WORLDS})
