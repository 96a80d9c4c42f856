"""The canvas of the page's world: the surfaces agents drew for this person (inline, overlay,
fullscreen), reloaded while a turn runs, and the person's clicks and Form answers queued for the
agent. An ActionBar choice (or a Form that says so) also starts the next turn, so the story goes
on without typing."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import reflex as rx
from sqlmodel import Session

from dsf_app.agents.topics import Topic
from dsf_app.models import CanvasMode
from dsf_app.services import canvas, interactions
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson, SignedOut
from dsf_app.state.feedback import Followup, done, notice, shows_problems
from dsf_app.state.refresh import reloads_on
from dsf_app.state.routes import route_ids
from dsf_app.state.turn_start import chat_busy, start_turn

CHOSEN = "The reader chose: {label}"
BUSY = "Your agent is still answering; it will find your choice among your canvas clicks."
SENT = "Sent to your agent; it reads your answers when it next looks at the canvas."


@dataclasses.dataclass
class SurfaceView:
    """One target as the renderer reads it: every prop present, null when unset."""

    target: str
    mode: str
    spec: list[dict[str, Any]]


def _views(session: Session, actor: Actor, world_id: uuid.UUID | None) -> list[SurfaceView]:
    surfaces = canvas.list_surfaces(session, actor, world_id)
    views = [SurfaceView(s.target, str(s.mode), canvas.for_browser(s.spec)) for s in surfaces]
    return [view for view in views if view.spec]


@reloads_on(Topic.CANVAS)
class CanvasState(ActsForPerson, rx.State):
    inline: rx.Field[list[SurfaceView]] = rx.field(default_factory=list)
    overlay: rx.Field[list[SurfaceView]] = rx.field(default_factory=list)
    fullscreen: rx.Field[list[SurfaceView]] = rx.field(default_factory=list)
    # The connection the surfaces were last loaded for (components/loaded_marker.py).
    loaded_for: rx.Field[str] = rx.field("")

    def _world_id(self) -> uuid.UUID | None:
        return route_ids(self.router.url.path)[0]

    @rx.event
    @shows_problems
    async def load(self) -> None:
        """on_mount of the canvas: the surfaces of this page's world."""
        await self._show_surfaces()

    @rx.event
    @shows_problems
    async def reload(self) -> None:
        """After an agent's canvas_ui call, while its turn is still running."""
        await self._show_surfaces()

    async def _show_surfaces(self) -> None:
        try:
            views = await self.act(_views, self._world_id())
        except SignedOut:
            return
        self.inline = [v for v in views if v.mode == CanvasMode.INLINE]
        self.overlay = [v for v in views if v.mode == CanvasMode.OVERLAY]
        self.fullscreen = [v for v in views if v.mode == CanvasMode.FULLSCREEN]
        self.loaded_for = self.router.session.session_id

    @rx.event
    @shows_problems
    async def interact(
        self, target: str, component_id: str, interaction_type: str, data: dict[str, Any]
    ) -> Followup | None:
        """A click on the canvas, or a Form sent ("submit", data {values}): queued for the
        agent; an ActionBar choice, or a Form that continues the story, starts a turn (or, while
        the agent is still answering, waits in the queue for it)."""
        return await self._interact(target, component_id, interaction_type, data)

    @rx.event
    @shows_problems
    async def dialog_changed(
        self, target: str, component_id: str, is_open: bool
    ) -> Followup | None:
        """A Dialog on the canvas opened or closed."""
        return await self._interact(target, component_id, "open" if is_open else "close", {})

    async def _interact(
        self, target: str, component_id: str, interaction_type: str, data: Any
    ) -> Followup | None:
        world_id = self._world_id()
        if interaction_type == "submit":
            message = await self.act(interactions.submit_form, world_id, target, component_id, data)
            return await self._continue(message) if message else done(SENT)
        described = await self.act(
            interactions.record_on_surface, world_id, target, component_id, interaction_type, data
        )
        if interaction_type != "action" or not described.get("label"):
            return None
        return await self._continue(CHOSEN.format(label=described["label"]))

    async def _continue(self, message: str) -> Followup:
        """The story goes on with `message`, or the agent finds it among the canvas's clicks."""
        if await chat_busy(self):
            return notice(BUSY)
        return start_turn(message)

    @rx.event
    @shows_problems
    async def dismiss(self, target: str) -> None:
        """The person closes a surface: it is cleared, and the agent hears that it was closed."""
        await self.act(interactions.dismiss_surface, self._world_id(), target)
        await self._show_surfaces()

    @rx.event
    def dismiss_overlays(self, is_open: bool) -> list[Followup] | None:
        """The overlay dialog was closed (Escape, a click outside or its close button)."""
        if is_open:
            return None
        return [CanvasState.dismiss(view.target) for view in self.overlay]
