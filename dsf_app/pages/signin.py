"""The sign-in page, the only page open to a signed-out visitor. Its forms are plain HTML forms
that the browser posts to /auth/* (dsf_app/auth/routes.py), which answer with a redirect."""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx

from dsf_app.auth.oauth import configured_providers
from dsf_app.auth.passwords import MAX_LENGTH, MIN_LENGTH
from dsf_app.auth.problems import PROVIDER_NAMES
from dsf_app.state.auth import AuthState

ROUTE = "/signin"


def field(label: str, control: rx.Component, control_id: str, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=control_id),
        control,
        *((rx.text(hint, size="1", color_scheme="gray"),) if hint else ()),
        spacing="1",
        width="100%",
    )


def text_input(
    control_id: str,
    name: str,
    kind: Literal["email", "password", "text"],
    autocomplete: str,
    **props: Any,
) -> rx.Component:
    return rx.input(
        id=control_id,
        name=name,
        type=kind,
        auto_complete=autocomplete,
        required=True,
        size="3",
        width="100%",
        **props,
    )


def native_form(action: str, *children: rx.Component, **props: Any) -> rx.Component:
    """A form the browser submits itself (rx.el.form would otherwise prevent the submit)."""
    return rx.el.form(
        rx.el.input(type="hidden", name="next", value=AuthState.next_path),
        *children,
        action=action,
        method="post",
        on_submit=None,
        **props,
    )


def signin_form() -> rx.Component:
    return native_form(
        "/auth/signin",
        rx.vstack(
            field(
                "Email",
                text_input("signin-email", "email", "email", "email", max_length=320),
                "signin-email",
            ),
            field(
                "Password",
                text_input("signin-password", "password", "password", "current-password"),
                "signin-password",
            ),
            rx.button("Sign in", type="submit", size="3", width="100%", id="signin-submit"),
            spacing="3",
            width="100%",
        ),
        id="signin-form",
    )


def signup_form() -> rx.Component:
    return native_form(
        "/auth/signup",
        rx.vstack(
            field(
                "Name",
                text_input("signup-name", "name", "text", "name", max_length=200),
                "signup-name",
            ),
            field(
                "Email",
                text_input("signup-email", "email", "email", "email", max_length=320),
                "signup-email",
            ),
            field(
                "Password",
                text_input(
                    "signup-password",
                    "password",
                    "password",
                    "new-password",
                    min_length=MIN_LENGTH,
                    max_length=MAX_LENGTH,
                ),
                "signup-password",
                f"At least {MIN_LENGTH} characters.",
            ),
            rx.button("Create account", type="submit", size="3", width="100%", id="signup-submit"),
            spacing="3",
            width="100%",
        ),
        id="signup-form",
    )


def oauth_buttons() -> rx.Component:
    providers = configured_providers()
    if not providers:
        return rx.fragment()
    return rx.vstack(
        rx.hstack(
            rx.separator(size="4"),
            rx.text("or", size="2", color_scheme="gray"),
            rx.separator(size="4"),
            align="center",
            width="100%",
        ),
        *(
            rx.button(
                rx.el.a(
                    rx.icon("log-in", size=18),
                    f"Continue with {PROVIDER_NAMES.get(provider, provider)}",
                    href=f"/auth/oauth/{provider}/login?{AuthState.next_query}",
                    # The OAuth login is a server route, not a page: the browser must load it.
                    reload_document=True,
                    id=f"oauth-{provider}",
                ),
                as_child=True,
                variant="outline",
                size="3",
                width="100%",
            )
            for provider in providers
        ),
        spacing="3",
        width="100%",
    )


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
                rx.cond(
                    AuthState.problem != "",
                    rx.callout(
                        AuthState.problem,
                        icon="triangle-alert",
                        color_scheme="red",
                        role="alert",
                        id="signin-problem",
                        width="100%",
                    ),
                ),
                rx.tabs.root(
                    rx.tabs.list(
                        rx.tabs.trigger("Sign in", value="signin"),
                        rx.tabs.trigger("Create account", value="signup"),
                        width="100%",
                    ),
                    rx.tabs.content(signin_form(), value="signin", padding_top="1em"),
                    rx.tabs.content(signup_form(), value="signup", padding_top="1em"),
                    value=AuthState.signin_tab,
                    on_change=AuthState.choose_tab,
                    width="100%",
                ),
                oauth_buttons(),
                spacing="4",
                width="100%",
            ),
            width="min(26em, 92vw)",
            size="3",
        ),
        min_height="100vh",
        padding_y="1em",
    )
