"""The limit on failed sign-ins: 5 per email and 20 per network address in 15 minutes. Attempts
are rows in PostgreSQL, so every backend worker counts the same ones."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from dsf_app.auth.problems import Problem, SignInRefused
from dsf_app.models import SignInAttempt
from dsf_app.models.columns import utcnow

WINDOW = timedelta(minutes=15)
# Rows older than this are deleted as new ones arrive; nothing reads them.
KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    key: str
    max_failures: int
    # A successful sign-in clears an email's failures (its owner got in); an address's are kept,
    # or one account of the attacker's own would reset the count for every other guess.
    reset_by_success: bool


def limits(email: str, ip: str | None) -> list[Limit]:
    found = [Limit(f"email:{email}", 5, True)]
    if ip:
        found.append(Limit(f"ip:{ip}", 20, False))
    return found


def check(db: Session, email: str, ip: str | None) -> None:
    """SignInRefused (saying when to retry) if the email or the address has used up its failed
    attempts in the last 15 minutes."""
    now = utcnow()
    waits: list[timedelta] = []
    for limit in limits(email, ip):
        failures = _recent_failures(db, limit, now)
        if len(failures) >= limit.max_failures:
            # Another attempt is allowed once enough of these failures have left the window.
            waits.append(failures[len(failures) - limit.max_failures] + WINDOW - now)
    if waits:
        minutes = max(1, math.ceil(max(waits).total_seconds() / 60))
        raise SignInRefused(Problem.RATE_LIMITED, retry_minutes=minutes)


def record(db: Session, email: str, ip: str | None, *, succeeded: bool) -> None:
    now = utcnow()
    for limit in limits(email, ip):
        db.add(SignInAttempt(key=limit.key, succeeded=succeeded, at=now))
    db.exec(delete(SignInAttempt).where(SignInAttempt.at < now - KEEP))  # type: ignore[call-overload]
    db.flush()


def _recent_failures(db: Session, limit: Limit, now: datetime) -> list[datetime]:
    since = now - WINDOW
    if limit.reset_by_success:
        last_success = db.exec(
            select(func.max(SignInAttempt.at)).where(
                SignInAttempt.key == limit.key,
                SignInAttempt.succeeded.is_(True),  # type: ignore[attr-defined]
            )
        ).one()
        if last_success is not None and last_success > since:
            since = last_success
    return list(
        db.exec(
            select(SignInAttempt.at)
            .where(
                SignInAttempt.key == limit.key,
                SignInAttempt.succeeded.is_(False),  # type: ignore[attr-defined]
                SignInAttempt.at > since,
            )
            .order_by(SignInAttempt.at)  # type: ignore[arg-type]
        ).all()
    )
