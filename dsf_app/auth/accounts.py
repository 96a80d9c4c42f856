"""Accounts: signing up with email and password, a password sign-in in two steps around the
(slow) password check, and finding or linking the account an OAuth identity signs in to (where
a verified email outranks a password)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dsf_app.auth import passwords, rate_limit, sessions
from dsf_app.auth.problems import Problem, SignInRefused
from dsf_app.errors import Invalid
from dsf_app.models import User
from dsf_app.services import limits, oauth_accounts, users, validation

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


@dataclass(frozen=True)
class NewAccount:
    """A sign-up's name, email and password once they meet the rules."""

    name: str
    email: str
    password: str


def check_sign_up(*, name: str, email: str, password: str) -> NewAccount:
    """The sign-up's fields, normalised; SignInRefused when one does not meet the rules."""
    address = normalised_email(email)
    passwords.check_policy(password)
    display_name = name.strip() or address.split("@")[0]
    if len(display_name) > MAX_NAME:
        raise SignInRefused(Problem.NAME_LONG)
    return NewAccount(display_name, address, password)


def create_password_account(db: Session, account: NewAccount, password_hash: str) -> User | None:
    """The new account, or None if the email already has one."""
    if users.get_by_email(db, account.email) is not None:
        return None
    try:
        with db.begin_nested():
            return users.create_user(db, account.email, account.name, password_hash)
    except (IntegrityError, Invalid):
        # Someone signed up with the same email between the check above and the insert.
        return None


@dataclass(frozen=True)
class PasswordCheck:
    """A password sign-in between taking its attempts (one transaction) and its outcome (the
    next): the attempts, and the account the email names, if any."""

    attempts: list[uuid.UUID]
    user_id: uuid.UUID | None
    password_hash: str | None


def start_sign_in(db: Session, *, email: str, ip: str | None) -> PasswordCheck:
    """Take the sign-in's attempts (SignInRefused when a limit is reached) and find the account;
    commit before checking the password, so the attempt counts whatever happens next."""
    address = normalised_email(email)
    attempts = rate_limit.take(db, rate_limit.sign_in_limits(address, ip), Problem.RATE_LIMITED)
    user = users.get_by_email(db, address)
    return PasswordCheck(attempts, user.id if user else None, user.password_hash if user else None)


def finish_sign_in(db: Session, check: PasswordCheck, password: str, matches: bool) -> User | None:
    """The person if the password matched the hash `check` read and the account still has it
    (the attempts then count as a success); None otherwise."""
    if check.user_id is None or not matches:
        return None
    user = users.find_user(db, check.user_id)
    if user is None or user.password_hash != check.password_hash:
        return None
    limits.succeeded(db, check.attempts)
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        users.set_password_hash(db, user, passwords.hash_password(password))
    return user


def oauth_sign_in(db: Session, identity: ProviderIdentity) -> User:
    """The account this identity signs in to: the one already linked to it; else the one with
    the same email, linked now, if the provider verified that email; else a new one. An
    unverified email never links or creates anything (SignInRefused). Linking to an account
    whose email nobody had verified hands it to the verified owner (see `hand_to_owner`)."""
    linked = oauth_accounts.find(db, identity.provider, identity.account_id)
    if linked is not None:
        if identity.token_info is not None:
            oauth_accounts.keep_tokens(db, linked, identity.token_info)
        return users.get_user(db, linked.user_id)

    if not identity.email or not identity.email_verified:
        raise SignInRefused(Problem.OAUTH_UNVERIFIED, provider=identity.provider)
    address = normalised_email(identity.email)
    user = users.get_by_email(db, address)
    if user is None:
        name = (identity.name.strip() or address.split("@")[0])[:MAX_NAME]
        user = users.create_user(db, address, name)
    elif not user.email_verified:
        hand_to_owner(db, user)
    users.prove_email(db, user)
    if identity.image:
        users.adopt_image(db, user, identity.image)
    oauth_accounts.link(
        db, user.id, identity.provider, identity.account_id, identity.token_info or {}
    )
    return user


def hand_to_owner(db: Session, user: User) -> None:
    """A provider, or a sign-in link sent to the address, has just proved who owns this
    account's email, which nobody had proved at sign-up: whoever signed up may not be that owner
    (they could have registered the address first, waiting for its owner to arrive). So the
    password they chose stops working and every session they started ends; the owner signs in
    through the provider or an emailed link, and may set a password of their own."""
    users.set_password_hash(db, user, None)
    sessions.revoke_all(db, user.id)
