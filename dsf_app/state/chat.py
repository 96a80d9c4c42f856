"""The chat panel's state: the conversation with the page's agent, streamed as it happens.

The turn runs in a background event so the page stays responsive and many people's turns run
at once; everything is stored in PostgreSQL as it happens, so a reload shows the whole
conversation, and a turn cut off by a restart is shown as interrupted with a retry.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

import reflex as rx
from sqlmodel import col, select

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.connection import connect
from dsf_app.agents.events import (
    Changed,
    LoreUsed,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFinished,
)
from dsf_app.db import session_scope
from dsf_app.errors import DSFError
from dsf_app.models import AgentKind, AgentRun, ChatMessage
from dsf_app.services import chat
from dsf_app.state.auth import ActsForPerson, current_actor
from dsf_app.state.lore_rows import LoreLine, lines_from_message, lore_lines
from dsf_app.state.refresh import refresh_events
from dsf_app.state.routes import route_ids

HISTORY_LIMIT = 200
FLUSH_SECONDS = 0.08
CANCELLED_NOTE = "You cancelled this turn; what was done so far is kept."


@dataclass(frozen=True)
class ChatItem:
    """One row of the chat panel."""

    id: str
    role: str  # user | assistant | reasoning | tool | error | lore
    text: str = ""
    tool_name: str = ""
    tool_args: str = ""
    tool_result: str = ""
    tool_status: str = ""  # running | success | error
    nested: bool = False
    lore: list[LoreLine] = field(default_factory=list)


def item_from_message(message: ChatMessage) -> ChatItem:
    if message.message_type == "lore":
        return ChatItem(id=str(message.id), role="lore", lore=lines_from_message(message.content))
    if message.message_type == "tool_call":
        return ChatItem(
            id=message.tool_call_id or str(message.id),
            role="tool",
            tool_name=message.tool_name or "",
            tool_args=pretty_json(message.tool_args),
            tool_result=pretty_json(message.tool_result or ""),
            tool_status=message.tool_status or "",
        )
    role = {"user": "user", "reasoning": "reasoning", "error": "error"}.get(
        message.message_type, "assistant"
    )
    return ChatItem(id=str(message.id), role=role, text=message.content)


def pretty_json(value: object) -> str:
    """JSON text or a JSON-able value, indented for reading; other text as it is."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):  # absurdly deep JSON too
            return value
    return json.dumps(value, indent=2, ensure_ascii=False) if value not in (None, "") else ""


def apply_event(items: list[ChatItem], event: TurnEvent) -> list[ChatItem]:
    """The chat rows after one turn event (pure, so it is tested without a browser)."""
    if isinstance(event, TextDelta):
        role = event.kind
        for index in range(len(items) - 1, -1, -1):
            if items[index].id == event.message_id:
                items[index] = replace(items[index], text=items[index].text + event.text)
                return items
        return [
            *items,
            ChatItem(event.message_id, role, event.text, nested=event.parent_call_id is not None),
        ]
    if isinstance(event, ToolCallStarted):
        return [
            *items,
            ChatItem(
                event.tool_call_id,
                "tool",
                tool_name=event.name,
                tool_args=pretty_json(event.arguments),
                tool_status="running",
                nested=event.parent_call_id is not None,
            ),
        ]
    if isinstance(event, ToolCallFinished):
        return [
            replace(item, tool_status=event.status, tool_result=pretty_json(event.result))
            if item.id == event.tool_call_id
            else item
            for item in items
        ]
    if isinstance(event, LoreUsed):
        return [*items, ChatItem(event.message_id, "lore", lore=lore_lines(event.items))]
    if isinstance(event, TurnFinished) and event.error:
        return [*items, ChatItem(f"error-{uuid.uuid4().hex[:8]}", "error", event.error)]
    return items


class ChatState(ActsForPerson, rx.State):
    items: list[ChatItem] = []
    draft: str = ""
    busy: bool = False
    cancel_requested: bool = False
    can_retry: bool = False
    last_prompt: str = ""
    loaded_for: str = ""

    def _context(self) -> tuple[AgentKind, uuid.UUID | None, uuid.UUID | None]:
        world_id, story_id = route_ids(self.router.url.path)
        return (AgentKind.WORLD if world_id else AgentKind.USER), world_id, story_id

    @rx.event
    def load(self) -> None:
        """on_load: the stored conversation for this page's agent (unless a turn is streaming)."""
        _, world_id, _ = self._context()
        if self.busy and self.loaded_for == str(world_id or ""):
            return  # a reload mid-turn: the running turn keeps streaming into this list
        actor = current_actor(self)
        if actor is None:
            return
        self.loaded_for = str(world_id or "")
        try:
            with session_scope() as session:
                messages = chat.list_messages(session, actor, world_id, limit=HISTORY_LIMIT)
                unfinished = session.exec(
                    select(AgentRun.id)
                    .where(AgentRun.user_id == actor.user_id, AgentRun.world_id == world_id)
                    .where(col(AgentRun.ended_at).is_(None))
                    .where(col(AgentRun.agent_kind) != AgentKind.EXPERIENCE)
                ).first()
        except DSFError:
            # A world the person may not see: the page says so; the chat stays empty.
            self.items, self.last_prompt, self.can_retry = [], "", False
            return
        self.items = [item_from_message(message) for message in messages]
        prompts = [message.content for message in messages if message.message_type == "user"]
        self.last_prompt = prompts[-1] if prompts else ""
        self.can_retry = unfinished is not None or bool(
            self.items and self.items[-1].role == "error"
        )

    @rx.event
    def set_draft(self, value: str) -> None:
        self.draft = value

    @rx.event
    def cancel(self) -> None:
        self.cancel_requested = True

    @rx.event
    def retry(self):
        self.draft = self.last_prompt
        return ChatState.send

    @rx.event(background=True)
    async def send(self, form_data: dict | None = None):
        async with self:
            text = ((form_data or {}).get("message") or self.draft).strip()
            if self.busy or not text:
                return
            try:
                actor = self.actor()
            except DSFError as exc:
                self.items = apply_event(self.items, TurnFinished("error", str(exc)))
                return
            kind, world_id, story_id = self._context()
            turn_key = self.loaded_for = str(world_id or "")
            self.items = [*self.items, ChatItem(f"user-{uuid.uuid4().hex[:8]}", "user", text)]
            self.draft, self.last_prompt = "", text
            self.busy, self.cancel_requested, self.can_retry = True, False, False

        events: asyncio.Queue[TurnEvent | None] = asyncio.Queue()

        async def should_stop() -> bool:
            async with self:
                return self.cancel_requested

        async def run() -> None:
            try:
                async with connect() as letta:
                    await Orchestrator(letta).run_turn(
                        TurnRequest(actor, kind, world_id, story_id, text), events.put, should_stop
                    )
            finally:
                await events.put(None)

        turn = asyncio.create_task(run())
        finished = TurnFinished("error", "The turn ended without an answer.")
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
        await turn
        async with self:
            self.busy = False
            self.can_retry = finished.error is not None
            if finished.stop_reason == "cancelled" and self.loaded_for == turn_key:
                self.items = [
                    *self.items,
                    ChatItem(f"note-{uuid.uuid4().hex[:8]}", "error", CANCELLED_NOTE),
                ]


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
