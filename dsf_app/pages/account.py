"""The account page: the person's name, their password, signing out everywhere, what they used
today of their daily budgets, and deleting the account with everything it owns."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.auth.recent_proof import RECENT_MINUTES
from dsf_app.components.layout import page_shell
from dsf_app.state.account import AccountState, UsageLine

ROUTE = "/account"
ON_LOAD = [AccountState.load]
S = AccountState


def field(label: str, control_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=control_id),
        control,
        spacing="1",
        width="100%",
    )


def problem(text: rx.Var[str]) -> rx.Component:
    return rx.cond(
        text != "",
        rx.callout(text, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )


def section(title: str, *children: rx.Component, section_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
        id=section_id,
    )


def name_section() -> rx.Component:
    return section(
        "Name",
        rx.text(
            "The name your agents call you and collaborators see.", size="2", color_scheme="gray"
        ),
        rx.form(
            rx.vstack(
                field(
                    "Display name",
                    "account-display-name",
                    rx.input(
                        id="account-display-name",
                        name="name",
                        default_value=S.name,
                        key=S.name,
                        max_length=200,
                        width="100%",
                    ),
                ),
                problem(S.name_error),
                rx.button("Save name", type="submit", id="save-name"),
                spacing="2",
                align="start",
                width="100%",
            ),
            on_submit=S.save_name,
        ),
        section_id="account-name-section",
    )


def password_section() -> rx.Component:
    return section(
        "Password",
        rx.text(
            rx.cond(
                S.has_password,
                "Changing your password signs you out on every other device.",
                "You sign in with "
                + S.providers.join(" and ")
                + ". Set a password to sign in with your email too (within "
                f"{RECENT_MINUTES} minutes of signing in).",
            ),
            size="2",
            color_scheme="gray",
        ),
        rx.form(
            rx.vstack(
                rx.cond(
                    S.has_password,
                    field(
                        "Current password",
                        "current-password",
                        rx.input(
                            id="current-password",
                            name="current",
                            type="password",
                            auto_complete="current-password",
                            width="100%",
                        ),
                    ),
                ),
                field(
                    "New password (at least 8 characters)",
                    "new-password",
                    rx.input(
                        id="new-password",
                        name="new",
                        type="password",
                        auto_complete="new-password",
                        width="100%",
                    ),
                ),
                problem(S.password_error),
                rx.button(
                    rx.cond(S.has_password, "Change password", "Set password"),
                    type="submit",
                    id="save-password",
                ),
                spacing="2",
                align="start",
                width="100%",
            ),
            on_submit=S.change_password,
            reset_on_submit=True,
        ),
        section_id="account-password-section",
    )


def sessions_section() -> rx.Component:
    return section(
        "Sign out everywhere",
        rx.text(
            "Ends every session of your account — on this device and any other — and brings "
            "you back to the sign-in page.",
            size="2",
            color_scheme="gray",
        ),
        rx.el.form(
            rx.button(
                rx.icon("log-out", size=14),
                "Sign out everywhere",
                type="submit",
                variant="soft",
                color_scheme="gray",
                id="sign-out-everywhere",
            ),
            action="/auth/signout-everywhere",
            method="post",
            # None keeps the browser's own submit (rx.el.form would prevent it).
            on_submit=None,
        ),
        section_id="account-sessions-section",
    )


def _usage_row(line: ObjectVar[UsageLine]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(line.name),
        rx.table.cell(line.used.to_string() + " of " + line.limit.to_string()),
        rx.table.cell(rx.cond(line.own_limit, "set for you", "")),
    )


def usage_section() -> rx.Component:
    return section(
        "Used today",
        rx.text(
            "Every day you may send so many messages to agents, and they may take so many model "
            "steps, make so many images, run so many evaluations and imports. The counts start "
            "again at midnight UTC.",
            size="2",
            color_scheme="gray",
        ),
        rx.table.root(
            rx.table.body(rx.foreach(S.usage, _usage_row)),
            size="1",
            width="100%",
        ),
        section_id="account-usage-section",
    )


def delete_section() -> rx.Component:
    return section(
        "Delete your account",
        rx.text(
            "Deletes your account and everything it owns, for good: your worlds (with every "
            "story, image and conversation in them, also what collaborators added), the "
            "stories you started and images you made in other people's worlds, your agents, "
            "chats, runs and sessions. Other people's worlds stay as they are, without you. "
            f"To make sure it is you, it needs a sign-in from the last {RECENT_MINUTES} minutes.",
            size="2",
            color_scheme="gray",
        ),
        rx.button(
            rx.icon("trash-2", size=14),
            "Delete account…",
            color_scheme="red",
            variant="soft",
            on_click=S.set_delete_open(True),
            id="delete-account",
        ),
        delete_dialog(),
        section_id="account-delete-section",
    )


def delete_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Delete your account?"),
            rx.dialog.description(
                "This cannot be undone. To confirm, type your account's email, " + S.email + ".",
                size="2",
                margin_bottom="1em",
            ),
            rx.form(
                rx.vstack(
                    field(
                        "Your email",
                        "confirm-email",
                        rx.input(
                            id="confirm-email",
                            name="email",
                            auto_complete="off",
                            width="100%",
                        ),
                    ),
                    problem(S.delete_error),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(
                                "Keep my account",
                                type="button",
                                variant="soft",
                                color_scheme="gray",
                            )
                        ),
                        rx.button(
                            "Delete everything",
                            type="submit",
                            color_scheme="red",
                            loading=S.deleting,
                            id="confirm-delete-account",
                        ),
                        justify="end",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=S.delete_account,
            ),
            max_width="min(32em, 94vw)",
        ),
        open=S.delete_open,
        on_open_change=S.set_delete_open,
    )


def account_page() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.heading("Your account", size="7", as_="h1"),
            rx.text(S.email, color_scheme="gray", id="account-email"),
            rx.cond(
                S.loading,
                rx.center(rx.spinner(size="3"), padding_y="3em", width="100%"),
                rx.vstack(
                    name_section(),
                    password_section(),
                    sessions_section(),
                    usage_section(),
                    delete_section(),
                    spacing="4",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
            max_width="40em",
        )
    )
