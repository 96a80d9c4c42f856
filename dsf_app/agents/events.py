"""What happens during a turn, as it happens: the chat panel renders these."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from dsf_app.services.lore import LoreItem

from dsf_app.agents.topics import Topic


@dataclass(frozen=True)
class TextDelta:
    """More of an agent message; with `whole`, the message's entire text so far (a resumed
    turn catching up on what the agent said while nobody listened)."""

    message_id: str
    kind: Literal["assistant", "reasoning"]
    text: str
    parent_call_id: str | None = None
    whole: bool = False


@dataclass(frozen=True)
class ToolCallStarted:
    tool_call_id: str
    name: str
    arguments: str
    parent_call_id: str | None = None
    started_at: float = field(default_factory=time.time)  # seconds since the epoch


@dataclass(frozen=True)
class ToolCallFinished:
    tool_call_id: str
    status: str
    result: str
    duration_ms: int


@dataclass(frozen=True)
class Changed:
    """A tool changed things pages show: reload them now."""

    what: frozenset[Topic]


@dataclass(frozen=True)
class LoreUsed:
    """The lore put in front of the World Agent for this turn, and why (the chat's row)."""

    message_id: str
    items: tuple[LoreItem, ...]


@dataclass(frozen=True)
class ConfirmationAsked:
    """A call that cannot be undone waits for the person: the chat shows `summary` (built from
    the agent's arguments: untrusted text) with Approve and Deny."""

    confirmation_id: uuid.UUID
    tool_call_id: str
    name: str
    summary: str


@dataclass(frozen=True)
class Notice:
    """A sentence about the turn, not from the agent (its model went away and it now uses
    another); stored in the chat as the row `message_id`."""

    message_id: str
    text: str
    parent_call_id: str | None = None


@dataclass(frozen=True)
class TurnFinished:
    """How a turn ended; `retryable` when it did not finish and Retry may continue it;
    `interrupted`: the agent messages that were cut off mid-stream."""

    stop_reason: str
    error: str | None = None
    changed: frozenset[Topic] = field(default_factory=frozenset)
    run_id: uuid.UUID | None = None
    retryable: bool = False
    interrupted: frozenset[str] = field(default_factory=frozenset)


TurnEvent = (
    TextDelta
    | ToolCallStarted
    | ToolCallFinished
    | Changed
    | LoreUsed
    | ConfirmationAsked
    | Notice
    | TurnFinished
)
