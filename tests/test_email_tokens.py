"""The links sent by email, at the service level on a real PostgreSQL: tokens are stored only as
hashes and work once, for their purpose, person and address, until they expire; what each link
proves (the address, and so the invitations waiting for it); the limits on asking for them,
which answer the same for known and unknown addresses; and recent proof for sensitive changes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from dsf_app.auth import email_links, password_change, recent_proof, sessions
from dsf_app.auth.problems import Problem, SignInRefused
from dsf_app.errors import Forbidden, Invalid
from dsf_app.models import EmailToken, TokenPurpose, User, UserSession, Visibility
from dsf_app.models.columns import utcnow
from dsf_app.services import invitations, users, worlds
from dsf_app.services.actor import Actor
from tests.factories import make_actor, make_world, unique


def newcomer(session: Session, *, password_hash: str | None = "held-by-whoever-signed-up") -> User:
    """An account as sign-up leaves it: its address not verified."""
    return users.create_user(
        session, f"{unique('newcomer')}@example.test", "Newcomer", password_hash
    )


def live_sessions(session: Session, user: User) -> int:
    rows = session.exec(select(UserSession).where(UserSession.user_id == user.id)).all()
    return sum(1 for row in rows if row.revoked_at is None)


def test_a_token_is_stored_only_as_its_hash(session: Session) -> None:
    user = newcomer(session)
    token = email_links.issue(session, user, TokenPurpose.VERIFY)

    row = session.exec(select(EmailToken).where(EmailToken.user_id == user.id)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_hash, row.email, str(row.id)}
    assert row.email == user.email


def test_a_link_works_once_and_only_for_its_purpose(session: Session) -> None:
    user = newcomer(session)
    token = email_links.issue(session, user, TokenPurpose.RESET)

    assert email_links.redeem(session, token, TokenPurpose.SIGN_IN) is None
    assert email_links.redeem(session, token, TokenPurpose.RESET) == user
    assert email_links.redeem(session, token, TokenPurpose.RESET) is None
    assert email_links.redeem(session, "a-guess", TokenPurpose.RESET) is None


def test_an_expired_link_does_not_work(session: Session) -> None:
    user = newcomer(session)
    token = email_links.issue(session, user, TokenPurpose.SIGN_IN)
    row = session.exec(select(EmailToken).where(EmailToken.user_id == user.id)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.flush()

    assert email_links.redeem(session, token, TokenPurpose.SIGN_IN) is None


def test_a_link_sent_to_an_old_address_does_not_work(session: Session) -> None:
    user = newcomer(session)
    token = email_links.issue(session, user, TokenPurpose.RESET)
    user.email = f"{unique('moved')}@example.test"
    session.add(user)
    session.flush()

    assert email_links.redeem(session, token, TokenPurpose.RESET) is None


def test_an_unverified_account_takes_up_no_invitation(session: Session) -> None:
    owner = make_actor(session, "Owner")
    world = make_world(session, owner)
    squatter = newcomer(session)
    worlds.add_collaborator(session, owner, world.id, squatter.email, "editor")

    assert invitations.accept(session, squatter) == 0
    assert worlds.list_collaborators(session, owner, world.id) == []
    assert [i.email for i in invitations.list_invitations(session, owner, world.id)] == [
        squatter.email
    ]


def test_verifying_takes_up_the_waiting_invitations_at_once(session: Session) -> None:
    owner = make_actor(session, "Owner")
    world = make_world(session, owner)
    person = newcomer(session)
    worlds.add_collaborator(session, owner, world.id, person.email, "editor")
    token = email_links.start_verification(session, person).link.rsplit("token=", 1)[1]

    assert email_links.verify(session, Actor.of(person), token) is True

    assert person.email_verified
    assert [c.user_id for c in worlds.list_collaborators(session, owner, world.id)] == [person.id]
    assert invitations.list_invitations(session, owner, world.id) == []


def test_only_the_account_itself_can_use_its_verification_link(session: Session) -> None:
    person, stranger = newcomer(session), make_actor(session, "Stranger")
    token = email_links.issue(session, person, TokenPurpose.VERIFY)

    assert email_links.verify(session, stranger, token) is False
    assert not person.email_verified
    assert email_links.verify(session, Actor.of(person), token) is True


def test_resending_is_limited_and_pointless_once_verified(session: Session) -> None:
    person = newcomer(session)
    for _ in range(email_links.VERIFY_MAILS_PER_HOUR):
        assert email_links.resend_verification(session, Actor.of(person)).to == person.email
    with pytest.raises(Forbidden, match="verification emails were sent in the last hour"):
        email_links.resend_verification(session, Actor.of(person))

    verified = make_actor(session, "Verified")
    with pytest.raises(Invalid, match="already verified"):
        email_links.resend_verification(session, verified)


def test_a_reset_sets_the_password_ends_every_session_and_proves_the_address(
    session: Session,
) -> None:
    owner = make_actor(session, "Owner")
    world = make_world(session, owner)
    person = newcomer(session)
    worlds.add_collaborator(session, owner, world.id, person.email, "viewer")
    sessions.create_session(session, person)
    sessions.create_session(session, person)
    mail = email_links.request_link(session, person.email, TokenPurpose.RESET, "198.51.100.7")
    assert mail is not None
    token = mail.link.rsplit("token=", 1)[1]

    email_links.reset_password(session, token, "new-hash")

    assert person.password_hash == "new-hash"
    assert live_sessions(session, person) == 0
    assert person.email_verified
    assert [c.user_id for c in worlds.list_collaborators(session, owner, world.id)] == [person.id]
    with pytest.raises(SignInRefused) as refused:
        email_links.reset_password(session, token, "another-hash")
    assert refused.value.problem is Problem.LINK_EXPIRED


def test_a_sign_in_link_hands_an_unverified_account_to_the_address_owner(
    session: Session,
) -> None:
    held = newcomer(session)
    sessions.create_session(session, held)
    token = email_links.issue(session, held, TokenPurpose.SIGN_IN)

    assert email_links.sign_in_by_link(session, token) == held

    assert held.password_hash is None  # the password whoever signed up chose stops working
    assert live_sessions(session, held) == 0
    assert held.email_verified


def test_asking_for_links_answers_alike_for_known_and_unknown_addresses(session: Session) -> None:
    known = newcomer(session).email
    unknown = f"{unique('nobody')}@example.test"
    client = unique("client")
    for address in (known, unknown):
        for _ in range(email_links.MAILS_PER_ADDRESS):
            email_links.request_link(session, address, TokenPurpose.SIGN_IN, client)
        with pytest.raises(SignInRefused) as refused:
            email_links.request_link(session, address, TokenPurpose.RESET, client)
        assert refused.value.problem is Problem.MAIL_LIMITED
    # Only the known address has anything to send; the caller answers before sending it.
    assert (
        email_links.request_link(
            session, unique("x") + "@example.test", TokenPurpose.RESET, "192.0.2.1"
        )
        is None
    )


def test_an_unverified_person_cannot_publish_a_world(session: Session) -> None:
    person = Actor.of(newcomer(session))
    world = make_world(session, person)
    with pytest.raises(Forbidden, match="stays private until you verify your email"):
        worlds.set_visibility(session, person, world.id, Visibility.PUBLIC)

    users.get_user(session, person.user_id).email_verified = True
    assert worlds.set_visibility(session, person, world.id, "public").visibility == "public"


def test_sensitive_changes_need_a_recent_sign_in(session: Session) -> None:
    user = newcomer(session, password_hash=None)  # signs in through a provider only
    person = Actor.of(user)
    fresh = sessions.create_session(session, user)
    stale = sessions.create_session(session, user)
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == sessions.token_hash(stale))
    ).one()
    row.created_at = utcnow() - timedelta(minutes=recent_proof.RECENT_MINUTES + 1)
    session.add(row)
    session.flush()

    with pytest.raises(Forbidden, match="needs a fresh sign-in"):
        password_change.start(session, person, "a-first-password", stale)
    with pytest.raises(Forbidden, match="needs a fresh sign-in"):
        recent_proof.require_recent_sign_in(session, person, stale, "deleting your account")
    assert password_change.start(session, person, "a-first-password", fresh).password_hash is None
    recent_proof.require_recent_sign_in(session, person, fresh, "deleting your account")
