"""Reading a canvas spec's node as the renderers draw it: its props as typed Vars, a colour
prop as a CSS colour, a prop's values as class-name suffixes, the data attributes that name the
component (never a DOM id), and the interaction a click on it reports to `CanvasState`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import reflex as rx
from reflex.event import EventCallback
from reflex.vars import ArrayVar, ObjectVar

from dsf_app.components.matching import as_var
from dsf_app.state.canvas import CanvasState

Node = ObjectVar[dict[str, Any]]


def props_of(node: Node) -> ObjectVar[dict[str, Any]]:
    return node["props"].to(dict[str, Any])


def str_prop(node: Node, name: str) -> rx.Var[str]:
    return props_of(node)[name].to(str)


def as_list(value: rx.Var) -> ArrayVar[list[dict[str, Any]]]:
    return value.to(list[dict[str, Any]])


def same(values: Iterable[str]) -> dict[str, str]:
    """A prop's values mapped to themselves: a class-name suffix per variant."""
    return {value: value for value in values}


def css_color(value: rx.Var, shade: int = 11, default: str = "inherit") -> rx.Var:
    """'crimson' -> var(--crimson-11), 'gray-9' -> var(--gray-9), '#7c3aed' as written; the
    spec's pattern admits nothing else."""
    name = value.to(str)
    return as_var(
        rx.cond(
            value,
            rx.cond(
                name.startswith("#"),
                name,
                rx.cond(name.contains("-"), f"var(--{name})", f"var(--{name}-{shade})"),
            ),
            default,
        )
    )


def tagged(node: Node) -> dict[str, Any]:
    """Data attributes naming the component (for tests and styling); never a DOM id, so an agent's
    id can't clobber globals such as `window.foo`."""
    return {"custom_attrs": {"data-canvas-id": node["id"], "data-canvas-type": node["type"]}}


def interact(
    target: rx.Var[str], node: Node, kind: str, data: dict[str, Any] | None = None
) -> EventCallback[()]:
    return CanvasState.interact(target, node["id"].to(str), kind, data or {}).stop_propagation


def eyebrow(text: rx.Var[str] | str, **props: Any) -> rx.Component:
    return rx.text(text, class_name="dsf-eyebrow", as_="div", **props)
