"""How the page states tell a person what happened: a product error (DSFError) becomes one
error toast with its sentence; success is a short toast. The one place errors meet the screen.

Toasts travel as data (`FeedbackState.notices`), not as code: Reflex's own `rx.toast` from the
backend sends a JavaScript string that the browser must `eval`, which the Content-Security-Policy
forbids. `components/toasts.py` shows each new notice once per tab.

When several workers share page state, it lives in Redis, and with Redis gone no event can run:
not even `FeedbackState.show`. So a Redis outage is told to the tab as a delta pushed straight
down its socket, without the state (queueing `show` would fail the same way, again and again)."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeAlias, TypeVar, overload

import redis
import reflex as rx
from reflex.event import EventCallback, EventSpec
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.event.context import EventContext

from dsf_app.errors import DSFError

# What a handler may hand back to Reflex besides nothing: an event spec (a toast, a redirect, a
# download) or another state's handler bound to its arguments (`ChatState.send({...})`).
Followup: TypeAlias = EventSpec | EventCallback[()]

S = TypeVar("S")
P = ParamSpec("P")
E = TypeVar("E")
R = TypeVar("R")

log = logging.getLogger(__name__)

KEPT_NOTICES = 5
MAX_NOTICE_CHARS = 600
DURATIONS = {"error": 8000, "success": 3000, "info": 6000}
UNEXPECTED = "Something went wrong on our side; try again, or contact the website administrator."
PAGE_STORE_DOWN = (
    "That did not go through: the server's page store (Redis) is not answering. "
    "Everything you saved is kept — try again in a moment."
)
# Deltas on their way to a tab while Redis is down; held so the tasks are not collected early.
_pushing: set[asyncio.Task[None]] = set()


@dataclass(frozen=True)
class Notice:
    id: str
    level: str
    message: str
    duration: int


class FeedbackState(rx.State):
    """The last few notices of this tab; the page shows each new one as a toast."""

    notices: rx.Field[list[Notice]] = rx.field(default_factory=list)

    @rx.event
    def show(self, level: str, message: str) -> None:
        self.notices = [*self.notices[-(KEPT_NOTICES - 1) :], _notice(level, message)]


def _notice(level: str, message: str) -> Notice:
    kind = level if level in DURATIONS else "info"
    return Notice(uuid.uuid4().hex, kind, str(message)[:MAX_NOTICE_CHARS], DURATIONS[kind])


def problem(exc: DSFError) -> EventSpec:
    return _show("error", str(exc))


def done(message: str) -> EventSpec:
    return _show("success", message)


def notice(message: str) -> EventSpec:
    return _show("info", message)


def unexpected(exception: Exception) -> EventSpec | None:
    """The app's backend exception handler, in place of Reflex's (whose toast is eval'd code):
    the error goes to the log, the person gets a sentence."""
    if isinstance(exception, redis.ConnectionError | redis.TimeoutError):
        log.warning("A page event failed, Redis is down: %s", exception)
        _push_without_state("error", PAGE_STORE_DOWN)
        return None
    log.error("An event handler failed", exc_info=exception)
    return _show("error", UNEXPECTED)


def stateless_delta(level: str, message: str) -> dict[str, dict[str, list[Notice]]]:
    """A delta that shows the tab one notice, made without its page state (which cannot be
    loaded, or must not be)."""
    return {FeedbackState.get_full_name(): {f"notices{FIELD_MARKER}": [_notice(level, message)]}}


def _push_without_state(level: str, message: str) -> None:
    """Send the failed event's tab a notices delta directly (its state cannot be loaded)."""
    delta = stateless_delta(level, message)
    task = asyncio.get_running_loop().create_task(EventContext.get().emit_delta(delta))
    _pushing.add(task)
    task.add_done_callback(_pushing.discard)


def _show(level: str, message: str) -> EventSpec:
    # A handler called with all its arguments gives an EventSpec; Reflex types it as a callback.
    spec = FeedbackState.show(level, message)
    if not isinstance(spec, EventSpec):
        raise TypeError(f"expected an EventSpec, got {type(spec).__name__}")
    return spec


def when(at: datetime) -> str:
    """A timestamp as a person reads it: `24 Nov 2026, 14:05 UTC`."""
    return at.strftime("%-d %b %Y, %H:%M UTC")


@overload
def shows_problems(
    handler: Callable[Concatenate[S, P], AsyncIterator[E]],
) -> Callable[Concatenate[S, P], AsyncIterator[E | rx.event.EventSpec]]: ...


@overload
def shows_problems(
    handler: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R | rx.event.EventSpec]]: ...


def shows_problems(handler: Callable[..., Any]) -> Callable[..., Any]:
    """An async event handler (a coroutine or an async generator) whose product errors end it
    with the error's toast; the state changes it made before the error stay. Put it under
    `@rx.event`."""
    if inspect.isasyncgenfunction(handler):

        @functools.wraps(handler)
        async def stream(state: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            try:
                async for event in handler(state, *args, **kwargs):
                    yield event
            except DSFError as exc:
                yield problem(exc)

        return stream

    @functools.wraps(handler)
    async def call(state: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await handler(state, *args, **kwargs)
        except DSFError as exc:
            return problem(exc)

    return call
