"""People: accounts by email, and their preferences."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, select

from dsf_app.errors import Invalid, NotFound
from dsf_app.models import User
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
