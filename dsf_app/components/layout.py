"""The frame every page shares: top bar, main column and (optionally) the chat panel."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.chat_panel import chat_panel

NAV_LINKS = (("Worlds", "/worlds", "globe"), ("Runs", "/runs", "activity"))


def top_bar() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.hstack(
                rx.icon("orbit", size=22), rx.heading("Deep Sci-Fi", size="4"), align="center"
            ),
            href="/worlds",
            underline="none",
            color="inherit",
        ),
        rx.spacer(),
        *(
            rx.link(rx.hstack(rx.icon(icon, size=16), rx.text(label), align="center"), href=href)
            for label, href, icon in NAV_LINKS
        ),
        padding_x="1.25em",
        padding_y="0.75em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        align="center",
        spacing="5",
        width="100%",
        as_="nav",
    )


def page_shell(*content: rx.Component, chat_agent: str | None = None) -> rx.Component:
    main = rx.box(*content, padding="1.5em", width="100%", max_width="72em", as_="main")
    side = (
        rx.box(
            chat_panel(chat_agent),
            width=["100%", "100%", "24em"],
            min_width=["auto", "auto", "20em"],
            border_left=["none", "none", f"1px solid {rx.color('gray', 5)}"],
            border_top=[
                f"1px solid {rx.color('gray', 5)}",
                f"1px solid {rx.color('gray', 5)}",
                "none",
            ],
            as_="aside",
        )
        if chat_agent
        else rx.fragment()
    )
    return rx.vstack(
        top_bar(),
        rx.flex(
            main, side, direction=rx.breakpoints(initial="column", md="row"), width="100%", flex="1"
        ),
        spacing="0",
        min_height="100vh",
        width="100%",
    )
