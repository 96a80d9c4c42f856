"""Parts every detail page shares: the link back to where it was opened from, and the
placeholder shown while its data loads."""

from __future__ import annotations

from typing import Any

import reflex as rx


def back_link(label: str | rx.Var[str], href: str | rx.Var[str], **props: Any) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=14), rx.text(label), align="center", spacing="1"),
        href=href,
        size="2",
        **props,
    )


def loading_placeholder(*heights: str, heading_width: str = "50%", **props: Any) -> rx.Component:
    """A heading's bar, then a block of each height, marked busy for screen readers."""
    return rx.vstack(
        rx.skeleton(rx.box(height="2.5em", width=heading_width), loading=True),
        *(rx.skeleton(rx.box(height=height), loading=True) for height in heights),
        spacing="4",
        width="100%",
        aria_busy="true",
        **props,
    )
