"""Suggestion cards above the chat composer: what an agent proposes next, to accept (its action
goes to the agent) or dismiss. Nothing shows when there are none."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.loaded_marker import loaded_marker
from dsf_app.components.matching import pick
from dsf_app.state.suggestions import SuggestionsState, SuggestionView

PRIORITY_COLORS = {"high": "violet", "medium": "cyan", "low": "gray"}


def _card(item: ObjectVar[SuggestionView]) -> rx.Component:
    color = pick(item.priority, PRIORITY_COLORS, "cyan")
    return rx.box(
        rx.hstack(
            rx.icon("lightbulb", size=15, color=rx.color("cyan", 11), flex_shrink="0"),
            rx.text(item.title, weight="bold", size="2", flex="1", min_width="0"),
            rx.icon_button(
                rx.icon("x", size=14),
                variant="ghost",
                color_scheme="gray",
                size="1",
                aria_label=f"Dismiss {item.title}",
                on_click=SuggestionsState.dismiss(item.id),
                class_name="suggestion-dismiss",
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        rx.text(item.description, size="1", color_scheme="gray", white_space="pre-wrap"),
        rx.button(
            item.action_label,
            size="1",
            variant="soft",
            color_scheme=color,
            on_click=SuggestionsState.accept(item.id),
            class_name="suggestion-accept",
            margin_top="0.4em",
        ),
        class_name="suggestion",
        custom_attrs={"data-priority": item.priority},
        border=f"1px solid {rx.color('cyan', 5)}",
        border_left=f"3px solid {rx.color('violet', 8)}",
        border_radius="10px",
        padding="0.5em 0.7em",
        background=rx.color("cyan", 2),
        width="100%",
    )


def suggestions_panel() -> rx.Component:
    return rx.vstack(
        rx.foreach(SuggestionsState.items, _card),
        spacing="2",
        width="100%",
        id="suggestions",
        custom_attrs=loaded_marker(SuggestionsState.loaded_for),
        on_mount=SuggestionsState.load,
    )
