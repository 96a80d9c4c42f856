"""Which page states reload when a tool changed a topic, so pages show what the agents did
without a reload.

Each page state declares what reloads it, beside its own code:

    @reloads_on(Topic.WORLDS, Topic.STORIES)
    class WorldPageState(UrlPage, rx.State): ...

The decorator files the class's `reload` handler under each topic; `refresh_events` reads that
registry when a turn (or a page event) reports what changed. This module imports no page state,
so a state that reports changes (the chat, the Codex) and a state that is reloaded never import
each other. The registry is filled as the page states are imported, which the app does for all
of them; `tests/test_refresh_table.py` checks that every topic has at least one reloader."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar, cast

import reflex as rx
from reflex.event import EventCallback

from dsf_app.agents.topics import Topic

S = TypeVar("S", bound=type[rx.State])

# What a handler is to the type checker (`SomeState.reload`), whatever Reflex wraps it in.
Reload = EventCallback[()]

_reloaders: dict[Topic, list[Reload]] = {topic: [] for topic in Topic}


def reloads_on(*topics: Topic) -> Callable[[S], S]:
    """Class decorator: the state's `reload` handler runs when a tool changes any of `topics`."""

    def register(cls: S) -> S:
        if "reload" not in cls.event_handlers:
            raise TypeError(
                f"{cls.__name__} declares reloads_on but has no `reload` event handler."
            )
        handler = cast(Reload, cls.event_handlers["reload"])
        for topic in topics:
            if handler not in _reloaders[topic]:
                _reloaders[topic].append(handler)
        return cls

    return register


def reloaders(topic: Topic) -> tuple[Reload, ...]:
    """The reload handlers filed under `topic`, in the order their states were defined."""
    return tuple(_reloaders[topic])


def refresh_events(changed: Iterable[Topic]) -> list[Reload]:
    """The reload handlers for the changed topics, each once, in a stable order."""
    handlers = [handler for topic in sorted(changed) for handler in _reloaders[topic]]
    return list(dict.fromkeys(handlers))
