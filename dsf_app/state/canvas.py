"""The canvas of the page's world: the surfaces agents drew for this person (inline, overlay,
fullscreen), reloaded while a turn runs, and the person's clicks queued for the agent. An
ActionBar choice also starts the next turn, so the story goes on without typing."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import reflex as rx

from dsf_app.db import session_scope
from dsf_app.errors import DSFError
from dsf_app.models import CanvasMode
from dsf_app.services import canvas, interactions
from dsf_app.state.auth import ActsForPerson, current_actor
from dsf_app.state.chat import ChatState
from dsf_app.state.feedback import notice, problem
from dsf_app.state.refresh import on_change
from dsf_app.state.routes import route_ids

CHOSEN = "The reader chose: {label}"
BUSY = "Your agent is still answering; it will find your choice among your canvas clicks."


@dataclasses.dataclass
class SurfaceView:
    """One target as the renderer reads it: every prop present, null when unset."""

    target: str
    mode: str
    spec: list[dict[str, Any]]


class CanvasState(ActsForPerson, rx.State):
    inline: list[SurfaceView] = []
    overlay: list[SurfaceView] = []
    fullscreen: list[SurfaceView] = []

    def _world_id(self) -> uuid.UUID | None:
        return route_ids(self.router.url.path)[0]

    @rx.event
    def load(self) -> None:
        """on_mount of the canvas: the surfaces of this page's world."""
        actor = current_actor(self)
        if actor is None:
            return
        with session_scope() as session:
            surfaces = canvas.list_surfaces(session, actor, self._world_id())
            views = [
                SurfaceView(s.target, str(s.mode), canvas.for_browser(s.spec)) for s in surfaces
            ]
        self.inline = [v for v in views if v.mode == CanvasMode.INLINE and v.spec]
        self.overlay = [v for v in views if v.mode == CanvasMode.OVERLAY and v.spec]
        self.fullscreen = [v for v in views if v.mode == CanvasMode.FULLSCREEN and v.spec]

    @rx.event
    def reload(self) -> None:
        """After an agent's canvas_ui call, while its turn is still running."""
        self.load()

    @rx.event
    async def interact(
        self, target: str, component_id: str, interaction_type: str, data: dict[str, Any]
    ):
        """A click on the canvas: queued for the agent; an ActionBar choice starts a turn (or,
        while the agent is still answering, waits in the queue for it)."""
        followup = self._interact(target, component_id, interaction_type, data)
        if followup is not None and interaction_type == "action":
            chat = await self.get_state(ChatState)
            if chat.busy:
                return notice(BUSY)
        return followup

    @rx.event
    def dialog_changed(self, target: str, component_id: str, is_open: bool):
        """A Dialog on the canvas opened or closed."""
        return self._interact(target, component_id, "open" if is_open else "close", {})

    def _interact(
        self, target: str, component_id: str, interaction_type: str, data: Any
    ) -> rx.event.EventSpec | None:
        try:
            actor = self.actor()
            world_id = self._world_id()
            with session_scope() as session:
                surface = canvas.get_surface(session, actor, world_id, target)
                node = canvas.find_component(surface, component_id)
                data = _described(node, interaction_type, data if isinstance(data, dict) else {})
                interactions.record(
                    session, actor, world_id, target, component_id, interaction_type, data
                )
        except DSFError as exc:
            return problem(exc)
        if interaction_type == "action" and data.get("label"):
            return ChatState.send({"message": CHOSEN.format(label=data["label"])})
        return None

    @rx.event
    def dismiss(self, target: str):
        """The person closes a surface: it is cleared, and the agent hears that it was closed."""
        try:
            actor = self.actor()
            world_id = self._world_id()
            with session_scope() as session:
                surface = canvas.get_surface(session, actor, world_id, target)
                if surface is not None and surface.spec:
                    root_id = str(surface.spec[0].get("id") or "surface")
                    interactions.record(session, actor, world_id, target, root_id, "dismiss")
                canvas.clear(session, actor, world_id, target)
        except DSFError as exc:
            return problem(exc)
        self.load()
        return None

    @rx.event
    def dismiss_overlays(self, is_open: bool):
        """The overlay dialog was closed (Escape, a click outside or its close button)."""
        if is_open:
            return None
        return [CanvasState.dismiss(view.target) for view in self.overlay]


def _described(node: dict[str, Any] | None, interaction_type: str, data: dict[str, Any]) -> dict:
    """What the agent reads about a click, from the stored spec where there is one (the
    browser's word is only trusted for which action or part was clicked)."""
    described: dict[str, Any] = {}
    if node is not None:
        described["componentType"] = node.get("type")
    for key in ("part", "index"):
        if key in data and isinstance(data[key], str | int):
            described[key] = str(data[key])[:64]
    if interaction_type != "action":
        return described
    action_id = str(data.get("actionId") or "")[:64]
    actions = ((node or {}).get("props") or {}).get("actions") or []
    chosen = next((a for a in actions if isinstance(a, dict) and a.get("id") == action_id), None)
    described["actionId"] = action_id
    label = chosen.get("label") if chosen else data.get("label")
    described["label"] = str(label or action_id)[:300]
    return described


on_change("canvas", CanvasState.reload)
