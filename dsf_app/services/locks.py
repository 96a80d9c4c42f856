"""PostgreSQL advisory locks for the services that must take turns across workers: callers that
lock the same key wait for each other until their transaction ends (the rate limits' counters,
one person's canvas interactions); other keys never wait for them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session


def lock_key(session: Session, key: str) -> None:
    """Hold a PostgreSQL advisory lock on `key` until the session's transaction ends: callers
    with the same key take turns (on any worker), other keys never wait for them (two keys
    whose hashes collide merely take turns too)."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
