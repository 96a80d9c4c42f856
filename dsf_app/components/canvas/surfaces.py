"""Where the canvas shows on a page: inline surfaces at the top of the main column, overlay
surfaces in a dismissable dialog, fullscreen ones in a layer over everything — each with a
control for the person to close it."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.canvas.render import canvas_node, canvas_style
from dsf_app.components.loaded_marker import loaded_marker
from dsf_app.components.matching import pick
from dsf_app.state.canvas import CanvasState, SurfaceView

TARGET_LABELS = {"canvas-root": "Canvas", "story-reader": "Scene", "world-gallery": "Gallery"}


def _label(target: rx.Var[str]) -> rx.Var:
    return pick(target, TARGET_LABELS, target)


def _roots(surface: ObjectVar[SurfaceView]) -> rx.Component:
    return rx.vstack(
        rx.foreach(surface.spec, lambda root: canvas_node(node=root, target=surface.target)),
        spacing="4",
        width="100%",
    )


def _close_button(surface: ObjectVar[SurfaceView], **props: Any) -> rx.Component:
    style: dict[str, Any] = {
        "variant": "ghost",
        "size": "1",
        "class_name": "dsf-canvas-close",
        **props,
    }
    return rx.icon_button(
        rx.icon("x", size=16),
        color_scheme="gray",
        aria_label=f"Close {_label(surface.target)}",
        title="Close this canvas",
        on_click=CanvasState.dismiss(surface.target),
        **style,
    )


def _inline_surface(surface: ObjectVar[SurfaceView]) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.hstack(
                rx.icon("sparkles", size=14, color=rx.color("cyan", 11)),
                rx.text(_label(surface.target), class_name="dsf-eyebrow"),
                align="center",
                spacing="2",
            ),
            _close_button(surface),
            justify="between",
            align="center",
            width="100%",
            margin_bottom="0.75rem",
            class_name="dsf-surface-bar",
        ),
        _roots(surface),
        class_name="dsf-surface",
        custom_attrs={"data-canvas-target": surface.target, "data-canvas-mode": "inline"},
        width="100%",
    )


def _overlay() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title("From your agent", class_name="dsf-eyebrow", margin="0"),
                    rx.dialog.close(
                        rx.icon_button(
                            rx.icon("x", size=16),
                            variant="ghost",
                            color_scheme="gray",
                            size="1",
                            aria_label="Close",
                            class_name="dsf-canvas-close",
                        )
                    ),
                    justify="between",
                    align="center",
                    width="100%",
                ),
                rx.foreach(
                    CanvasState.overlay,
                    lambda surface: rx.box(
                        _roots(surface),
                        width="100%",
                        custom_attrs={
                            "data-canvas-target": surface.target,
                            "data-canvas-mode": "overlay",
                        },
                    ),
                ),
                spacing="3",
                class_name="dsf-canvas",
            ),
            max_width="min(94vw, 60rem)",
            max_height="88vh",
            overflow_y="auto",
        ),
        open=CanvasState.overlay.length() > 0,
        on_open_change=CanvasState.dismiss_overlays,
    )


def _fullscreen() -> rx.Component:
    return rx.cond(
        CanvasState.fullscreen.length() > 0,
        rx.box(
            rx.foreach(
                CanvasState.fullscreen,
                lambda surface: rx.box(
                    _close_button(
                        surface,
                        size="3",
                        variant="soft",
                        class_name="dsf-canvas-close dsf-fullscreen-close",
                    ),
                    _roots(surface),
                    width="100%",
                    max_width="80rem",
                    margin_x="auto",
                    custom_attrs={
                        "data-canvas-target": surface.target,
                        "data-canvas-mode": "fullscreen",
                    },
                ),
            ),
            class_name="dsf-canvas dsf-fullscreen",
            role="dialog",
            aria_modal="true",
            aria_label="Canvas",
        ),
    )


def canvas_area() -> rx.Component:
    """Everything the canvas shows on this page, loaded when the page mounts."""
    return rx.box(
        canvas_style(),
        rx.cond(
            CanvasState.inline.length() > 0,
            rx.vstack(
                rx.foreach(CanvasState.inline, _inline_surface),
                spacing="4",
                width="100%",
                margin_bottom="1.5em",
            ),
        ),
        _overlay(),
        _fullscreen(),
        class_name="dsf-canvas",
        id="canvas",
        width="100%",
        custom_attrs=loaded_marker(CanvasState.loaded_for),
        on_mount=CanvasState.load,
    )
