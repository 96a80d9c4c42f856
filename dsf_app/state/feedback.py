"""How the page states tell a person what happened: a product error (DSFError) becomes one
error toast with its sentence; success is a short toast. The one place errors meet the screen."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeAlias, TypeVar, overload

import reflex as rx
from reflex.event import EventCallback

from dsf_app.errors import DSFError

# What a handler may hand back to Reflex besides nothing: an event spec (a toast, a redirect, a
# download) or another state's handler bound to its arguments (`ChatState.send({...})`).
Followup: TypeAlias = rx.event.EventSpec | EventCallback[()]

S = TypeVar("S")
P = ParamSpec("P")
E = TypeVar("E")
R = TypeVar("R")


def problem(exc: DSFError) -> rx.event.EventSpec:
    return rx.toast.error(str(exc), duration=8000)


def done(message: str) -> rx.event.EventSpec:
    return rx.toast.success(message, duration=3000)


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
