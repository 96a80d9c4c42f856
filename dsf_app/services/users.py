"""People: accounts by email, their names and their preferences."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from dsf_app.errors import Invalid, NotFound
from dsf_app.models import OAuthAccount, User
from dsf_app.services import validation
from dsf_app.services.access import not_visible
from dsf_app.services.actor import Actor


def create_user(session: Session, email: str, name: str, password_hash: str | None = None) -> User:
    address = validation.email(email)
    if get_by_email(session, address) is not None:
        raise Invalid(f"An account with the email {address} already exists; sign in instead.")
    user = User(
        email=address,
        name=validation.text(name, what="name", max_length=200),
        password_hash=password_hash,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(not_visible("person", user_id))
    return user


def find_user(session: Session, user_id: uuid.UUID) -> User | None:
    """The account with this id, or None (it may have been deleted since it was read)."""
    return session.get(User, user_id)


def set_password_hash(session: Session, user: User, password_hash: str | None) -> None:
    """Keep the account's new password hash; with None, no password signs in to it."""
    user.password_hash = password_hash
    session.add(user)
    session.flush()


def prove_email(session: Session, user: User) -> bool:
    """Mark the account's address as proven to be its owner's; True if it was not before."""
    newly = not user.email_verified
    user.email_verified = True
    session.add(user)
    session.flush()
    return newly


def adopt_image(session: Session, user: User, image: str) -> None:
    """Take a sign-in provider's picture of the person as the account's, if it has none."""
    if not user.image and image:
        user.image = image[:2000]
        session.add(user)
        session.flush()


def get_by_email(session: Session, email: str) -> User | None:
    """The account for `email` in any letter case, or None."""
    address = validation.email(email)
    return session.exec(select(User).where(User.email == address)).first()


def update_preferences(session: Session, actor: Actor, patch: dict[str, Any]) -> dict[str, Any]:
    """Merge `patch` into the actor's preferences (a None value removes the key); returns them."""
    changes = validation.json_object(patch, what="preferences")
    user = get_user(session, actor.user_id)
    merged = {**user.preferences, **changes}
    user.preferences = {key: value for key, value in merged.items() if value is not None}
    session.add(user)
    session.flush()
    return user.preferences


@dataclass(frozen=True)
class AccountInfo:
    """What the account page shows about the signed-in person."""

    name: str
    email: str
    has_password: bool
    providers: list[str]


def account_info(session: Session, actor: Actor) -> AccountInfo:
    user = get_user(session, actor.user_id)
    providers = session.exec(
        select(OAuthAccount.provider)
        .where(OAuthAccount.user_id == user.id)
        .order_by(col(OAuthAccount.created_at))
    ).all()
    return AccountInfo(user.name, user.email, user.password_hash is not None, list(providers))


def rename(session: Session, actor: Actor, name: str) -> str:
    """Change the actor's display name; returns it as saved."""
    user = get_user(session, actor.user_id)
    user.name = validation.text(name, what="name", max_length=200, required=True)
    session.add(user)
    session.flush()
    return user.name
