"""Limits on attempts: 5 failed sign-ins per email and 20 per network address in 15 minutes, and
10 sign-ups per network address in an hour. Attempts are rows in PostgreSQL, so every backend
worker counts the same ones; each limit counts only the rows under its own key ("email:…",
"ip:…", "signup-ip:…"), so the kinds share one table without mixing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from dsf_app.auth.problems import Problem, SignInRefused
from dsf_app.models import SignInAttempt
from dsf_app.models.columns import utcnow
from dsf_app.settings import get_settings

SIGN_IN_WINDOW = timedelta(minutes=15)
SIGN_UP_WINDOW = timedelta(hours=1)
SIGN_UPS_PER_ADDRESS = 10
# Rows older than this are deleted as new ones arrive; no window reaches back this far.
KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    key: str
    max_attempts: int
    window: timedelta
    # What the refusal says (and so what the sign-in page shows) once the limit is reached.
    problem: Problem
    # Sign-ups count whether or not they made an account (a refused one still tells whether the
    # email has one); sign-ins count only failures.
    counts_successes: bool = False
    # A successful sign-in clears an email's failures (its owner got in); an address's are kept,
    # or one account of the attacker's own would reset the count for every other guess.
    reset_by_success: bool = False


def sign_in_limits(email: str, ip: str | None) -> list[Limit]:
    found = [
        Limit(f"email:{email}", 5, SIGN_IN_WINDOW, Problem.RATE_LIMITED, reset_by_success=True)
    ]
    if ip:
        found.append(Limit(f"ip:{ip}", 20, SIGN_IN_WINDOW, Problem.RATE_LIMITED))
    return found


def sign_up_limits(ip: str | None) -> list[Limit]:
    if not ip or ip in get_settings().signup_limit_exempt_addresses:
        return []
    return [
        Limit(
            f"signup-ip:{ip}",
            SIGN_UPS_PER_ADDRESS,
            SIGN_UP_WINDOW,
            Problem.SIGNUP_LIMITED,
            counts_successes=True,
        )
    ]


def check(db: Session, limits: list[Limit]) -> None:
    """SignInRefused (saying when to retry) if any of `limits` has used up its attempts within
    its window; the longest wait wins."""
    now = utcnow()
    worst: tuple[timedelta, Limit] | None = None
    for limit in limits:
        attempts = _recent_attempts(db, limit, now)
        if len(attempts) >= limit.max_attempts:
            # Another attempt is allowed once enough of these have left the window.
            wait = attempts[len(attempts) - limit.max_attempts] + limit.window - now
            if worst is None or wait > worst[0]:
                worst = (wait, limit)
    if worst is not None:
        wait, limit = worst
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise SignInRefused(limit.problem, retry_minutes=minutes)


def record(db: Session, limits: list[Limit], *, succeeded: bool) -> None:
    now = utcnow()
    for limit in limits:
        db.add(SignInAttempt(key=limit.key, succeeded=succeeded, at=now))
    db.execute(delete(SignInAttempt).where(col(SignInAttempt.at) < now - KEEP))
    db.flush()


def _recent_attempts(db: Session, limit: Limit, now: datetime) -> list[datetime]:
    """When the attempts that count against `limit` were made, oldest first."""
    since = now - limit.window
    if limit.reset_by_success:
        last_success = db.exec(
            select(func.max(SignInAttempt.at)).where(
                SignInAttempt.key == limit.key,
                col(SignInAttempt.succeeded).is_(True),
            )
        ).one()
        if last_success is not None and last_success > since:
            since = last_success
    query = select(SignInAttempt.at).where(
        SignInAttempt.key == limit.key, col(SignInAttempt.at) > since
    )
    if not limit.counts_successes:
        query = query.where(col(SignInAttempt.succeeded).is_(False))
    return list(db.exec(query.order_by(col(SignInAttempt.at))).all())
