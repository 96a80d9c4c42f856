"""The story reader: a story's segments in order, with the World Agent beside it."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.empty_state import empty_state
from dsf_app.components.layout import page_shell

ROUTE = "/worlds/[world_id]/stories/[story_id]"


def story_page() -> rx.Component:
    return page_shell(
        empty_state(
            "book-x",
            "Story not found",
            "This story does not exist or is not shared with you.",
            rx.link("Back to your worlds", href="/worlds"),
        ),
        chat_agent="World Agent",
    )
