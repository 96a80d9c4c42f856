"""Changing a password from the account page: the current one is required (an account that signs
in only through Google or GitHub has none, and sets its first after a fresh sign-in,
`recent_proof`), wrong guesses back off like sign-ins, and the slow hashes run between two
short transactions (`start`, `finish`), with none open meanwhile (`checked_hash`).
Every other session of the person ends; the one that made the change stays signed in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from dsf_app.auth import passwords, rate_limit, recent_proof, sessions
from dsf_app.errors import Forbidden, Invalid
from dsf_app.services import limits, users
from dsf_app.services.actor import Actor

WRONG = "That is not your current password, so nothing was changed; check it and try again."
CHANGED_MEANWHILE = (
    "Your password was changed elsewhere while you typed; nothing was saved. Reload the page "
    "and try again with the password you have now."
)


@dataclass(frozen=True)
class OnFile:
    """The attempt taken, and the hash the account had when the change started."""

    attempts: list[uuid.UUID]
    password_hash: str | None


def start(db: Session, actor: Actor, new: str, token: str) -> OnFile:
    """First transaction: once the new password meets the rules, take an attempt (it counts as
    failed until `finish`) and read the hash the account has now. A first password needs a
    sign-in (`token`'s) from the last few minutes."""
    passwords.check_policy(new)
    if users.get_user(db, actor.user_id).password_hash is None:
        recent_proof.require_recent_sign_in(db, actor, token, "setting a first password")
    try:
        attempts = limits.take(db, rate_limit.password_change_limits(actor.user_id))
    except limits.LimitReached as reached:
        raise Forbidden(
            "Too many wrong current passwords; try again in "
            f"{reached.minutes} minute{'' if reached.minutes == 1 else 's'}."
        ) from None
    return OnFile(attempts, users.get_user(db, actor.user_id).password_hash)


def checked_hash(on_file: OnFile, current: str, new: str) -> str:
    """With no transaction open (slow: two Argon2 hashes): the hash of `new` if `current` is
    the password on file, or there is none yet; Invalid otherwise."""
    if on_file.password_hash is not None and not passwords.verify_password(
        on_file.password_hash, current
    ):
        raise Invalid(WRONG)
    return passwords.hash_password(new)


def finish(db: Session, actor: Actor, on_file: OnFile, new_hash: str, keep_token: str) -> None:
    """Second transaction: save the new hash unless the password changed meanwhile, clear the
    attempts, and end every session of the person but `keep_token`'s."""
    user = users.get_user(db, actor.user_id)
    if user.password_hash != on_file.password_hash:
        raise Invalid(CHANGED_MEANWHILE)
    users.set_password_hash(db, user, new_hash)
    limits.succeeded(db, on_file.attempts)
    sessions.revoke_all(db, user.id, keep=keep_token)
