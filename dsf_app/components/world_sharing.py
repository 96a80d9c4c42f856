"""Who can see a world: its visibility and its collaborators, changed by the owner only."""

from __future__ import annotations

import reflex as rx

from dsf_app.state.world import InvitationView, PersonView, WorldPageState
from dsf_app.state.world_sharing import WorldSharingState

S = WorldPageState
Sharing = WorldSharingState
VISIBILITY_HELP = {
    "private": "Only you and the collaborators below.",
    "shared": "You and the collaborators below (the same as private, marked as shared).",
    "public": "Anyone signed in can read it (only you and editors can change it).",
}


def person_row(person: PersonView) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(person.name, weight="medium"),
            rx.text(person.email, size="1", color_scheme="gray", overflow_wrap="anywhere"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.badge(person.role, variant="soft"),
        rx.cond(
            S.is_owner,
            rx.button(
                "Remove",
                size="1",
                variant="ghost",
                color_scheme="red",
                aria_label="Remove " + person.email,
                on_click=Sharing.remove_collaborator(person.user_id),
            ),
        ),
        align="center",
        width="100%",
        class_name="dsf-collaborator",
    )


def invitation_row(invitation: InvitationView) -> rx.Component:
    """An invitation not yet taken up: shown to the owner only, who can withdraw it."""
    return rx.hstack(
        rx.text(invitation.email, flex="1", min_width="0", overflow_wrap="anywhere"),
        rx.badge(invitation.role, variant="soft"),
        rx.badge("invited", variant="outline", color_scheme="amber"),
        rx.button(
            "Revoke",
            size="1",
            variant="ghost",
            color_scheme="red",
            aria_label="Revoke the invitation for " + invitation.email,
            on_click=Sharing.revoke_invitation(invitation.id),
        ),
        align="center",
        width="100%",
        class_name="dsf-invitation",
    )


def visibility_control() -> rx.Component:
    return rx.vstack(
        rx.heading("Visibility", size="5", as_="h2"),
        rx.cond(
            S.is_owner,
            rx.radio_group.root(
                rx.vstack(
                    *(
                        rx.el.label(
                            rx.hstack(
                                rx.radio_group.item(value=value),
                                rx.vstack(
                                    rx.text(value.capitalize(), weight="medium"),
                                    rx.text(help_text, size="1", color_scheme="gray"),
                                    spacing="0",
                                ),
                                spacing="2",
                                align="start",
                            ),
                        )
                        for value, help_text in VISIBILITY_HELP.items()
                    ),
                    spacing="2",
                ),
                value=S.visibility,
                on_change=Sharing.set_visibility,
                aria_label="Visibility",
                id="visibility",
            ),
            rx.text("This world is " + S.visibility + ".", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
    )


def add_collaborator_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.vstack(
                rx.el.label(rx.text("Email", size="2"), html_for="collaborator-email"),
                rx.input(
                    id="collaborator-email",
                    name="email",
                    type="email",
                    required=True,
                    placeholder="name@example.com",
                    width="100%",
                ),
                spacing="1",
                flex="1",
                min_width="12em",
            ),
            rx.vstack(
                rx.el.label(rx.text("Role", size="2"), html_for="collaborator-role"),
                rx.select(
                    ["viewer", "editor"],
                    name="role",
                    default_value="viewer",
                    id="collaborator-role",
                ),
                spacing="1",
            ),
            rx.button("Add", type="submit"),
            spacing="3",
            align="end",
            wrap="wrap",
            width="100%",
        ),
        on_submit=Sharing.add_collaborator,
        reset_on_submit=True,
        width="100%",
    )


def sharing_view() -> rx.Component:
    return rx.vstack(
        visibility_control(),
        rx.heading("Collaborators", size="5", as_="h2", margin_top="0.5em"),
        rx.text(
            "Editors can change the world and write stories; viewers can read it. Someone you "
            "add is invited by email and joins the next time they open Deep Sci-Fi.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            (S.collaborators.length() > 0) | (S.invitations.length() > 0),
            rx.vstack(
                rx.foreach(S.collaborators, person_row),
                rx.foreach(S.invitations, invitation_row),
                spacing="3",
                width="100%",
            ),
            rx.text("Nobody else yet.", size="2", color_scheme="gray", font_style="italic"),
        ),
        rx.cond(S.is_owner, add_collaborator_form()),
        spacing="3",
        width="100%",
        max_width="40em",
    )
