"""The suggestion cards beside the chat: the open ones for this page's world, reloaded when an
agent sends one; accepting sends its action to the agent as the person's next message."""

from __future__ import annotations

import dataclasses
import uuid

import reflex as rx

from dsf_app.db import session_scope
from dsf_app.errors import DSFError
from dsf_app.models import Suggestion
from dsf_app.services import suggestions, validation
from dsf_app.state.auth import ActsForPerson, current_actor
from dsf_app.state.chat import ChatState
from dsf_app.state.feedback import problem
from dsf_app.state.refresh import on_change
from dsf_app.state.routes import route_ids

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


class SuggestionsState(ActsForPerson, rx.State):
    items: list[SuggestionView] = []

    def _world_id(self) -> uuid.UUID | None:
        return route_ids(self.router.url.path)[0]

    @rx.event
    def load(self) -> None:
        """on_mount of the suggestions: the open ones for this page's world."""
        actor = current_actor(self)
        if actor is None:
            return
        with session_scope() as session:
            found = suggestions.list_open(session, actor, self._world_id())
            self.items = [_view(suggestion) for suggestion in found]

    @rx.event
    def reload(self) -> None:
        """After an agent's send_suggestion call."""
        self.load()

    @rx.event
    def accept(self, suggestion_id: str):
        try:
            actor = self.actor()
            with session_scope() as session:
                accepted = suggestions.accept(
                    session, actor, validation.identifier(suggestion_id, what="suggestion")
                )
                message = suggestions.acceptance_message(accepted)
        except DSFError as exc:
            self.load()
            return problem(exc)
        self.load()
        return ChatState.send({"message": message})

    @rx.event
    def dismiss(self, suggestion_id: str):
        try:
            actor = self.actor()
            with session_scope() as session:
                suggestions.dismiss(
                    session, actor, validation.identifier(suggestion_id, what="suggestion")
                )
        except DSFError as exc:
            self.load()
            return problem(exc)
        self.load()
        return None


on_change("suggestions", SuggestionsState.reload)
