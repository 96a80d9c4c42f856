"""What a tool knows when it runs: who asked, where, and how to reach the rest of DSF."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dsf_app.agents.topics import Topic
from dsf_app.services.actor import Actor

if TYPE_CHECKING:
    from dsf_app.agents.events import TurnEvent


@dataclass
class ToolContext:
    """The acting person and the world/story the conversation is about; never from the model."""

    actor: Actor
    world_id: uuid.UUID | None
    story_id: uuid.UUID | None
    tool_call_id: str
    emit: Callable[[TurnEvent], Awaitable[None]]
    delegate: Callable[[ToolContext, str], Awaitable[str]] | None = None
    changed: set[Topic] = field(default_factory=set)

    def note_change(self, topic: Topic) -> None:
        """Remember that something pages show changed, so they reload."""
        self.changed.add(topic)

    def describe(self) -> dict[str, Any]:
        return {"world_id": str(self.world_id) if self.world_id else None}
