"""Accounts: signing up with email and password, checking a password sign-in, and finding or
linking the account an OAuth identity signs in to (where a verified email outranks a password)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dsf_app.auth import passwords, rate_limit, sessions
from dsf_app.auth.problems import Problem, SignInRefused
from dsf_app.errors import Invalid
from dsf_app.models import OAuthAccount, User
from dsf_app.services import users, validation

MAX_NAME = 200


@dataclass(frozen=True)
class ProviderIdentity:
    """Who a provider says signed in; `email_verified` is the provider's word, not ours."""

    provider: str
    account_id: str
    email: str | None
    email_verified: bool
    name: str = ""
    image: str | None = None
    token_info: dict[str, Any] | None = None


def normalised_email(email: str) -> str:
    try:
        return validation.email(email)
    except Invalid:
        raise SignInRefused(Problem.EMAIL_INVALID) from None


def sign_up(db: Session, *, name: str, email: str, password: str, ip: str | None) -> User | None:
    """A new account with a hashed password, or None if the email already has one; either way
    the attempt counts toward the address's sign-ups (a refusal, too, tells whether an email has
    an account). SignInRefused when too many sign-ups came from `ip` in the last hour, or the
    input does not meet the rules."""
    limits = rate_limit.sign_up_limits(ip)
    rate_limit.check(db, limits)
    address = normalised_email(email)
    passwords.check_policy(password)
    display_name = name.strip() or address.split("@")[0]
    if len(display_name) > MAX_NAME:
        raise SignInRefused(Problem.NAME_LONG)
    user = _new_password_account(db, address, display_name, password)
    rate_limit.record(db, limits, succeeded=user is not None)
    return user


def _new_password_account(db: Session, address: str, name: str, password: str) -> User | None:
    if users.get_by_email(db, address) is not None:
        return None
    password_hash = passwords.hash_password(password)
    try:
        with db.begin_nested():
            return users.create_user(db, address, name, password_hash)
    except (IntegrityError, Invalid):
        # Someone signed up with the same email between the check above and the insert.
        return None


def sign_in(db: Session, *, email: str, password: str, ip: str | None) -> User | None:
    """The person if the password matches, None if the email or password is wrong; either way
    the attempt is recorded. SignInRefused when too many recent attempts failed."""
    address = normalised_email(email)
    limits = rate_limit.sign_in_limits(address, ip)
    rate_limit.check(db, limits)
    user = users.get_by_email(db, address)
    matches = passwords.verify_password(user.password_hash if user else None, password)
    rate_limit.record(db, limits, succeeded=matches)
    if user is None or not matches:
        return None
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.add(user)
        db.flush()
    return user


def oauth_sign_in(db: Session, identity: ProviderIdentity) -> User:
    """The account this identity signs in to: the one already linked to it; else the one with
    the same email, linked now, if the provider verified that email; else a new one. An
    unverified email never links or creates anything (SignInRefused). Linking to an account
    whose email nobody had verified hands it to the verified owner (see `_hand_to_owner`)."""
    linked = db.exec(
        select(OAuthAccount).where(
            OAuthAccount.provider == identity.provider,
            OAuthAccount.provider_account_id == identity.account_id,
        )
    ).first()
    if linked is not None:
        if identity.token_info is not None:
            linked.tokens = identity.token_info
            db.add(linked)
        return users.get_user(db, linked.user_id)

    if not identity.email or not identity.email_verified:
        raise SignInRefused(Problem.OAUTH_UNVERIFIED, provider=identity.provider)
    address = normalised_email(identity.email)
    user = users.get_by_email(db, address)
    if user is None:
        name = (identity.name.strip() or address.split("@")[0])[:MAX_NAME]
        user = users.create_user(db, address, name)
    elif not user.email_verified:
        _hand_to_owner(db, user)
    user.email_verified = True
    if not user.image and identity.image:
        user.image = identity.image[:2000]
    db.add(user)
    db.add(
        OAuthAccount(
            user_id=user.id,
            provider=identity.provider,
            provider_account_id=identity.account_id,
            tokens=identity.token_info or {},
        )
    )
    db.flush()
    return user


def _hand_to_owner(db: Session, user: User) -> None:
    """The provider has just proved who owns this account's email, which nobody had proved at
    sign-up: whoever signed up may not be that owner (they could have registered the address
    first, waiting for its owner to arrive). So the password they chose stops working and every
    session they started ends; the owner signs in through the provider from now on."""
    user.password_hash = None
    sessions.revoke_all(db, user.id)
