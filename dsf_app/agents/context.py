"""What a tool knows when it runs: who asked, where, and how to reach the rest of DSF.

A tool never holds a database session across outside work (an image API, S3, a nested agent
turn): it reads in one short transaction (`read`), does its outside work with none open, and
makes its change in another (`write`), which also records the call's outcome — so the change
and the proof that the call ran commit together, and a retried call never runs twice.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlmodel import Session

from dsf_app.agents.topics import Topic
from dsf_app.db import session_scope
from dsf_app.services import tool_calls
from dsf_app.services.actor import Actor

if TYPE_CHECKING:
    from dsf_app.agents.events import TurnEvent

T = TypeVar("T")


def as_text(result: Any) -> str:
    """A tool's result as the text the agent receives."""
    return result if isinstance(result, str) else json.dumps(result, default=str)


def _in_transaction(work: Callable[[Session], T]) -> T:
    with session_scope() as session:
        return work(session)


@dataclass
class ToolContext:
    """The acting person and the world/story the conversation is about; never from the model.
    The world also bounds where the agent may act (`tool_scope.confine`): a nested Experience
    turn gets its parent's."""

    actor: Actor
    world_id: uuid.UUID | None
    story_id: uuid.UUID | None
    tool_call_id: str
    emit: Callable[[TurnEvent], Awaitable[None]]
    delegate: Callable[[ToolContext, str], Awaitable[str]] | None = None
    run_id: uuid.UUID | None = None
    tool_name: str = ""
    changed: set[Topic] = field(default_factory=set)
    # The result text `write` committed with the tool's change, once it has.
    written: str | None = None

    def note_change(self, topic: Topic) -> None:
        """Remember that something pages show changed, so they reload."""
        self.changed.add(topic)

    async def read(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a short transaction in a worker thread (checks, loads)."""
        return await asyncio.to_thread(_in_transaction, work)

    async def write(self, work: Callable[[Session], T]) -> T:
        """Make the tool's one change: `work` and the record of this call's outcome (its
        result) in one transaction. Return what this returns as the tool's result."""
        if self.written is not None:
            raise RuntimeError(f"{self.tool_name} wrote twice in one call")

        def change(session: Session) -> tuple[T, str]:
            result = work(session)
            text = as_text(result)
            tool_calls.save_tool_outcome(
                session, self.actor, self.tool_call_id, self.tool_name, "success", text
            )
            return result, text

        result, self.written = await asyncio.to_thread(_in_transaction, change)
        return result
