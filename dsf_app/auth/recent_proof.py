"""Recent proof of identity for the changes that would hand an account to whoever holds a
session (a borrowed laptop, a stolen cookie): setting a first password, and deleting the account
need a sign-in from the last RECENT_MINUTES. Changing a password that exists asks for the
current one instead (`password_change`)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from dsf_app.auth import sessions
from dsf_app.errors import Forbidden
from dsf_app.models.columns import utcnow
from dsf_app.services.actor import Actor

RECENT_MINUTES = 10


def signed_in_recently(db: Session, token: str) -> bool:
    started = sessions.signed_in_at(db, token)
    return started is not None and utcnow() - started <= timedelta(minutes=RECENT_MINUTES)


def require_recent_sign_in(db: Session, actor: Actor, token: str, doing: str) -> None:
    """Forbidden, saying how to prove it is them, unless `token`'s session of `actor` began in
    the last RECENT_MINUTES."""
    if not signed_in_recently(db, token):
        raise Forbidden(
            f"To make sure it is you, {doing} needs a fresh sign-in: sign out, sign in again "
            f"(with your password, Google or GitHub, or an emailed link), and come back "
            f"within {RECENT_MINUTES} minutes."
        )
