"""Passwords: the length policy, and Argon2id hashes through argon2-cffi (never hand-rolled)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dsf_app.auth.problems import Problem, SignInRefused

MIN_LENGTH = 8
MAX_LENGTH = 200

_hasher = PasswordHasher()


def check_policy(password: str) -> str:
    """`password` unchanged if a new account may use it; SignInRefused otherwise."""
    if len(password) < MIN_LENGTH:
        raise SignInRefused(Problem.PASSWORD_SHORT)
    if len(password) > MAX_LENGTH:
        raise SignInRefused(Problem.PASSWORD_LONG)
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (an OAuth-only account, or no account at all) a
    dummy hash is checked anyway, so the answer takes as long and reveals nothing."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than argon2-cffi's current defaults."""
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not a password anyone has")
