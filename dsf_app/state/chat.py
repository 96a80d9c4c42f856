"""The chat panel's state: the conversation with the page's agent, streamed as it happens.

The turn runs in a background event so the page stays responsive and many people's turns run
at once; database work runs in worker threads, never on the event loop. The person's message
is committed before anything else (if that fails it goes back into the box), the reply is kept
as it streams, and a turn that fails — anywhere — ends with a sentence saying what failed;
Retry continues the last unfinished turn where it stopped. Messages sent while a turn runs
(typed, or a suggestion accepted) wait in a queue, shown as queued, and go when it ends.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace

import reflex as rx

from dsf_app.agents import failures
from dsf_app.agents.approval_loop import Orchestrator
from dsf_app.agents.connection import connect
from dsf_app.agents.events import (
    Changed,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFinished,
)
from dsf_app.agents.turn import Emit, ShouldStop
from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.errors import DSFError, Forbidden
from dsf_app.models import AgentKind, ChatMessage
from dsf_app.services import turns
from dsf_app.services.actor import Actor
from dsf_app.settings import get_settings
from dsf_app.state.auth import SIGNED_OUT, ActsForPerson, session_token
from dsf_app.state.refresh import refresh_events
from dsf_app.state.routes import route_ids

HISTORY_LIMIT = 200
FLUSH_SECONDS = 0.08
CANCELLED_NOTE = "You cancelled this turn; what was done so far is kept."
# What a turn does once its person and record are known: run, or continue, it.
Job = Callable[[Orchestrator, Emit, ShouldStop], Awaitable[TurnFinished]]


@dataclass(frozen=True)
class ChatItem:
    """One row of the chat panel."""

    id: str
    role: str  # user | queued | assistant | reasoning | tool | error
    text: str = ""
    tool_name: str = ""
    tool_args: str = ""
    tool_result: str = ""
    tool_status: str = ""  # running | success | error | interrupted
    nested: bool = False
    interrupted: bool = False


def item_from_message(message: ChatMessage, *, nested: bool = False) -> ChatItem:
    if message.message_type == "tool_call":
        return ChatItem(
            id=message.tool_call_id or str(message.id),
            role="tool",
            tool_name=message.tool_name or "",
            tool_args=pretty_json(message.tool_args),
            tool_result=pretty_json(message.tool_result or ""),
            tool_status=message.tool_status or "",
            nested=nested,
        )
    role = {"user": "user", "reasoning": "reasoning", "error": "error"}.get(
        message.message_type, "assistant"
    )
    return ChatItem(
        id=message.letta_message_id or str(message.id),
        role=role,
        text=message.content,
        nested=nested,
        interrupted=message.stream_status == "interrupted",
    )


def pretty_json(value: object) -> str:
    """JSON text or a JSON-able value, indented for reading; other text as it is."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):  # absurdly deep JSON too
            return value
    return json.dumps(value, indent=2, ensure_ascii=False) if value not in (None, "") else ""


def _row_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def apply_event(items: list[ChatItem], event: TurnEvent) -> list[ChatItem]:
    """The chat rows after one turn event (pure, so it is tested without a browser). A turn
    that continues shows again what it already showed: that updates the row, never adds one."""
    if isinstance(event, TextDelta):
        for index in range(len(items) - 1, -1, -1):
            if items[index].id == event.message_id:
                text = event.text if event.whole else items[index].text + event.text
                items[index] = replace(items[index], text=text, interrupted=False)
                return items
        return [
            *items,
            ChatItem(
                event.message_id, event.kind, event.text, nested=event.parent_call_id is not None
            ),
        ]
    if isinstance(event, ToolCallStarted):
        row = ChatItem(
            event.tool_call_id,
            "tool",
            tool_name=event.name,
            tool_args=pretty_json(event.arguments),
            tool_status="running",
            nested=event.parent_call_id is not None,
        )
        if any(item.id == event.tool_call_id for item in items):
            return [row if item.id == event.tool_call_id else item for item in items]
        return [*items, row]
    if isinstance(event, ToolCallFinished):
        return [
            replace(item, tool_status=event.status, tool_result=pretty_json(event.result))
            if item.id == event.tool_call_id
            else item
            for item in items
        ]
    if isinstance(event, TurnFinished):
        items = [
            replace(item, interrupted=True) if item.id in event.interrupted else item
            for item in items
        ]
        if event.error:
            return [*items, ChatItem(_row_id("error"), "error", event.error)]
    return items


