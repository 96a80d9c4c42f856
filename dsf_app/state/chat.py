"""The chat panel's state: the conversation with the page's agent, streamed as it happens.

The turn runs in a background event so the page stays responsive and many people's turns run
at once; database work runs in worker threads, never on the event loop. The person's message
is committed before anything else (if that fails it goes back into the box), the reply is kept
as it streams, and a turn that fails — anywhere — ends with a sentence saying what failed;
Retry continues the last unfinished turn where it stopped. Messages sent while a turn runs
(typed, or a suggestion accepted) wait in a queue, shown as queued, and go when it ends.
A new conversation starts the agent afresh (earlier ones stay readable, read only); the last
turn can be regenerated, or its message edited and sent again — a new turn beside the old.

The rows and how a turn event changes them are `chat_rows.py`; the blocking reads and writes
(the message committed, the stored conversation) are `chat_store.py`. When a tool changed
something a page shows, the turn yields the reload handlers the page states declared for that
topic (`refresh.py`). Other panels start a turn through `turn_start.py`, never through this
state, so the chat imports none of them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import reflex as rx

from dsf_app.agents import failures
from dsf_app.agents.approval_loop import Orchestrator
from dsf_app.agents.events import Changed, TextDelta, TurnEvent, TurnFinished
from dsf_app.agents.turn import Emit, ShouldStop
from dsf_app.auth import sessions
from dsf_app.errors import DSFError
from dsf_app.letta.connection import connect
from dsf_app.models import AgentKind
from dsf_app.services import confirmations, conversations, validation
from dsf_app.settings import get_settings
from dsf_app.state import chat_store
from dsf_app.state.auth import ActsForPerson, session_token
from dsf_app.state.chat_rows import (
    ChatItem,
    apply_event,
    as_sent,
    item_from_message,
    row_id,
    without_last_user,
)
from dsf_app.state.chat_store import ConversationOption, Outgoing
from dsf_app.state.feedback import shows_problems
from dsf_app.state.refresh import refresh_events
from dsf_app.state.routes import route_ids

FLUSH_SECONDS = 0.08
CANCELLED_NOTE = "You cancelled this turn; what was done so far is kept."
# What a turn does once its person and record are known: run, or continue, it.
Job = Callable[[Orchestrator, Emit, ShouldStop], Awaitable[TurnFinished]]


class ChatState(ActsForPerson, rx.State):
    items: list[ChatItem] = []
    draft: str = ""
    busy: bool = False
    cancel_requested: bool = False
    # The last unfinished turn of this conversation, which Retry continues ("" when none).
    retry_run: str = ""
    queued: list[str] = []
    loaded_for: str = ""
    # The conversation shown ("" for the current one; an earlier one is read only).
    conversation_key: str = ""
    conversations: list[ConversationOption] = []
    # The last ended turn of the current conversation, which Regenerate and Edit replace.
    last_run: str = ""
    last_prompt: str = ""
    editing: bool = False
    # Why the last message could not be sent or queued (it stays in the box); "" when it was.
    send_problem: str = ""

    @rx.var
    def can_retry(self) -> bool:
        return bool(self.retry_run)

    @rx.var
    def earlier(self) -> bool:
        """Whether an earlier conversation is shown (read only)."""
        return bool(self.conversation_key)

    @rx.var
    def can_redo(self) -> bool:
        return self._redoable()

    def _redoable(self) -> bool:
        return bool(self.last_run) and not self.busy and not self.conversation_key

    def _context(self) -> tuple[AgentKind, uuid.UUID | None, uuid.UUID | None]:
        world_id, story_id = route_ids(self.router.url.path)
        return (AgentKind.WORLD if world_id else AgentKind.USER), world_id, story_id

    @rx.event
    async def load(self) -> None:
        """on_load: the stored conversation for this page's agent (unless a turn is streaming)."""
        await self._load()

    async def _load(self) -> None:
        _, world_id, _ = self._context()
        if self.busy and self.loaded_for == str(world_id or ""):
            return  # a reload mid-turn: the running turn keeps streaming into this list
        token = session_token(self)
        if token is None:
            return
        if self.loaded_for != str(world_id or ""):
            self.conversation_key, self.editing = "", False  # another agent's chat
        self.loaded_for = str(world_id or "")
        shown = uuid.UUID(self.conversation_key) if self.conversation_key else None
        self.retry_run, self.last_run, self.last_prompt = "", "", ""
        try:
            stored, self.conversations, cards = await asyncio.to_thread(
                chat_store.stored, token, world_id, shown
            )
        except DSFError:
            # A world the person may not see: the page says so; the chat stays empty.
            self.items, self.conversations, self.conversation_key = [], [], ""
            return
        except Exception as exc:
            self.items = [
                ChatItem(row_id("error"), "error", failures.not_loaded(exc, get_settings()))
            ]
            return
        self.items = [
            item_from_message(message, nested=message.id in stored.nested)
            for message in stored.messages
        ] + cards
        if stored.current:
            self.items += [ChatItem(row_id("queued"), "queued", text) for text in self.queued]
        self.retry_run = str(stored.retry_run or "")
        self.last_run, self.last_prompt = str(stored.last_run or ""), stored.last_prompt

    @rx.event
    @shows_problems
    async def new_conversation(self):
        """Start a new conversation with this page's agent; the earlier ones stay listed."""
        if self.busy:
            return
        _, world_id, _ = self._context()
        await self.act(conversations.start_new, world_id)
        self.conversation_key, self.editing, self.draft = "", False, ""
        await self._load()

    @rx.event
    async def show_conversation(self, conversation_id: str):
        """Show one of the conversations ("" or the current one's id: the current one)."""
        try:
            chosen = str(uuid.UUID(conversation_id)) if conversation_id else ""
        except ValueError:
            return
        current = next((c.id for c in self.conversations if c.current), "")
        self.conversation_key = "" if chosen == current else chosen
        self.editing = False
        await self._load()

    @rx.event(background=True)
    async def regenerate(self):
        """Another reply to the last message; the reply before stays shown above it."""
        async with self:
            if not self._redoable():
                return
            outgoing = Outgoing(self.last_prompt, uuid.UUID(self.last_run), "regenerate")
            self.busy, token = True, session_token(self)
        async for refresh in self._serve(outgoing, token):
            yield refresh

    @rx.event
    def edit_last(self) -> None:
        """Put the last message back in the box; sending it makes a new turn in its place."""
        if self._redoable():
            self.draft, self.editing = self.last_prompt, True

    @rx.event
    def cancel_edit(self) -> None:
        self.draft, self.editing = "", False

    @rx.event
    def set_draft(self, value: str) -> None:
        self.draft = value[: get_settings().prompt_max_chars]

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
            self.send_problem = _refusal(text, len(self.queued) if self.busy else None)
            if self.send_problem:
                if len(text) <= get_settings().prompt_max_chars:
                    self.draft = text  # nothing typed is lost
                return
            self.draft = ""
            editing, self.editing = self.editing and self._redoable(), False
            if self.busy:
                self.queued = [*self.queued, text]
                self.items = [*self.items, ChatItem(row_id("queued"), "queued", text)]
                return
            self.busy, token = True, session_token(self)
            outgoing = (
                Outgoing(text, uuid.UUID(self.last_run), "edit") if editing else Outgoing(text)
            )
        async for refresh in self._serve(outgoing, token):
            yield refresh

    @rx.event(background=True)
    @shows_problems
    async def answer(self, confirmation_id: str, approve: bool):
        """Approve or deny a call that cannot be undone; the turn that asked continues."""
        chosen = validation.identifier(confirmation_id, what="confirmation")
        async with self:
            if self.busy:
                return
            _, world_id, _ = self._context()
            self.busy, token = True, session_token(self)
        try:
            answered = await self.act(confirmations.answer, world_id, chosen, approve is True)
        except BaseException:
            async with self:
                self.busy = False
            raise
        async with self:
            self.items = [item for item in self.items if item.id != confirmation_id]
        async for refresh in self._serve(answered.run_id, token):
            yield refresh

    @rx.event(background=True)
    async def retry(self):
        """Continue the last unfinished turn where it stopped."""
        async with self:
            if self.busy or not self.retry_run:
                return
            run_id, self.retry_run, self.busy = uuid.UUID(self.retry_run), "", True
            token = session_token(self)
        async for refresh in self._serve(run_id, token):
            yield refresh

    async def _serve(self, first: Outgoing | uuid.UUID, token: str | None) -> AsyncIterator[object]:
        """Take turns until none is queued: first a message sent (or the run continued by
        Retry), then each queued message in order; `busy` is cleared whatever happens. They
        all belong to the session `token` that sent the first (taken as `busy` was set): once
        the tab is signed out, or signed in as someone else (its state is then reset,
        state/tab_owner.py), the turn stops and nothing more is sent or shown."""
        next_up: Outgoing | uuid.UUID | None = first
        try:
            while next_up is not None:
                job = await (
                    self._started(next_up, token)
                    if isinstance(next_up, Outgoing)
                    else self._resumed(next_up, token)
                )
                if job is not None:
                    async for refresh in self._take_turn(job, token):
                        yield refresh
                async with self:
                    if not self._still_for(token):
                        return
                    if job is not None and isinstance(next_up, Outgoing):
                        self.last_prompt = next_up.text
                    next_up = Outgoing(self.queued[0]) if self.queued else None
                    self.queued = self.queued[1:]
        finally:
            async with self:
                if self._still_for(token):
                    self.busy = False

    def _still_for(self, token: str | None) -> bool:
        """Whether the tab's events still come with the session `token` (not signed out, nor
        signed in again, since)."""
        return session_token(self) == token

    async def _started(self, outgoing: Outgoing, token: str | None) -> Job | None:
        """Commit the message with its turn; if that fails it goes back into the box."""
        text = outgoing.text
        async with self:
            if not self._still_for(token):
                return None
            kind, world_id, story_id = self._context()
            if self.conversation_key:  # a message goes to the current conversation
                self.conversation_key = ""
                await self._load()
            self.loaded_for = str(world_id or "")
            self.cancel_requested, self.retry_run, self.last_run = False, "", ""
            # A card left unanswered is withdrawn by the new turn (agents/confirmations.py).
            unanswered = [item for item in self.items if item.role != "confirm"]
            self.items = as_sent(unanswered, text, outgoing.kind)
        try:
            actor, record = await asyncio.to_thread(
                chat_store.start, token, kind, world_id, story_id, outgoing
            )
        except Exception as exc:
            async with self:
                if self._still_for(token):
                    self._unsent(text, failures.not_sent(exc, get_settings()))
            return None

        async def job(orchestrator: Orchestrator, emit: Emit, stop: ShouldStop) -> TurnFinished:
            return await orchestrator.run(actor, record, emit, stop, _session_of(token))

        return job

    async def _resumed(self, run_id: uuid.UUID, token: str | None) -> Job | None:
        async with self:
            if not self._still_for(token):
                return None
            self.cancel_requested = False
        try:
            actor = await asyncio.to_thread(chat_store.actor_for, token)
        except Exception as exc:
            async with self:
                if not self._still_for(token):
                    return None
                self.items = apply_event(
                    self.items, TurnFinished("error", failures.describe(exc, get_settings()))
                )
                self.retry_run = str(run_id)
            return None

        async def job(orchestrator: Orchestrator, emit: Emit, stop: ShouldStop) -> TurnFinished:
            return await orchestrator.resume(actor, run_id, emit, stop, _session_of(token))

        return job

    def _unsent(self, text: str, reason: str) -> None:
        """The message (and any queued after it) back into the box, with why."""
        self.items = [item for item in self.items if item.role != "queued"]
        self.items = without_last_user(self.items, text)
        self.items = [*self.items, ChatItem(row_id("error"), "error", reason)]
        self.draft = "\n\n".join([text, *self.queued, *([self.draft] if self.draft else [])])
        self.queued = []

    async def _take_turn(self, job: Job, token: str | None) -> AsyncIterator[object]:
        """Run the turn, streaming its events into the chat and yielding page refreshes; it
        stops when cancelled, or when the tab is no longer the session's that started it."""
        async with self:
            turn_key = self.loaded_for
        events: asyncio.Queue[TurnEvent | None] = asyncio.Queue()

        async def should_stop() -> bool:
            async with self:
                return self.cancel_requested or not self._still_for(token)

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
                if self.loaded_for == turn_key and self._still_for(token):
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
                if self._still_for(token):
                    self.items = apply_event(self.items, finished)
        async with self:
            if self.loaded_for != turn_key or finished is None or not self._still_for(token):
                return
            self.retry_run = str(finished.run_id) if finished.retryable else ""
            self.last_run = str(finished.run_id or "")
            if finished.stop_reason == "cancelled":
                self.items = [*self.items, ChatItem(row_id("note"), "error", CANCELLED_NOTE)]


def _refusal(text: str, queued: int | None) -> str:
    """Why `text` may not be sent (or, with `queued` messages waiting, queued): too long, or
    the queue is full; "" when it may."""
    settings = get_settings()
    if len(text) > settings.prompt_max_chars:
        return (
            f"A message may have at most {settings.prompt_max_chars:,} characters; this one has "
            f"{len(text):,}. Shorten it, or send it in parts."
        )
    if queued is not None and queued >= settings.chat_queue_max:
        return (
            f"{queued} messages already wait for this turn to end (at most "
            f"{settings.chat_queue_max}); yours is still in the box: send it once the agent "
            "has answered."
        )
    return ""


def _session_of(token: str | None) -> str | None:
    """What a turn checks its sign-in session by: the hash of its token."""
    return sessions.token_hash(token) if token else None


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
