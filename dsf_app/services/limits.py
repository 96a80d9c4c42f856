"""How often something may be tried: attempts are rows in PostgreSQL under a limit's key (such as
"signin-ip:203.0.113.9"), so every backend worker counts the same ones.

Taking an attempt is atomic: `take` locks each key for its transaction (a PostgreSQL advisory
lock), counts what is recent and adds the attempt only if every limit allows it. A burst of
parallel requests therefore waits in line at the lock and can never pass more than the limit.
An attempt is taken before the work it guards (say, checking a password) and counts as failed
until `succeeded` marks it, so nothing is left uncounted while the work runs.

Two kinds of limit:
- `Budget`: at most `most` attempts within a sliding `window`.
- `Backoff`: `free` failures, then each further failure doubles the wait before the next try
  (from `first_wait` up to `longest_wait`); a success clears the count, and failures older
  than `memory` are forgotten.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from dsf_app.models import RateLimitAttempt
from dsf_app.models.columns import utcnow
from dsf_app.services.locks import lock_key

# Rows older than this are deleted as new ones arrive; no limit looks back this far.
KEEP = timedelta(days=1)
ZERO = timedelta(0)


@dataclass(frozen=True)
class Budget:
    key: str
    most: int
    window: timedelta
    # Sign-ups and invitations count every attempt; sign-ins only the failed ones.
    counts_successes: bool = True


@dataclass(frozen=True)
class Backoff:
    key: str
    free: int
    first_wait: timedelta
    longest_wait: timedelta
    memory: timedelta


Limit = Budget | Backoff


class LimitReached(Exception):
    """An attempt refused by a limit; `wait` is how long until one would be allowed."""

    def __init__(self, limit: Limit, wait: timedelta) -> None:
        self.limit = limit
        self.wait = wait
        super().__init__(f"{limit.key}: wait {wait}")

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up (at least one), as people are told it."""
        return max(1, math.ceil(self.wait.total_seconds() / 60))


def take(
    session: Session, limits: Sequence[Limit], *, now: datetime | None = None
) -> list[uuid.UUID]:
    """Record one attempt under each limit, or raise LimitReached (the longest wait) and record
    nothing. The attempts count as failed until `succeeded`; the keys stay locked until the
    session's transaction ends, so commit soon after."""
    now = now or utcnow()
    for key in sorted({limit.key for limit in limits}):  # in one order: no deadlocks
        lock_key(session, f"limit:{key}")
    waits = [(wait, limit) for limit in limits if (wait := _wait(session, limit, now)) > ZERO]
    if waits:
        wait, limit = max(waits, key=lambda found: found[0])
        raise LimitReached(limit, wait)
    taken = [RateLimitAttempt(key=limit.key, succeeded=False, at=now) for limit in limits]
    session.add_all(taken)
    session.execute(delete(RateLimitAttempt).where(col(RateLimitAttempt.at) < now - KEEP))
    session.flush()
    return [attempt.id for attempt in taken]


def succeeded(session: Session, attempt_ids: Sequence[uuid.UUID]) -> None:
    """The attempts worked: they no longer count as failures (and clear a Backoff)."""
    if attempt_ids:
        session.execute(
            update(RateLimitAttempt)
            .where(col(RateLimitAttempt.id).in_(attempt_ids))
            .values(succeeded=True)
        )


def _wait(session: Session, limit: Limit, now: datetime) -> timedelta:
    """How long until `limit` allows another attempt (zero or less: now)."""
    if isinstance(limit, Budget):
        times = _times(
            session, limit.key, now - limit.window, failed_only=not limit.counts_successes
        )
        if len(times) < limit.most:
            return ZERO
        # Allowed again once enough of these have left the window.
        return times[len(times) - limit.most] + limit.window - now
    since = now - limit.memory
    last_success = session.exec(
        select(func.max(RateLimitAttempt.at)).where(
            RateLimitAttempt.key == limit.key, col(RateLimitAttempt.succeeded).is_(True)
        )
    ).one()
    if last_success is not None and last_success > since:
        since = last_success
    failures = _times(session, limit.key, since, failed_only=True)
    if len(failures) < limit.free:
        return ZERO
    doublings = min(len(failures) - limit.free, 30)
    wait = min(limit.first_wait * 2**doublings, limit.longest_wait)
    return failures[-1] + wait - now


def _times(session: Session, key: str, since: datetime, *, failed_only: bool) -> list[datetime]:
    """When the attempts under `key` after `since` were made, oldest first."""
    query = select(RateLimitAttempt.at).where(
        RateLimitAttempt.key == key, col(RateLimitAttempt.at) > since
    )
    if failed_only:
        query = query.where(col(RateLimitAttempt.succeeded).is_(False))
    return list(session.exec(query.order_by(col(RateLimitAttempt.at))).all())