def _actor_for(token: str | None) -> Actor:
    """The signed-in person of a session token (blocking: call it in a worker thread)."""
    if token is None:
        raise Forbidden(SIGNED_OUT)
    with session_scope() as db:
        actor = sessions.resolve(db, token)
    if actor is None:
        raise Forbidden(SIGNED_OUT)
    return actor


def _start(
    token: str | None,
    kind: AgentKind,
    world_id: uuid.UUID | None,
    story_id: uuid.UUID | None,
    text: str,
) -> tuple[Actor, turns.TurnRecord]:
    """Who is asking, and their message committed with its turn (in a worker thread)."""
    actor = _actor_for(token)
    return actor, turns.start(actor, kind, world_id, story_id, text)


def _stored(token: str | None, world_id: uuid.UUID | None) -> turns.Conversation:
    return turns.conversation(_actor_for(token), world_id, limit=HISTORY_LIMIT)


class ChatState(ActsForPerson, rx.State):
    items: list[ChatItem] = []
    draft: str = ""
    busy: bool = False
    cancel_requested: bool = False
    # The last unfinished turn of this conversation, which Retry continues ("" when none).
    retry_run: str = ""
    queued: list[str] = []
    loaded_for: str = ""

    @rx.var
    def can_retry(self) -> bool:
        return bool(self.retry_run)

    def _context(self) -> tuple[AgentKind, uuid.UUID | None, uuid.UUID | None]:
        world_id, story_id = route_ids(self.router.url.path)
        return (AgentKind.WORLD if world_id else AgentKind.USER), world_id, story_id

    @rx.event
    async def load(self) -> None:
        """on_load: the stored conversation for this page's agent (unless a turn is streaming)."""
        _, world_id, _ = self._context()
        if self.busy and self.loaded_for == str(world_id or ""):
            return  # a reload mid-turn: the running turn keeps streaming into this list
        token = session_token(self)
        if token is None:
            return
        self.loaded_for = str(world_id or "")
        try:
            stored = await asyncio.to_thread(_stored, token, world_id)
        except DSFError:
            # A world the person may not see: the page says so; the chat stays empty.
            self.items, self.retry_run = [], ""
            return
        except Exception as exc:
            self.items = [
                ChatItem(_row_id("error"), "error", failures.not_loaded(exc, get_settings()))
            ]
            self.retry_run = ""
            return
        self.items = [
            item_from_message(message, nested=message.id in stored.nested)
            for message in stored.messages
        ]
        self.items += [ChatItem(_row_id("queued"), "queued", text) for text in self.queued]
        self.retry_run = str(stored.retry_run or "")

    @rx.event
    def set_draft(self, value: str) -> None:
        self.draft = value

    @rx.event
    def cancel(self) -> None:
        self.cancel_requested = True

    @rx.event(background=True)
    async def send(self, form_data: dict | None = None):
        """Send the message now, or queue it while a turn runs."""
        async with self:
            text = ((form_data or {}).get("message") or self.draft).strip()
            if not text:
                return
            self.draft = ""
            if self.busy:
                self.queued = [*self.queued, text]
                self.items = [*self.items, ChatItem(_row_id("queued"), "queued", text)]
                return
            self.busy = True
        async for refresh in self._serve(text):
            yield refresh

    @rx.event(background=True)
    async def retry(self):
        """Continue the last unfinished turn where it stopped."""
        async with self:
            if self.busy or not self.retry_run:
                return
            run_id, self.retry_run, self.busy = uuid.UUID(self.retry_run), "", True
        async for refresh in self._serve(run_id):
            yield refresh

    async def _serve(self, first: str | uuid.UUID) -> AsyncIterator[object]:
        """Take turns until none is queued: first a message sent (or the run continued by
        Retry), then each queued message in order; `busy` is cleared whatever happens."""
        next_up: str | uuid.UUID | None = first
        try:
            while next_up is not None:
                job = await (
                    self._started(next_up) if isinstance(next_up, str) else self._resumed(next_up)
                )
                if job is not None:
                    async for refresh in self._take_turn(job):
                        yield refresh
                async with self:
                    next_up = self.queued[0] if self.queued else None
                    self.queued = self.queued[1:]
        finally:
            async with self:
                self.busy = False

    async def _started(self, text: str) -> Job | None:
        """Commit the message with its turn; if that fails it goes back into the box."""
        async with self:
            kind, world_id, story_id = self._context()
            self.loaded_for = str(world_id or "")
            token = session_token(self)
            self.cancel_requested, self.retry_run = False, ""
            self.items = _as_sent(self.items, text)
        try:
            actor, record = await asyncio.to_thread(_start, token, kind, world_id, story_id, text)
        except Exception as exc:
            async with self:
                self._unsent(text, failures.not_sent(exc, get_settings()))
            return None

        async def job(orchestrator: Orchestrator, emit: Emit, stop: ShouldStop) -> TurnFinished:
            return await orchestrator.run(actor, record, emit, stop)

        return job

    async def _resumed(self, run_id: uuid.UUID) -> Job | None:
        async with self:
            token = session_token(self)
            self.cancel_requested = False
        try:
            actor = await asyncio.to_thread(_actor_for, token)
        except Exception as exc:
            async with self:
                self.items = apply_event(
                    self.items, TurnFinished("error", failures.describe(exc, get_settings()))
                )
                self.retry_run = str(run_id)
            return None

        async def job(orchestrator: Orchestrator, emit: Emit, stop: ShouldStop) -> TurnFinished:
            return await orchestrator.resume(actor, run_id, emit, stop)

        return job

    def _unsent(self, text: str, reason: str) -> None:
        """The message (and any queued after it) back into the box, with why."""
        self.items = [item for item in self.items if item.role != "queued"]
        self.items = _without_last_user(self.items, text)
        self.items = [*self.items, ChatItem(_row_id("error"), "error", reason)]
        self.draft = "\n\n".join([text, *self.queued, *([self.draft] if self.draft else [])])
        self.queued = []

    async def _take_turn(self, job: Job) -> AsyncIterator[object]:
        """Run the turn, streaming its events into the chat and yielding page refreshes."""
        async with self:
            turn_key = self.loaded_for
        events: asyncio.Queue[TurnEvent | None] = asyncio.Queue()

        async def should_stop() -> bool:
            async with self:
                return self.cancel_requested

        async def run() -> None:
            try:
                async with connect() as letta:
                    await job(Orchestrator(letta), events.put, should_stop)
            finally:
                await events.put(None)

        turn = asyncio.create_task(run())
        finished: TurnFinished | None = None
        async for batch in _batches(events):
            async with self:
                # Shown live only while the person is on this turn's conversation.
                if self.loaded_for == turn_key:
                    for event in batch:
                        self.items = apply_event(self.items, event)
            for event in batch:
                if isinstance(event, TurnFinished):
                    finished = event
                elif isinstance(event, Changed):
                    for refresh in refresh_events(event.what):
                        yield refresh
        try:
            await turn
        except Exception as exc:
            finished = TurnFinished("error", failures.describe(exc, get_settings()))
            async with self:
                self.items = apply_event(self.items, finished)
        async with self:
            if self.loaded_for != turn_key or finished is None:
                return
            self.retry_run = str(finished.run_id) if finished.retryable else ""
            if finished.stop_reason == "cancelled":
                self.items = [*self.items, ChatItem(_row_id("note"), "error", CANCELLED_NOTE)]


