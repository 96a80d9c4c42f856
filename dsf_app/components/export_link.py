"""A download of runs as JSONL: a plain link (the browser downloads it; the app's router
does not take the click), drawn as a button."""

from __future__ import annotations

import reflex as rx


def export_link(href: str | rx.Var[str], size: str = "2") -> rx.Component:
    return rx.button(
        rx.el.a(rx.icon("download", size=14), "Export JSONL", href=href, download=""),
        as_child=True,
        variant="soft",
        size=size,
    )
