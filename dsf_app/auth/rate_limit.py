"""The limits on password sign-ins and sign-ups (bookkeeping in `services.limits`, atomic per
key). A client is counted as its IPv4 address or its IPv6 /64 (`client_address.counted_as`):

- failed sign-ins from one client for one account (email): 3 free, then a wait before each next
  try that doubles from 30 seconds up to 15 minutes; the account's owner signing in clears it.
  So a stranger behind the same NAT as everyone else holds back only the account they guess
  at, and only from that address; nothing is counted per email alone, so failures from
  strangers elsewhere never stop the owner signing in from their own address;
- failed sign-ins from one client, whatever the accounts: 100 in 15 minutes. Only someone
  trying passwords on dozens of accounts reaches it (each account allows a few failures), so it
  stops spraying without letting one person's mistakes lock out the people sharing the address;
- sign-ups from one client: 10 an hour (a refused one counts too: it told whether the email
  has an account);
- wrong current passwords when changing one's password: the same backoff as a sign-in, per
  person (whoever holds a session cannot try passwords faster than a sign-in could).

Sign-in and reset links sent by email are not password attempts and are limited apart.
A refusal is a SignInRefused that says when to come back."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import Session

from dsf_app.auth.client_address import counted_as
from dsf_app.auth.problems import Problem, SignInRefused
from dsf_app.services import limits
from dsf_app.settings import get_settings

SIGN_IN_WINDOW = timedelta(minutes=15)
FAILURES_PER_CLIENT = 100
FREE_FAILURES = 3
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
FAILURE_MEMORY = timedelta(hours=1)
SIGN_UP_WINDOW = timedelta(hours=1)
SIGN_UPS_PER_CLIENT = 10


def sign_in_limits(email: str, ip: str | None) -> list[limits.Limit]:
    client = counted_as(ip)
    return [
        limits.Budget(
            f"signin-ip:{client}", FAILURES_PER_CLIENT, SIGN_IN_WINDOW, counts_successes=False
        ),
        limits.Backoff(
            f"signin-ip-email:{client}:{email}",
            free=FREE_FAILURES,
            first_wait=FIRST_WAIT,
            longest_wait=LONGEST_WAIT,
            memory=FAILURE_MEMORY,
        ),
    ]


def password_change_limits(user_id: uuid.UUID) -> list[limits.Limit]:
    return [
        limits.Backoff(
            f"password-change:{user_id}",
            free=FREE_FAILURES,
            first_wait=FIRST_WAIT,
            longest_wait=LONGEST_WAIT,
            memory=FAILURE_MEMORY,
        )
    ]


def sign_up_limits(ip: str | None) -> list[limits.Limit]:
    if not ip or ip in get_settings().signup_limit_exempt_addresses:
        return []
    return [limits.Budget(f"signup-ip:{counted_as(ip)}", SIGN_UPS_PER_CLIENT, SIGN_UP_WINDOW)]


def take(db: Session, found: list[limits.Limit], problem: Problem) -> list[uuid.UUID]:
    """One attempt under each limit (see `limits.take`); SignInRefused with `problem` and the
    wait when a limit is reached."""
    try:
        return limits.take(db, found)
    except limits.LimitReached as reached:
        raise SignInRefused(problem, retry_minutes=reached.minutes) from None
