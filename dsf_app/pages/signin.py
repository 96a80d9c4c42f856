"""The sign-in page, the only page open to a signed-out visitor. Its forms are plain HTML forms
that the browser posts to /auth/* (dsf_app/auth/routes.py), which answer with a redirect."""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx

from dsf_app.auth.oauth import configured_providers
from dsf_app.auth.passwords import MAX_LENGTH, MIN_LENGTH
from dsf_app.auth.problems import PROVIDER_NAMES
from dsf_app.components.forms import form_error
from dsf_app.state.auth import AuthState
from dsf_app.state.signin import SignInPageState

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
            rx.link("Forgot password?", href="/signin?mode=forgot", size="2", id="forgot-link"),
            spacing="3",
            width="100%",
        ),
        id="signin-form",
    )


def email_only_form(action: str, form_id: str, intro: str, button: str) -> rx.Component:
    """A form that asks for an address and mails it a link (the same answer for any address)."""
    return native_form(
        action,
        rx.vstack(
            rx.text(intro, size="2", color_scheme="gray"),
            field(
                "Email",
                text_input(f"{form_id}-email", "email", "email", "email", max_length=320),
                f"{form_id}-email",
            ),
            rx.button(button, type="submit", size="3", width="100%"),
            spacing="3",
            width="100%",
        ),
        id=form_id,
    )


def sign_in_link_request() -> rx.Component:
    """Offered when password sign-in is held back: a link by email, which no password limit
    stops, so a stranger's wrong guesses never lock the owner out."""
    return email_only_form(
        "/auth/signin-link",
        "signin-link-form",
        "Or sign in without your password: we email you a link that works once, for 15 minutes.",
        "Email me a sign-in link",
    )


def forgot_form() -> rx.Component:
    return rx.vstack(
        rx.heading("Forgot your password?", size="4", as_="h2"),
        email_only_form(
            "/auth/forgot",
            "forgot-form",
            "Enter your account's email; we send it a link to choose a new password.",
            "Email me a reset link",
        ),
        rx.link("Back to sign in", href="/signin", size="2"),
        spacing="3",
        width="100%",
    )


def token_form(action: str, form_id: str, *children: rx.Component) -> rx.Component:
    return native_form(
        action,
        rx.el.input(type="hidden", name="token", value=SignInPageState.link_token),
        rx.vstack(*children, spacing="3", width="100%"),
        id=form_id,
    )


def reset_form() -> rx.Component:
    return rx.vstack(
        rx.heading("Choose a new password", size="4", as_="h2"),
        token_form(
            "/auth/reset",
            "reset-form",
            field(
                "New password",
                text_input(
                    "reset-password",
                    "password",
                    "password",
                    "new-password",
                    min_length=MIN_LENGTH,
                    max_length=MAX_LENGTH,
                ),
                "reset-password",
                f"At least {MIN_LENGTH} characters. You will be signed out everywhere else.",
            ),
            rx.button("Save password and sign in", type="submit", size="3", width="100%"),
        ),
        spacing="3",
        width="100%",
    )


def link_form() -> rx.Component:
    """The page a sign-in link opens: one button, so that a mail scanner fetching the link
    signs nobody in."""
    return rx.vstack(
        rx.heading("Sign in with your link", size="4", as_="h2"),
        token_form(
            "/auth/link",
            "link-form",
            rx.button("Sign in", type="submit", size="3", width="100%", id="link-submit"),
        ),
        spacing="3",
        width="100%",
    )


def notice() -> rx.Component:
    return rx.cond(
        SignInPageState.notice != "",
        rx.callout(
            SignInPageState.notice, icon="mail", role="status", width="100%", id="signin-notice"
        ),
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
    # The page's one landmark: everything a screen reader lists is inside <main>.
    return rx.el.main(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.hstack(
                        rx.icon("orbit", size=26),
                        rx.heading("Deep Sci-Fi", size="6"),
                        align="center",
                    ),
                    rx.text(
                        "Grow science-fiction worlds and write stories in them with AI agents.",
                        color_scheme="gray",
                    ),
                    form_error(AuthState.problem, id="signin-problem"),
                    notice(),
                    rx.match(
                        AuthState.signin_tab,
                        ("forgot", forgot_form()),
                        ("reset", reset_form()),
                        ("link", link_form()),
                        rx.tabs.root(
                            rx.tabs.list(
                                rx.tabs.trigger("Sign in", value="signin"),
                                rx.tabs.trigger("Create account", value="signup"),
                                width="100%",
                            ),
                            rx.tabs.content(
                                signin_form(),
                                rx.cond(SignInPageState.offers_link, sign_in_link_request()),
                                value="signin",
                                padding_top="1em",
                            ),
                            rx.tabs.content(signup_form(), value="signup", padding_top="1em"),
                            value=AuthState.signin_tab,
                            on_change=AuthState.choose_tab,
                            width="100%",
                        ),
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
    )
