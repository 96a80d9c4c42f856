"""The worlds page: the person's worlds, and their User Agent beside them."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.empty_state import empty_state
from dsf_app.components.layout import page_shell

ROUTE = "/worlds"


def worlds_page() -> rx.Component:
    return page_shell(
        rx.heading("Your worlds", size="7", margin_bottom="0.5em"),
        empty_state(
            "globe",
            "No worlds yet",
            "Describe a world to your User Agent in the chat — a premise, a change in science — "
            "and it will draft one here.",
        ),
        chat_agent="User Agent",
    )
