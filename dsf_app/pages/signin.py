"""The sign-in page, the only page open to a signed-out visitor."""

from __future__ import annotations

import reflex as rx

ROUTE = "/signin"


def signin_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("orbit", size=26), rx.heading("Deep Sci-Fi", size="6"), align="center"
                ),
                rx.text(
                    "Grow science-fiction worlds and write stories in them with AI agents.",
                    color_scheme="gray",
                ),
                rx.form(
                    rx.vstack(
                        rx.input(
                            placeholder="Email",
                            type="email",
                            name="email",
                            required=True,
                            width="100%",
                        ),
                        rx.input(
                            placeholder="Password",
                            type="password",
                            name="password",
                            required=True,
                            width="100%",
                        ),
                        rx.button("Sign in", type="submit", width="100%"),
                        width="100%",
                    ),
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            width="min(26em, 92vw)",
            size="3",
        ),
        min_height="100vh",
    )
