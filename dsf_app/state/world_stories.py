"""The world page's list of stories: editing a story's title and description, and deleting a
story after the person confirms it, each in its own dialog.

A substate of `WorldPageState`: the list itself comes with the page (`WorldPageState.stories`);
this panel holds only what its two dialogs show, and its events load it and the page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dsf_app.errors import DSFError
from dsf_app.services import stories, validation
from dsf_app.state.feedback import done, shows_problems
from dsf_app.state.world import WorldPageState


class WorldStoriesState(WorldPageState):
    # The story whose details are being edited, or whose deletion is being confirmed.
    story_edit_id: rx.Field[str] = rx.field("")
    story_edit_title: rx.Field[str] = rx.field("")
    story_edit_description: rx.Field[str] = rx.field("")
    story_edit_error: rx.Field[str] = rx.field("")
    story_delete_id: rx.Field[str] = rx.field("")
    story_delete_title: rx.Field[str] = rx.field("")

    @rx.var
    def story_edit_open(self) -> bool:
        return self.story_edit_id != ""

    @rx.var
    def story_delete_open(self) -> bool:
        return self.story_delete_id != ""

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
