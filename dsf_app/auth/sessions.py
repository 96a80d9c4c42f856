"""Sign-in sessions: a random token in the HttpOnly `dsf_session` cookie, stored only as its
SHA-256 in `user_session`, so a leaked table cannot be replayed and signing out revokes for good.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Literal, TypedDict

from sqlmodel import Session

from dsf_app.models import User
from dsf_app.models.columns import utcnow
from dsf_app.services import user_sessions
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings

SESSION_COOKIE = "dsf_session"
MAX_USER_AGENT = 500


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(db: Session, user: User, *, user_agent: str = "") -> str:
    """A new session for `user`, valid for DSF_SESSION_DAYS; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    user_sessions.store(
        db,
        user.id,
        token_hash(token),
        expires_at=utcnow() + timedelta(days=get_settings().session_days),
        user_agent=user_agent[:MAX_USER_AGENT],
    )
    return token


def resolve(db: Session, token: str | None) -> Actor | None:
    """The person a token signs in, or None if it is unknown, expired or revoked."""
    if not token:
        return None
    row = user_sessions.live(db, token_hash(token))
    return None if row is None else Actor(user_id=row.user_id)


def is_live(db: Session, session_hash: str) -> bool:
    """Whether the session stored under this token hash still signs its person in (a turn
    asks before each tool call, so signing out everywhere stops it)."""
    return user_sessions.live(db, session_hash) is not None


def signed_in_at(db: Session, token: str) -> datetime | None:
    """When the live session of `token` began: the moment its person last proved who they are
    (a password, a provider, or an emailed link); None if the session is not live."""
    return user_sessions.signed_in_at(db, token_hash(token))


def revoke(db: Session, token: str | None) -> None:
    """End the session for `token` (unknown or already revoked tokens are ignored)."""
    if token:
        user_sessions.revoke(db, token_hash(token))


def revoke_all(db: Session, user_id: uuid.UUID, *, keep: str | None = None) -> None:
    """End every session of a person, wherever it was started (but the one of `keep`)."""
    user_sessions.revoke_all(db, user_id, keep_hash=token_hash(keep) if keep else None)


def token_from_cookies(cookie_header: str) -> str | None:
    """The session token in a raw Cookie header, or None."""
    for part in cookie_header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and value:
            return value.strip('"')
    return None


class CookieOptions(TypedDict):
    key: str
    max_age: int
    path: str
    httponly: bool
    samesite: Literal["lax"]
    secure: bool


def cookie_options(settings: Settings | None = None) -> CookieOptions:
    """How the session cookie is set: HttpOnly, SameSite=Lax, Secure when the app is on https."""
    settings = settings or get_settings()
    return {
        "key": SESSION_COOKIE,
        "max_age": settings.session_days * 24 * 60 * 60,
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": settings.public_url.startswith("https://"),
    }
