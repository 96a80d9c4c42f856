"""The sign-in rules below the HTTP edge, against the real database: password hashes, sessions
(hashed, expiring, revocable), the rate limit's window, account linking, redirects and the
generated cookie key."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from dsf_app.auth import accounts, passwords, rate_limit, sessions
from dsf_app.auth.accounts import ProviderIdentity
from dsf_app.auth.problems import Problem, SignInRefused
from dsf_app.auth.redirects import safe_next, signin_url
from dsf_app.auth.secret import session_secret
from dsf_app.models import OAuthAccount, SignInAttempt, UserSession
from dsf_app.models.columns import utcnow
from dsf_app.services import users
from dsf_app.settings import Settings
from tests.factories import rolled_back_session, unique


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with rolled_back_session(engine) as session:
        yield session


def new_email() -> str:
    return f"{unique('rules')}@example.test"


@contextmanager
def refused(problem: Problem) -> Iterator[pytest.ExceptionInfo[SignInRefused]]:
    with pytest.raises(SignInRefused) as caught:
        yield caught
    assert caught.value.problem is problem


def test_passwords_are_argon2id_hashes_that_verify() -> None:
    hashed = passwords.hash_password("correct horse")
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert passwords.verify_password(hashed, "correct horse")
    assert not passwords.verify_password(hashed, "Correct horse")
    assert not passwords.verify_password(None, "correct horse")
    assert not passwords.verify_password("not a hash", "correct horse")


def test_password_length_rules() -> None:
    with refused(Problem.PASSWORD_SHORT):
        passwords.check_policy("7 chars")
    assert passwords.check_policy("8 chars!") == "8 chars!"
    assert passwords.check_policy("x" * 200)
    with refused(Problem.PASSWORD_LONG):
        passwords.check_policy("x" * 201)


def test_sign_up_normalises_the_email_and_refuses_a_second_account(db: Session) -> None:
    email = new_email()
    user = accounts.sign_up(db, name="  Vera ", email=f" {email.upper()} ", password="long enough")
    assert user.email == email and user.name == "Vera"
    assert passwords.verify_password(user.password_hash, "long enough")
    with refused(Problem.EMAIL_TAKEN):
        accounts.sign_up(db, name="Other", email=email, password="long enough")
    with refused(Problem.EMAIL_INVALID):
        accounts.sign_up(db, name="X", email="not-an-email", password="long enough")


def test_sessions_are_stored_hashed_and_end_when_revoked_or_expired(db: Session) -> None:
    user = users.create_user(db, new_email(), "Sam")
    token = sessions.create_session(db, user, user_agent="pytest")
    row = db.exec(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert row.token_hash == sessions.token_hash(token) != token
    assert timedelta(days=29, hours=23) < row.expires_at - utcnow() <= timedelta(days=30)
    assert sessions.resolve(db, token) is not None
    assert sessions.resolve(db, token).user_id == user.id  # type: ignore[union-attr]
    assert sessions.resolve(db, token + "x") is None
    assert sessions.resolve(db, None) is None

    sessions.revoke(db, token)
    assert sessions.resolve(db, token) is None

    other = sessions.create_session(db, user)
    row = db.exec(
        select(UserSession).where(UserSession.token_hash == sessions.token_hash(other))
    ).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.flush()
    assert sessions.resolve(db, other) is None


def test_the_session_token_is_read_from_a_cookie_header() -> None:
    header = "theme=dark; dsf_session=abc-123_XYZ; other=1"
    assert sessions.token_from_cookies(header) == "abc-123_XYZ"
    assert sessions.token_from_cookies("dsf_sessionx=1; x=dsf_session") is None
    assert sessions.token_from_cookies("") is None


def _fail(db: Session, email: str, ip: str | None, *, ago: timedelta, times: int = 1) -> None:
    for _ in range(times):
        for limit in rate_limit.limits(email, ip):
            db.add(SignInAttempt(key=limit.key, succeeded=False, at=utcnow() - ago))
    db.flush()


def test_five_failures_for_an_email_lock_it_for_the_rest_of_fifteen_minutes(db: Session) -> None:
    email = new_email()
    _fail(db, email, None, ago=timedelta(minutes=10), times=4)
    rate_limit.check(db, email, None)
    _fail(db, email, None, ago=timedelta(minutes=1))
    with refused(Problem.RATE_LIMITED) as caught:
        rate_limit.check(db, email, None)
    # The oldest failures leave the window in five minutes, which frees one attempt.
    assert caught.value.retry_minutes == 5
    assert "Try again in 5 minutes." in str(caught.value)


def test_failures_older_than_the_window_do_not_count(db: Session) -> None:
    email = new_email()
    _fail(db, email, None, ago=timedelta(minutes=16), times=10)
    rate_limit.check(db, email, None)


def test_a_success_clears_an_emails_failures_but_not_an_addresses(db: Session) -> None:
    email, ip = new_email(), "198.51.100.7"
    _fail(db, email, ip, ago=timedelta(minutes=2), times=5)
    rate_limit.record(db, email, ip, succeeded=True)
    rate_limit.check(db, email, None)
    for index in range(15):
        _fail(db, f"{index}{email}", ip, ago=timedelta(minutes=1))
    with refused(Problem.RATE_LIMITED):
        rate_limit.check(db, new_email(), ip)


def test_oauth_links_only_verified_emails(db: Session) -> None:
    email = new_email()
    existing = accounts.sign_up(db, name="Ida", email=email, password="long enough")

    unverified = ProviderIdentity("google", unique("sub"), email, email_verified=False)
    with refused(Problem.OAUTH_UNVERIFIED):
        accounts.oauth_sign_in(db, unverified)
    stranger = ProviderIdentity("google", unique("sub"), new_email(), email_verified=False)
    with refused(Problem.OAUTH_UNVERIFIED):
        accounts.oauth_sign_in(db, stranger)
    assert users.get_by_email(db, stranger.email or "") is None

    verified = ProviderIdentity("google", unique("sub"), email.upper(), email_verified=True)
    assert accounts.oauth_sign_in(db, verified).id == existing.id
    again = ProviderIdentity("google", verified.account_id, None, email_verified=False)
    assert accounts.oauth_sign_in(db, again).id == existing.id
    links = db.exec(select(OAuthAccount).where(OAuthAccount.user_id == existing.id)).all()
    assert len(links) == 1


def test_next_paths_stay_on_the_site() -> None:
    assert safe_next("/worlds/1?x=2") == "/worlds/1?x=2"
    for unsafe in (
        None,
        "",
        "worlds",
        "//evil.example",
        "/\\evil.example",
        "https://e.x/",
        "/a\nb",
    ):
        assert safe_next(unsafe) == "/worlds"
    assert safe_next("/signin?next=/runs") == "/worlds"
    assert signin_url("/runs?a=1") == "/signin?next=%2Fruns%3Fa%3D1"
    assert signin_url("/worlds", error="credentials") == "/signin?error=credentials"


def test_the_cookie_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, DSF_HOME=str(tmp_path / "home"))  # type: ignore[call-arg]
    first = session_secret(settings)
    assert len(first) >= 32
    assert session_secret(settings) == first
    mode = stat.S_IMODE((tmp_path / "home" / "session-secret").stat().st_mode)
    assert mode == 0o600
    configured = Settings(_env_file=None, DSF_HOME=str(tmp_path), DSF_SESSION_SECRET="k" * 40)  # type: ignore[call-arg]
    assert session_secret(configured) == "k" * 40
