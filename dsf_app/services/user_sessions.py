"""The stored side of sign-in sessions: a `user_session` row per sign-in, found by its token's
hash (the token itself is never stored; `auth/sessions.py` makes it, hashes it and sets the
cookie). A session is live until it expires or is revoked; revoking is for good."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from dsf_app.models import UserSession
from dsf_app.models.columns import utcnow


def store(
    db: Session, user_id: uuid.UUID, session_hash: str, *, expires_at: datetime, user_agent: str
) -> None:
    """Keep a new session of `user_id` under the hash of its token, until `expires_at`."""
    db.add(
        UserSession(
            user_id=user_id,
            token_hash=session_hash,
            expires_at=expires_at,
            user_agent=user_agent,
        )
    )
    db.flush()


def live(db: Session, session_hash: str) -> UserSession | None:
    """The session stored under this hash if it has neither expired nor been revoked."""
    return db.exec(
        select(UserSession).where(
            UserSession.token_hash == session_hash,
            col(UserSession.revoked_at).is_(None),
            UserSession.expires_at > utcnow(),
        )
    ).first()


def signed_in_at(db: Session, session_hash: str) -> datetime | None:
    """When the live session stored under this hash began; None if it is not live."""
    return db.exec(
        select(UserSession.created_at).where(
            UserSession.token_hash == session_hash,
            col(UserSession.revoked_at).is_(None),
            UserSession.expires_at > utcnow(),
        )
    ).first()


def revoke(db: Session, session_hash: str) -> None:
    """End the session stored under this hash (unknown or already ended ones are ignored)."""
    row = db.exec(select(UserSession).where(UserSession.token_hash == session_hash)).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.add(row)
        db.flush()


def revoke_all(db: Session, user_id: uuid.UUID, *, keep_hash: str | None = None) -> None:
    """End every live session of a person but the one stored under `keep_hash`."""
    query = update(UserSession).where(
        col(UserSession.user_id) == user_id,
        col(UserSession.revoked_at).is_(None),
    )
    if keep_hash:
        query = query.where(col(UserSession.token_hash) != keep_hash)
    db.execute(query.values(revoked_at=utcnow()))
    db.flush()
