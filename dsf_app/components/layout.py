"""The frame every page shares: top bar, main column and (optionally) the chat panel."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.canvas.surfaces import canvas_area
from dsf_app.components.chat_panel import chat_panel
from dsf_app.components.toasts import toast_relay
from dsf_app.state.auth import AuthState
from dsf_app.state.verification import VerificationState

NAV_LINKS = (
    ("Worlds", "/worlds", "globe"),
    ("Search", "/search", "search"),
    ("My images", "/images", "images"),
    ("Runs", "/runs", "activity"),
    ("Analytics", "/analytics", "chart-line"),
)
# Labels that give way to icons alone on a phone, so the top bar fits in one row.
WIDE_ONLY = ["none", "inline", "inline"]


def account() -> rx.Component:
    """The signed-in person (avatar and name, a link to their account page) and a Sign out
    button, a form posting to /auth/signout so the session is revoked on the server, not just
    forgotten by the browser."""
    return rx.hstack(
        rx.link(
            rx.hstack(
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
                align="center",
                spacing="2",
            ),
            href="/account",
            underline="none",
            color="inherit",
            title="Your account",
            id="account-link",
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
    # rx.el, not as_=: Radix's Flex draws a div whatever `as_` says.
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.icon("orbit", size=22),
                    rx.text("Deep Sci-Fi", size="4", weight="bold", display=WIDE_ONLY),
                    align="center",
                ),
                href="/worlds",
                underline="none",
                color="inherit",
                aria_label="Deep Sci-Fi",
            ),
            rx.spacer(),
            rx.el.nav(
                rx.hstack(
                    *(
                        rx.link(
                            rx.hstack(
                                rx.icon(icon, size=16),
                                rx.text(label, display=WIDE_ONLY),
                                align="center",
                                spacing="1",
                            ),
                            href=href,
                            aria_label=label,  # a phone shows the icons alone
                            title=label,
                        )
                        for label, href, icon in NAV_LINKS
                    ),
                    align="center",
                    spacing=rx.breakpoints(initial="3", sm="5"),
                ),
                aria_label="Pages",
            ),
            account(),
            padding_x=["0.75em", "1.25em"],
            padding_y="0.75em",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
            align="center",
            spacing=rx.breakpoints(initial="3", sm="5"),
            width="100%",
        ),
        width="100%",
    )


def waiting_for_session() -> rx.Component:
    return rx.center(rx.spinner(size="3"), min_height="100vh", width="100%")


def verify_banner() -> rx.Component:
    """Until the person proves their address: what waits for it, and a new link on request."""
    return rx.cond(
        AuthState.email_verified,
        rx.fragment(),
        rx.callout(
            rx.hstack(
                rx.text(
                    "Verify your email address ",
                    rx.text.strong(AuthState.user_email),
                    " with the link we sent you. Until then you can work on your own worlds, "
                    "but cannot publish one or join other people's worlds.",
                ),
                rx.button(
                    "Send the link again",
                    size="1",
                    variant="soft",
                    loading=VerificationState.sending,
                    on_click=VerificationState.resend,
                    id="resend-verification",
                ),
                align="center",
                wrap="wrap",
                width="100%",
            ),
            icon="mail-warning",
            color_scheme="amber",
            role="status",
            width="100%",
            border_radius="0",
            id="verify-banner",
        ),
    )


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
                verify_banner(),
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
