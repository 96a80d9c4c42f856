"""A search box for a page's toolbar: a magnifier, a label for screen readers, and room to grow."""

from __future__ import annotations

from typing import Any

import reflex as rx

# Read by screen readers, not shown (the field's icon and placeholder say it already).
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "whiteSpace": "nowrap",
}


def search_field(label: str, field_id: str, **input_props: Any) -> rx.Component:
    return rx.box(
        rx.el.label(label, html_for=field_id, style=VISUALLY_HIDDEN),
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            id=field_id,
            type="search",
            width="100%",
            **input_props,
        ),
        flex="1",
        min_width="12em",
    )
