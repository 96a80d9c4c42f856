"""A download of runs as JSONL from GET /export/runs.jsonl. The browser fetches it with the
person's session cookie (Reflex's download event clicks a plain link, which the app's router
would otherwise take as a page change)."""

from __future__ import annotations

from typing import Literal

import reflex as rx


def export_button(
    href: str | rx.Var[str], filename: str, size: Literal["1", "2", "3", "4"] = "2"
) -> rx.Component:
    return rx.button(
        rx.icon("download", size=14),
        "Export JSONL",
        on_click=rx.download(url=href, filename=filename),
        variant="soft",
        size=size,
    )
