"""The suggestion cards beside the chat: the open ones for this page's world, reloaded when an
agent sends one; accepting sends its action to the agent as the person's next message."""

from __future__ import annotations

import dataclasses
import uuid

import reflex as rx
from sqlmodel import Session

from dsf_app.agents.topics import Topic
from dsf_app.models import Suggestion
from dsf_app.services import suggestions, validation
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson, SignedOut
from dsf_app.state.feedback import Followup, shows_problems
from dsf_app.state.refresh import reloads_on
from dsf_app.state.routes import route_ids
from dsf_app.state.turn_start import start_turn

DEFAULT_ACTION_LABEL = "Do it"


@dataclasses.dataclass
class SuggestionView:
    id: str
    title: str
    description: str
    priority: str
    action_label: str


def _view(suggestion: Suggestion) -> SuggestionView:
    return SuggestionView(
        id=str(suggestion.id),
        title=suggestion.title,
        description=suggestion.description,
        priority=str(suggestion.priority),
        action_label=suggestion.action_label or DEFAULT_ACTION_LABEL,
    )


def _accept(session: Session, actor: Actor, suggestion_id: uuid.UUID) -> str:
    """Mark the suggestion accepted; the message that tells the agent so."""
    return suggestions.acceptance_message(suggestions.accept(session, actor, suggestion_id))


def _open(session: Session, actor: Actor, world_id: uuid.UUID | None) -> list[SuggestionView]:
    return [_view(suggestion) for suggestion in suggestions.list_open(session, actor, world_id)]


@reloads_on(Topic.SUGGESTIONS)
class SuggestionsState(ActsForPerson, rx.State):
    items: rx.Field[list[SuggestionView]] = rx.field(default_factory=list)
    # The connection the cards were last loaded for (components/loaded_marker.py).
    loaded_for: rx.Field[str] = rx.field("")

    def _world_id(self) -> uuid.UUID | None:
        return route_ids(self.router.url.path)[0]

    @rx.event
    @shows_problems
    async def load(self) -> None:
        """on_mount of the suggestions: the open ones for this page's world."""
        await self._show_open()

    @rx.event
    @shows_problems
    async def reload(self) -> None:
        """After an agent's send_suggestion call."""
        await self._show_open()

    async def _show_open(self) -> None:
        try:
            self.items = await self.act(_open, self._world_id())
        except SignedOut:
            return
        self.loaded_for = self.router.session.session_id

    @rx.event
    @shows_problems
    async def accept(self, suggestion_id: str) -> Followup:
        try:
            chosen = validation.identifier(suggestion_id, what="suggestion")
            message = await self.act(_accept, chosen)
        finally:
            await self._show_open()
        return start_turn(message)

    @rx.event
    @shows_problems
    async def dismiss(self, suggestion_id: str) -> None:
        try:
            chosen = validation.identifier(suggestion_id, what="suggestion")
            await self.act(suggestions.dismiss, chosen)
        finally:
            await self._show_open()
