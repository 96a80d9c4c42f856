"""What happens during a turn, as it happens: the chat panel renders these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dsf_app.agents.topics import Topic


@dataclass(frozen=True)
class TextDelta:
    message_id: str
    kind: Literal["assistant", "reasoning"]
    text: str
    parent_call_id: str | None = None


@dataclass(frozen=True)
class ToolCallStarted:
    tool_call_id: str
    name: str
    arguments: str
    parent_call_id: str | None = None


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
class TurnFinished:
    stop_reason: str
    error: str | None = None
    changed: frozenset[Topic] = field(default_factory=frozenset)


TurnEvent = TextDelta | ToolCallStarted | ToolCallFinished | Changed | TurnFinished
