"""The story page's details panel: the story's title and description edited in a dialog, and
deleting the whole story after the person confirms it (the page then goes back to its world).

A substate of `StoryPageState`: its events load this panel and the page, nothing else."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dsf_app.errors import DSFError
from dsf_app.services import stories
from dsf_app.state.feedback import done, shows_problems
from dsf_app.state.story import StoryPageState


class StoryDetailsState(StoryPageState):
    details_open: rx.Field[bool] = rx.field(False)
    details_error: rx.Field[str] = rx.field("")
    delete_story_open: rx.Field[bool] = rx.field(False)

    @rx.event
    def open_details(self) -> None:
        self.details_error = ""
        self.details_open = True

    @rx.event
    def set_details_open(self, value: bool) -> None:
        self.details_open = value

    @rx.event
    @shows_problems
    async def save_details(self, form: dict[str, Any]):
        try:
            story = await self.act(
                stories.update_story,
                self._shown_story(),
                title=str(form.get("title", "")),
                description=str(form.get("description", "")),
            )
        except DSFError as exc:  # shown in the form, beside what the person wrote
            self.details_error = str(exc)
            return
        self.details_open = False
        self.title, self.description = story.title, story.description
        yield done("Story details saved.")

    @rx.event
    def set_delete_story_open(self, value: bool) -> None:
        self.delete_story_open = value

    @rx.event
    @shows_problems
    async def confirm_delete_story(self):
        self.delete_story_open = False
        title, world_key = self.title, self.world_key
        await self.act(stories.delete_story, self._shown_story())
        self._forget()
        yield done(f"Deleted “{title}”.")
        yield rx.redirect(f"/worlds/{world_key}")
