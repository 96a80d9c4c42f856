"""The frame every page shares: top bar, main column and (optionally) the chat panel."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.canvas.surfaces import canvas_area
from dsf_app.components.chat_panel import chat_panel
from dsf_app.components.toasts import toast_relay
from dsf_app.state.auth import AuthState

NAV_LINKS = (("Worlds", "/worlds", "globe"), ("Runs", "/runs", "activity"))
# Labels that give way to icons alone on a phone, so the top bar fits in one row.
WIDE_ONLY = ["none", "inline", "inline"]


def account() -> rx.Component:
    """The signed-in person (avatar and name) and a Sign out button, a form posting to
    /auth/signout so the session is revoked on the server, not just forgotten by the browser."""
    return rx.hstack(
        rx.avatar(
            src=AuthState.user_image,
            fallback=AuthState.user_initials,
            size="2",
            radius="full",
            alt=AuthState.user_name,
        ),
        rx.text(
            AuthState.user_name,
            size="2",
            display=["none", "none", "inline"],
            id="account-name",
            max_width="12em",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
        ),
        rx.el.form(
            rx.button(
                rx.icon("log-out", size=14),
                "Sign out",
                type="submit",
                variant="soft",
                color_scheme="gray",
                size="1",
                id="sign-out",
            ),
            action="/auth/signout",
            method="post",
            # None keeps the browser's own submit (rx.el.form would prevent it).
            on_submit=None,
        ),
        align="center",
        spacing="2",
        title=AuthState.user_email,
        id="account",
    )


def top_bar() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.hstack(
                rx.icon("orbit", size=22),
                rx.heading("Deep Sci-Fi", size="4", display=WIDE_ONLY),
                align="center",
            ),
            href="/worlds",
            underline="none",
            color="inherit",
            aria_label="Deep Sci-Fi",
        ),
        rx.spacer(),
        *(
            rx.link(
                rx.hstack(rx.icon(icon, size=16), rx.text(label), align="center", spacing="1"),
                href=href,
            )
            for label, href, icon in NAV_LINKS
        ),
        account(),
        padding_x=["0.75em", "1.25em"],
        padding_y="0.75em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        align="center",
        spacing=rx.breakpoints(initial="3", sm="5"),
        width="100%",
        as_="nav",
    )


def waiting_for_session() -> rx.Component:
    return rx.center(rx.spinner(size="3"), min_height="100vh", width="100%")


def page_shell(*content: rx.Component, chat_agent: str | None = None) -> rx.Component:
    # Pages with an agent show its canvas at the top of the main column.
    canvas = (canvas_area(),) if chat_agent else ()
    # rx.el, not rx.box(as_=...): Radix's Box takes `as` only as div or span (it became CSS).
    main = rx.el.main(*canvas, *content, padding="1.5em", width="100%", max_width="72em")
    side = (
        rx.el.aside(
            chat_panel(chat_agent),
            width=["100%", "100%", "24em"],
            min_width=["auto", "auto", "20em"],
            border_left=["none", "none", f"1px solid {rx.color('gray', 5)}"],
            border_top=[
                f"1px solid {rx.color('gray', 5)}",
                f"1px solid {rx.color('gray', 5)}",
                "none",
            ],
        )
        if chat_agent
        else rx.fragment()
    )
    return rx.fragment(
        toast_relay(),
        # Nothing of a page shows until AuthState.require_session (its on_load) finds a session.
        rx.cond(
            AuthState.signed_in,
            rx.vstack(
                top_bar(),
                rx.flex(
                    main,
                    side,
                    direction=rx.breakpoints(initial="column", md="row"),
                    width="100%",
                    flex="1",
                ),
                spacing="0",
                min_height="100vh",
                width="100%",
            ),
            waiting_for_session(),
        ),
    )
