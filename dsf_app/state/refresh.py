"""After an agent turn changed things, which page states reload — so pages show what the
agents did without a reload. Keys are what a tool noted with `ToolContext.note_change`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import reflex as rx

# Filled by the page state modules: REFRESHERS["worlds"].append(WorldsState.reload)
REFRESHERS: dict[str, list[Callable[[], rx.event.EventSpec]]] = {}


def on_change(what: str, handler: Callable[..., object]) -> None:
    """Register an event handler to run when `what` ('worlds', 'stories', 'assets'…) changed."""
    REFRESHERS.setdefault(what, []).append(handler)  # type: ignore[arg-type]


def refresh_events(changed: Iterable[str]) -> list[Callable[[], rx.event.EventSpec]]:
    handlers = [handler for what in sorted(changed) for handler in REFRESHERS.get(what, [])]
    return list(dict.fromkeys(handlers))
