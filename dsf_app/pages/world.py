"""A world's page: its foundation, stories and changelog, with its World Agent beside it."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.empty_state import empty_state
from dsf_app.components.layout import page_shell

ROUTE = "/worlds/[world_id]"


def world_page() -> rx.Component:
    return page_shell(
        empty_state(
            "globe-lock",
            "World not found",
            "This world does not exist or is not shared with you.",
            rx.link("Back to your worlds", href="/worlds"),
        ),
        chat_agent="World Agent",
    )
