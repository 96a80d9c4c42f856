"""The block a page shows when it has nothing to list yet."""

from __future__ import annotations

import reflex as rx


def empty_state(icon: str, title: str, text: str, *children: rx.Component) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=40, color=rx.color("cyan", 9)),
            rx.heading(title, size="5", as_="h2"),
            rx.text(text, color_scheme="gray", text_align="center", max_width="28em"),
            *children,
            align="center",
            spacing="3",
        ),
        padding_y="4em",
        width="100%",
        class_name="dsf-empty-state",
    )


def not_found_state(icon: str, thing: str) -> rx.Component:
    """The same answer for a missing thing and one the person may not see (nothing leaks)."""
    return empty_state(
        icon,
        f"{thing.capitalize()} not found",
        f"This {thing} does not exist or is not shared with you.",
        rx.link("Back to your worlds", href="/worlds"),
    )
