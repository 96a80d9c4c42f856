"""The story reader's parts panel: editing one part (its title, in-world date and text) by
hand, and deleting one after the person confirms it — the part alone (what continues from it
moves up) or with the branch that continues from it.

A substate of `StoryPageState`: the parts come with the page; the editor's form and the
confirmation live here, so their events load this panel and the page, nothing else."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dsf_app.errors import DSFError
from dsf_app.services import stories, validation
from dsf_app.state.feedback import done, shows_problems
from dsf_app.state.story import StoryPageState


class StoryPartsState(StoryPageState):
    edit_open: rx.Field[bool] = rx.field(False)
    edit_id: rx.Field[str] = rx.field("")
    edit_title: rx.Field[str] = rx.field("")
    edit_date: rx.Field[str] = rx.field("")
    edit_content: rx.Field[str] = rx.field("")
    edit_error: rx.Field[str] = rx.field("")
    # The part whose deletion is being confirmed, its place, and how many parts follow it.
    drop_id: rx.Field[str] = rx.field("")
    drop_position: rx.Field[int] = rx.field(0)
    drop_below: rx.Field[int] = rx.field(0)

    @rx.var
    def drop_open(self) -> bool:
        return self.drop_id != ""

    @rx.event
    def open_edit(self, segment_id: str) -> None:
        for segment in self.segments:
            if segment.id == segment_id:
                self.edit_id, self.edit_title = segment.id, segment.title
                self.edit_date = segment.date
                self.edit_content, self.edit_error = segment.content, ""
                self.edit_open = True

    @rx.event
    def set_edit_open(self, value: bool) -> None:
        self.edit_open = value

    @rx.event
    @shows_problems
    async def save_edit(self, form: dict[str, Any]):
        content = str(form.get("content", ""))
        if not content.strip():
            self.edit_error = "A part needs some text; to remove it, use Delete on the part."
            return
        try:
            await self.act(
                stories.update_segment,
                validation.identifier(self.edit_id, what="segment"),
                title=str(form.get("title", "")),
                content=content,
                in_world_date=str(form.get("date", "")),
            )
        except DSFError as exc:  # shown in the editor, beside what the person wrote
            self.edit_error = str(exc)
            return
        self.edit_open = False
        yield done("Segment saved.")
        await self._fetch(initial=False)

    @rx.event
    def ask_delete_segment(self, segment_id: str) -> None:
        for segment in self.segments:
            if segment.id == segment_id:
                self.drop_id, self.drop_position = segment.id, segment.position
                self.drop_below = segment.below

    @rx.event
    def cancel_delete_segment(self) -> None:
        self.drop_id = ""

    @rx.event
    def set_drop_open(self, value: bool) -> None:
        """Escape or a click outside closes the confirmation: the part is kept."""
        if not value:
            self.drop_id = ""

    @rx.event
    @shows_problems
    async def delete_segment(self, with_branch: bool):
        """Delete the part being confirmed; with `with_branch`, everything that continues from
        it too, else its continuations move up to follow the part before it."""
        chosen, position = self.drop_id, self.drop_position
        self.drop_id = ""
        if not chosen:
            return
        deleted = await self.act(
            stories.delete_segment,
            validation.identifier(chosen, what="segment"),
            with_branch=bool(with_branch),
        )
        yield done(deletion_news(deleted, position))
        await self._fetch(initial=False)


def deletion_news(deleted: stories.SegmentDeletion, position: int) -> str:
    """The toast for a deleted part: what went, and where what continued from it went."""
    if deleted.deleted > 1:
        return f"Deleted part {position} and the {deleted.deleted - 1} after it."
    if not deleted.moved:
        return f"Deleted part {position}."
    one = deleted.moved == 1
    moved = "its continuation now" if one else "its continuations now"
    if position == 1:
        return f"Deleted part 1; {moved} {'opens' if one else 'open'} the story."
    return f"Deleted part {position}; {moved} {'follows' if one else 'follow'} part {position - 1}."
