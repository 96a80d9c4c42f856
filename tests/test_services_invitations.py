"""Inviting collaborators by email: the owner is answered the same whether or not the email has
an account, the invitation turns into a role when that email's account arrives, the owner can
see and revoke it, and additions are limited per person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from dsf_app.errors import Forbidden, NotFound
from dsf_app.models import CollaboratorRole, RateLimitAttempt
from dsf_app.models.columns import utcnow
from dsf_app.services import invitations, users, worlds
from dsf_app.services.actor import Actor
from tests.factories import make_actor, make_world, share, unique


def email() -> str:
    return f"{unique('invitee')}@example.test"


def test_a_known_and_an_unknown_email_get_the_same_answer(session: Session) -> None:
    owner, known = make_actor(session, "Owner"), make_actor(session, "Known")
    world = make_world(session, owner)
    known_email = users.get_user(session, known.user_id).email
    unknown_email = email()

    answers = [
        worlds.add_collaborator(session, owner, world.id, address, "editor")
        for address in (known_email, unknown_email)
    ]

    assert [(a.role, a.invited) for a in answers] == [(CollaboratorRole.EDITOR, True)] * 2
    listed = invitations.list_invitations(session, owner, world.id)
    assert [(i.email, i.role) for i in listed] == [
        (known_email, CollaboratorRole.EDITOR),
        (unknown_email, CollaboratorRole.EDITOR),
    ]
    # Neither is a collaborator until their account opens DSF.
    assert worlds.list_collaborators(session, owner, world.id) == []
    with pytest.raises(NotFound):
        worlds.get_world(session, known, world.id)


def test_an_invitation_becomes_a_role_when_its_email_arrives(session: Session) -> None:
    owner = make_actor(session, "Owner")
    world, other = make_world(session, owner, "Tidewater"), make_world(session, owner, "Reef")
    address = email()
    worlds.add_collaborator(session, owner, world.id, address.upper(), "viewer")
    worlds.add_collaborator(session, owner, world.id, address, "editor")  # changes the offer
    worlds.add_collaborator(session, owner, other.id, address, "viewer")

    newcomer = users.create_user(session, address, "Newcomer")
    newcomer.email_verified = True  # as after following the verification link
    assert invitations.accept(session, newcomer) == 2
    person = Actor.of(newcomer)
    roles = {c.user_id: c.role for c in worlds.list_collaborators(session, owner, world.id)}
    assert roles == {newcomer.id: CollaboratorRole.EDITOR}
    assert worlds.get_world(session, person, other.id).id == other.id
    assert invitations.list_invitations(session, owner, world.id) == []
    assert invitations.accept(session, newcomer) == 0


def test_the_owner_revokes_an_invitation_and_only_the_owner_sees_them(session: Session) -> None:
    owner, editor = make_actor(session, "Owner"), make_actor(session, "Editor")
    world = make_world(session, owner)
    share(session, owner, world, editor, CollaboratorRole.EDITOR)
    address = email()
    worlds.add_collaborator(session, owner, world.id, address)
    (invitation,) = invitations.list_invitations(session, owner, world.id)

    with pytest.raises(Forbidden):
        invitations.list_invitations(session, editor, world.id)
    with pytest.raises(Forbidden):
        invitations.revoke(session, editor, world.id, invitation.id)
    elsewhere = make_world(session, owner, "Elsewhere")
    with pytest.raises(NotFound, match="No open invitation"):
        invitations.revoke(session, owner, elsewhere.id, invitation.id)

    assert invitations.revoke(session, owner, world.id, invitation.id) == address
    assert invitations.list_invitations(session, owner, world.id) == []
    late = users.create_user(session, address, "Late")
    late.email_verified = True
    assert invitations.accept(session, late) == 0


def test_each_person_adds_at_most_thirty_collaborators_an_hour(session: Session) -> None:
    owner = make_actor(session, "Owner")
    world = make_world(session, owner)
    key = f"invite:{owner.user_id}"
    session.add_all(
        RateLimitAttempt(key=key, succeeded=False, at=utcnow() - timedelta(minutes=minutes))
        for minutes in [70] * 10 + [40] * 5 + [1] * (invitations.INVITES_PER_HOUR - 6)
    )
    session.flush()
    worlds.add_collaborator(session, owner, world.id, email())  # the thirtieth

    with pytest.raises(Forbidden, match="added 30 collaborators in the last hour") as refused:
        worlds.add_collaborator(session, owner, world.id, email())
    assert "add more in 20 minutes" in str(refused.value)
    # Somebody else's additions are counted apart.
    other = make_actor(session, "Other")
    worlds.add_collaborator(session, other, make_world(session, other).id, email())