def _as_sent(items: list[ChatItem], text: str) -> list[ChatItem]:
    """The person's message as sent, after the conversation and before what is still queued
    (its own queued row, if it was queued, is gone)."""
    queued = [item for item in items if item.role == "queued"]
    waiting = next((item for item in queued if item.text == text), None)
    rest = [item for item in queued if item is not waiting]
    sent = [item for item in items if item.role != "queued"]
    return [*sent, ChatItem(_row_id("user"), "user", text), *rest]


def _without_last_user(items: list[ChatItem], text: str) -> list[ChatItem]:
    for index in range(len(items) - 1, -1, -1):
        if items[index].role == "user" and items[index].text == text:
            return [*items[:index], *items[index + 1 :]]
    return items


async def _batches(events: asyncio.Queue[TurnEvent | None]) -> AsyncIterator[list[TurnEvent]]:
    """Events as they come, text deltas grouped for FLUSH_SECONDS so the browser isn't flooded."""
    while True:
        first = await events.get()
        if first is None:
            return
        batch = [first]
        deadline = time.monotonic() + FLUSH_SECONDS
        while isinstance(batch[-1], TextDelta) and (left := deadline - time.monotonic()) > 0:
            try:
                following = await asyncio.wait_for(events.get(), left)
            except TimeoutError:
                break
            if following is None:
                yield batch
                return
            batch.append(following)
        yield batch
