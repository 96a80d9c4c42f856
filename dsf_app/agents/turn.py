"""One turn being driven: who asked what of which agent, where its events go, how it is
stopped, the turn that delegated it, and what it has done so far — kept in PostgreSQL as it
goes (text batched about once a second, with the run's heartbeat)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from letta_client.types import MessageCreateParam

from dsf_app.agents.events import TurnEvent, TurnFinished
from dsf_app.agents.step_recorder import StepRecorder
from dsf_app.models import AgentKind
from dsf_app.services import turns
from dsf_app.services.actor import Actor
from dsf_app.services.chat import StreamedText

Emit = Callable[[TurnEvent], Awaitable[None]]
ShouldStop = Callable[[], Awaitable[bool]]
# Streamed text is written at least this often, and sooner once this much has piled up.
SAVE_SECONDS = 1.0
SAVE_CHARS = 4000


@dataclass(frozen=True)
class TurnRequest:
    """What the person asked, of which agent, about which world and story."""

    actor: Actor
    kind: AgentKind
    world_id: uuid.UUID | None
    story_id: uuid.UUID | None
    text: str


@dataclass
class Tally:
    """What the turn did, for its run (carried over when a turn is continued)."""

    steps: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    letta_run_ids: list[str] = field(default_factory=list)
    reply_chars: int = 0
    changed: set[str] = field(default_factory=set)
    # The steps not saved yet; a continued turn starts with none (those before are kept).
    trajectory: StepRecorder = field(default_factory=StepRecorder)

    @classmethod
    def carried(cls, progress: turns.Progress) -> Tally:
        return cls(
            progress.steps,
            dict(progress.usage),
            list(progress.tool_calls),
            list(progress.letta_run_ids),
        )

    def progress(self) -> turns.Progress:
        return turns.Progress(
            self.steps, dict(self.usage), list(self.tool_calls), list(self.letta_run_ids)
        )


@dataclass
class StepShare:
    """The model steps taken by a turn and the nested turns it delegated, together: they all
    draw on one budget (DSF_TURN_MAX_STEPS)."""

    taken: int = 0


def otid(run_id: uuid.UUID) -> str:
    """The id the person's message of a turn carries on Letta, to find it there again."""
    return f"dsf-{run_id}"


class TurnStopped(Exception):
    """The turn ends here, for the reason `finished` gives (a limit, a refusal)."""

    def __init__(self, finished: TurnFinished) -> None:
        super().__init__(finished.error or finished.stop_reason)
        self.finished = finished


@dataclass
class Turn:
    """A turn in progress, as the orchestrator drives it."""

    actor: Actor
    record: turns.TurnRecord
    emit: Emit
    should_stop: ShouldStop | None = None
    parent: Turn | None = None
    tally: Tally = field(default_factory=Tally)
    # The hash of the sign-in session the turn runs under, checked before each tool call (a
    # delegated turn goes by its root's); None for a turn no session started (a test's).
    session: str | None = None
    agent_id: str = ""
    deadline: float = 0.0
    # Why the watchdog stopped the turn, when it did.
    stop: TurnFinished | None = None
    _texts: dict[str, StreamedText] = field(default_factory=dict)
    _unsaved: set[str] = field(default_factory=set)
    _unsaved_chars: int = 0
    _saved_at: float = field(default_factory=time.monotonic)
    # Saves run one at a time, so an older one never lands after a newer one.
    _saving: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Shared with the parent turn (set from it): its steps and every nested turn's count.
    shared_steps: StepShare = field(init=False)

    def __post_init__(self) -> None:
        self.shared_steps = self.parent.shared_steps if self.parent else StepShare()
        self.shared_steps.taken += self.tally.steps  # what a continued turn took before

    @property
    def run_id(self) -> uuid.UUID:
        return self.record.run_id

    @property
    def kind(self) -> AgentKind:
        return self.record.kind

    @property
    def world_id(self) -> uuid.UUID | None:
        return self.record.world_id

    @property
    def story_id(self) -> uuid.UUID | None:
        return self.record.story_id

    @property
    def parent_call_id(self) -> str | None:
        """The delegate_to_experience call this turn answers, for an Experience Agent turn."""
        return self.record.parent_tool_call_id

    @property
    def root(self) -> Turn:
        return self if self.parent is None else self.parent.root

    @property
    def otid(self) -> str:
        return otid(self.run_id)

    def message(self) -> MessageCreateParam:
        """The person's message as it is sent to Letta (with the otid it is found by)."""
        return {"role": "user", "content": self.record.prompt, "otid": self.otid}

    def add_text(
        self, message_id: str, kind: Literal["assistant", "reasoning"], text: str, whole: bool
    ) -> None:
        """Keep streamed text (`whole`: the message's entire text) until the next save."""
        before = self._texts.get(message_id)
        so_far = "" if whole or before is None else before.text
        self._texts[message_id] = StreamedText(message_id, kind, so_far + text, "streaming")
        self._unsaved.add(message_id)
        self._unsaved_chars += len(text)
        self.tally.reply_chars += len(text)

    def streaming(self) -> frozenset[str]:
        """The messages still streaming (cut off, if the turn ends now)."""
        return frozenset(self._texts)

    def due(self) -> bool:
        """Whether enough time or text has gone by to save again."""
        return (
            self._unsaved_chars >= SAVE_CHARS or time.monotonic() - self._saved_at >= SAVE_SECONDS
        )

    async def save(self, *, done: bool = False) -> None:
        """Write the heartbeat, the tallies, the text streamed and the steps finished since
        the last save (in a worker thread); `done` marks the texts so far as complete
        messages."""
        async with self._saving:
            if done:
                self._texts = {
                    key: StreamedText(text.letta_message_id, text.kind, text.text, "done")
                    for key, text in self._texts.items()
                }
                self._unsaved |= set(self._texts)
            pending = [self._texts[key] for key in self._unsaved]
            self._unsaved, self._unsaved_chars, self._saved_at = set(), 0, time.monotonic()
            if done:
                self._texts = {}
            steps = self.tally.trajectory.drain()
            write = asyncio.ensure_future(
                asyncio.to_thread(
                    turns.save_progress,
                    self.actor,
                    self.run_id,
                    self.tally.progress(),
                    pending,
                    steps,
                )
            )
            try:
                await asyncio.shield(write)
            except asyncio.CancelledError:
                # A thread cannot be stopped: hold the lock until its write is over, so the
                # next save cannot land before it.
                with contextlib.suppress(Exception):
                    await write
                raise


# Drives a turn to its end with its watchdog (the orchestrator's), for a turn that runs another:
# a delegation, or the previous turn finished before a new message.
Drive = Callable[[Turn], Awaitable[TurnFinished]]
