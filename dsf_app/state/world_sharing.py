"""The world page's sharing panel, for the world's owner: its visibility (private, shared,
public), its collaborators and their roles, and the invitations sent to emails without an
account yet.

A substate of `WorldPageState`: the people come with the page (`collaborators`,
`invitations`); this panel's events change them and load the page again."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dsf_app.services import invitations, validation, worlds
from dsf_app.state.feedback import done, shows_problems
from dsf_app.state.world import WorldPageState


class WorldSharingState(WorldPageState):
    @rx.event
    @shows_problems
    async def set_visibility(self, value: str) -> rx.event.EventSpec:
        await self.act(worlds.set_visibility, self._shown_world(), value)
        self.visibility = value
        return done(f"“{self.name}” is now {value}.")

    @rx.event
    @shows_problems
    async def add_collaborator(self, form: dict[str, Any]):
        email = str(form.get("email", "")).strip()
        role = str(form.get("role", "viewer"))
        shared = await self.act(worlds.add_collaborator, self._shown_world(), email, role)
        yield done(sharing_news(shared, self.name))
        await self._fetch(initial=False)

    @rx.event
    @shows_problems
    async def revoke_invitation(self, invitation_id: str):
        invitation = validation.identifier(invitation_id, what="invitation")
        email = await self.act(invitations.revoke, self._shown_world(), invitation)
        yield done(f"The invitation for {email} is withdrawn.")
        await self._fetch(initial=False)

    @rx.event
    @shows_problems
    async def remove_collaborator(self, user_id: str) -> None:
        person = validation.identifier(user_id, what="collaborator")
        await self.act(worlds.remove_collaborator, self._shown_world(), person)
        await self._fetch(initial=False)


def sharing_news(shared: worlds.Sharing, world_name: str) -> str:
    """The toast for an added collaborator: the same words for an email with an account and
    one without, so the form tells nobody who uses DSF."""
    role = f"a{'n' if shared.role == 'editor' else ''} {shared.role}"
    if not shared.invited:
        return f"{shared.email} is now {role}."
    return (
        f"Invited {shared.email} as {role} of “{world_name}”: the world is theirs to open the "
        "next time they use Deep Sci-Fi with that email (or once they sign up with it)."
    )
