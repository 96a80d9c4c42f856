"""The limits on signing in and signing up (bookkeeping in `services.limits`, atomic per key):

- failed sign-ins from one client address: 30 in 15 minutes, whatever the emails (one address
  guessing at many accounts);
- failed sign-ins from one address for one email: 3 free, then a wait before each next try that
  doubles from 30 seconds up to 15 minutes; the account's owner signing in clears it.
  Nothing is counted per email alone, so failures from strangers elsewhere never stop the owner
  signing in from their own address;
- sign-ups from one address: 10 an hour (a refused one counts too: it told whether the email
  has an account).

A refusal is a SignInRefused that says when to come back."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import Session

from dsf_app.auth.problems import Problem, SignInRefused
from dsf_app.services import limits
from dsf_app.settings import get_settings

SIGN_IN_WINDOW = timedelta(minutes=15)
FAILURES_PER_ADDRESS = 30
FREE_FAILURES = 3
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
FAILURE_MEMORY = timedelta(hours=1)
SIGN_UP_WINDOW = timedelta(hours=1)
SIGN_UPS_PER_ADDRESS = 10


def sign_in_limits(email: str, ip: str | None) -> list[limits.Limit]:
    address = ip or "unknown"
    return [
        limits.Budget(
            f"signin-ip:{address}", FAILURES_PER_ADDRESS, SIGN_IN_WINDOW, counts_successes=False
        ),
        limits.Backoff(
            f"signin-ip-email:{address}:{email}",
            free=FREE_FAILURES,
            first_wait=FIRST_WAIT,
            longest_wait=LONGEST_WAIT,
            memory=FAILURE_MEMORY,
        ),
    ]


def sign_up_limits(ip: str | None) -> list[limits.Limit]:
    if not ip or ip in get_settings().signup_limit_exempt_addresses:
        return []
    return [limits.Budget(f"signup-ip:{ip}", SIGN_UPS_PER_ADDRESS, SIGN_UP_WINDOW)]


def take(db: Session, found: list[limits.Limit], problem: Problem) -> list[uuid.UUID]:
    """One attempt under each limit (see `limits.take`); SignInRefused with `problem` and the
    wait when a limit is reached."""
    try:
        return limits.take(db, found)
    except limits.LimitReached as reached:
        raise SignInRefused(problem, retry_minutes=reached.minutes) from None
