"""The runs page: every agent turn, with its steps, tool calls and token use."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.empty_state import empty_state
from dsf_app.components.layout import page_shell

ROUTE = "/runs"


def runs_page() -> rx.Component:
    return page_shell(
        rx.heading("Agent runs", size="7", margin_bottom="0.5em"),
        empty_state(
            "activity",
            "No runs yet",
            "Every turn an agent takes — its steps, tool calls, timings and tokens — is listed here.",
        ),
    )
