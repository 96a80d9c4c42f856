"""What a turn emitted, kept for a test to read back."""

from __future__ import annotations

from typing import TypeVar

from dsf_app.agents.events import TurnEvent

Event = TypeVar("Event")


class Recorder:
    """An `emit` for a turn that keeps every event in order."""

    def __init__(self) -> None:
        self.events: list[TurnEvent] = []

    async def __call__(self, event: TurnEvent) -> None:
        self.events.append(event)

    def of(self, kind: type[Event]) -> list[Event]:
        return [event for event in self.events if isinstance(event, kind)]
