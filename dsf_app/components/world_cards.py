"""World cards for the worlds page: cover, name, premise and the world's vital signs."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.matching import as_var, pick
from dsf_app.state.worlds import WorldCard, WorldsPageState

STATE_COLORS = {"sketch": "gray", "draft": "amber", "detailed": "grass"}


def state_badge(state: rx.Var) -> rx.Component:
    return rx.badge(
        state,
        color_scheme=pick(state, STATE_COLORS, "gray"),
        variant="soft",
    )


def cover(card: ObjectVar[WorldCard]) -> rx.Component:
    return rx.cond(
        card.cover_url != "",
        rx.image(
            src=card.cover_url,
            alt=card.cover_alt,
            width="100%",
            height="9em",
            object_fit="cover",
            border_radius="var(--radius-3)",
        ),
        rx.center(
            rx.icon("orbit", size=36, color=rx.color("cyan", 8)),
            width="100%",
            height="9em",
            border_radius="var(--radius-3)",
            background=f"linear-gradient(135deg, {rx.color('cyan', 3)}, {rx.color('violet', 3)})",
            aria_hidden="true",
        ),
    )


def world_card(card: ObjectVar[WorldCard]) -> rx.Component:
    return rx.card(
        rx.vstack(
            cover(card),
            rx.link(
                rx.heading(card.name, size="4", trim="both"),
                href="/worlds/" + card.id.to(str),
                class_name="dsf-world-link",
                underline="hover",
                color="inherit",
                max_width="100%",
                overflow_wrap="anywhere",
            ),
            rx.text(
                rx.cond(card.premise != "", card.premise, "No premise yet."),
                size="2",
                color_scheme="gray",
                class_name="dsf-world-premise",
                overflow_wrap="anywhere",
            ),
            rx.spacer(),
            rx.hstack(
                state_badge(card.state),
                rx.badge("v" + card.version.to_string(), variant="outline", title="Version"),
                rx.badge(
                    rx.icon("book-open", size=12),
                    card.stories.to_string()
                    + as_var(rx.cond(card.stories == 1, " story", " stories")).to(str),
                    variant="outline",
                    color_scheme="gray",
                ),
                rx.cond(
                    card.visibility != "private",
                    rx.badge(card.visibility, variant="soft", color_scheme="violet"),
                ),
                wrap="wrap",
                spacing="2",
            ),
            rx.hstack(
                rx.text("Changed " + card.changed.to(str), size="1", color_scheme="gray"),
                rx.spacer(),
                rx.cond(
                    WorldsPageState.tab == "mine",
                    rx.icon_button(
                        rx.icon("trash-2", size=14),
                        variant="ghost",
                        color_scheme="red",
                        size="1",
                        aria_label="Delete " + card.name.to(str),
                        title="Delete this world",
                        on_click=WorldsPageState.ask_delete(card.id, card.name),
                    ),
                ),
                width="100%",
                align="center",
            ),
            spacing="2",
            height="100%",
        ),
        class_name="dsf-world-card",
        height="100%",
        min_width="0",
    )


def card_skeletons() -> rx.Component:
    return rx.grid(
        *(rx.skeleton(rx.box(height="15em"), loading=True) for _ in range(6)),
        columns=rx.breakpoints(initial="1", sm="2", lg="3"),
        spacing="4",
        width="100%",
        aria_busy="true",
    )


def card_grid() -> rx.Component:
    return rx.grid(
        rx.foreach(WorldsPageState.cards, world_card),
        columns=rx.breakpoints(initial="1", sm="2", lg="3"),
        spacing="4",
        width="100%",
        id="world-cards",
    )
