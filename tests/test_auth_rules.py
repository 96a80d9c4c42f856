"""The sign-in rules below the HTTP edge, against the real database: password hashes, sessions
(hashed, expiring, revocable), the rate limits' windows, account linking, redirects and the
generated cookie key; and the sign-up limit over HTTP, from loopback addresses of its own."""

from __future__ import annotations

import ipaddress
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from dsf_app.auth import accounts, passwords, rate_limit, sessions
from dsf_app.auth.accounts import ProviderIdentity
from dsf_app.auth.problems import Problem, SignInRefused, describe
from dsf_app.auth.redirects import safe_next, signin_url
from dsf_app.auth.secret import session_secret
from dsf_app.models import OAuthAccount, SignInAttempt, UserSession
from dsf_app.models.columns import utcnow
from dsf_app.services import users
from tests.accounts import SESSION_COOKIE
from tests.factories import rolled_back_session, unique
from tests.harness.stack import settings_from


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
    user = accounts.sign_up(
        db, name="  Vera ", email=f" {email.upper()} ", password="long enough", ip=None
    )
    assert user is not None and user.email == email and user.name == "Vera"
    assert passwords.verify_password(user.password_hash, "long enough")
    assert accounts.sign_up(db, name="Other", email=email, password="long enough", ip=None) is None
    with refused(Problem.EMAIL_INVALID):
        accounts.sign_up(db, name="X", email="not-an-email", password="long enough", ip=None)


def test_sessions_are_stored_hashed_and_end_when_revoked_or_expired(db: Session) -> None:
    user = users.create_user(db, new_email(), "Sam")
    token = sessions.create_session(db, user, user_agent="pytest")
    row = db.exec(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert row.token_hash == sessions.token_hash(token) != token
    assert timedelta(days=29, hours=23) < row.expires_at - utcnow() <= timedelta(days=30)
    assert sessions.resolve(db, token) is not None
    resolved = sessions.resolve(db, token)
    assert resolved is not None and resolved.user_id == user.id
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


def _attempts(
    db: Session, limits: list[rate_limit.Limit], *, ago: timedelta, times: int = 1, ok: bool = False
) -> None:
    for _ in range(times):
        for limit in limits:
            db.add(SignInAttempt(key=limit.key, succeeded=ok, at=utcnow() - ago))
    db.flush()


def _fail(db: Session, email: str, ip: str | None, *, ago: timedelta, times: int = 1) -> None:
    _attempts(db, rate_limit.sign_in_limits(email, ip), ago=ago, times=times)


def _check_sign_in(db: Session, email: str, ip: str | None) -> None:
    rate_limit.check(db, rate_limit.sign_in_limits(email, ip))


def test_five_failures_for_an_email_lock_it_for_the_rest_of_fifteen_minutes(db: Session) -> None:
    email = new_email()
    _fail(db, email, None, ago=timedelta(minutes=10), times=4)
    _check_sign_in(db, email, None)
    _fail(db, email, None, ago=timedelta(minutes=1))
    with refused(Problem.RATE_LIMITED) as caught:
        _check_sign_in(db, email, None)
    # The oldest failures leave the window in five minutes, which frees one attempt.
    assert caught.value.retry_minutes == 5
    assert "Try again in 5 minutes." in str(caught.value)


def test_failures_older_than_the_window_do_not_count(db: Session) -> None:
    email = new_email()
    _fail(db, email, None, ago=timedelta(minutes=16), times=10)
    _check_sign_in(db, email, None)


def test_a_success_clears_an_emails_failures_but_not_an_addresses(db: Session) -> None:
    email, ip = new_email(), "198.51.100.7"
    _fail(db, email, ip, ago=timedelta(minutes=2), times=5)
    rate_limit.record(db, rate_limit.sign_in_limits(email, ip), succeeded=True)
    _check_sign_in(db, email, None)
    for index in range(15):
        _fail(db, f"{index}{email}", ip, ago=timedelta(minutes=1))
    with refused(Problem.RATE_LIMITED):
        _check_sign_in(db, new_email(), ip)


def test_sign_ups_from_one_address_are_limited_to_ten_an_hour(db: Session) -> None:
    ip = "203.0.113.9"
    limits = rate_limit.sign_up_limits(ip)
    _attempts(db, limits, ago=timedelta(minutes=61), times=20, ok=True)  # before the hour
    _attempts(db, limits, ago=timedelta(minutes=50), times=5, ok=True)
    _attempts(db, limits, ago=timedelta(minutes=5), times=3)
    taken = new_email()
    assert accounts.sign_up(db, name="A", email=taken, password="long enough", ip=ip)
    # A sign-up refused because the email has an account counts too: it told what exists.
    assert accounts.sign_up(db, name="B", email=taken, password="long enough", ip=ip) is None

    late = new_email()
    with refused(Problem.SIGNUP_LIMITED) as caught:
        accounts.sign_up(db, name="C", email=late, password="long enough", ip=ip)
    assert users.get_by_email(db, late) is None
    # The five from 50 minutes ago leave the hour in ten minutes, which frees one sign-up.
    assert caught.value.retry_minutes == 10
    assert "Try again in 10 minutes" in str(caught.value)
    # Other addresses, and sign-ins from this one, are counted apart.
    assert accounts.sign_up(db, name="D", email=late, password="long enough", ip="203.0.113.10")
    _check_sign_in(db, new_email(), ip)


def test_oauth_links_only_verified_emails(db: Session) -> None:
    email = new_email()
    existing = accounts.sign_up(db, name="Ida", email=email, password="long enough", ip=None)
    assert existing is not None

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


def test_a_verified_email_takes_the_account_from_whoever_signed_up_with_it(db: Session) -> None:
    # Someone signs up first with another person's email and a password of their own...
    email = new_email()
    squatter = accounts.sign_up(db, name="Mal", email=email, password="mal knows it", ip=None)
    assert squatter is not None and not squatter.email_verified
    squatters_session = sessions.create_session(db, squatter)

    # ...then the email's owner arrives through a provider that verified it.
    owner = ProviderIdentity("google", unique("sub"), email, email_verified=True)
    account = accounts.oauth_sign_in(db, owner)
    assert account.id == squatter.id and account.email_verified
    assert account.password_hash is None
    assert sessions.resolve(db, squatters_session) is None
    assert accounts.sign_in(db, email=email, password="mal knows it", ip=None) is None


def test_linking_another_provider_to_a_verified_account_keeps_its_password(db: Session) -> None:
    # A provider verified this email before, so the password is the owner's own.
    email = new_email()
    user = users.create_user(db, email, "Ida", passwords.hash_password("ida knows it"))
    user.email_verified = True
    db.add(user)
    db.flush()
    token = sessions.create_session(db, user)

    github = ProviderIdentity("github", unique("id"), email, email_verified=True)
    assert accounts.oauth_sign_in(db, github).id == user.id
    assert sessions.resolve(db, token) is not None
    assert accounts.sign_in(db, email=email, password="ida knows it", ip=None) is not None


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
    settings = settings_from(DSF_HOME=str(tmp_path / "home"))
    first = session_secret(settings)
    assert len(first) >= 32
    assert session_secret(settings) == first
    mode = stat.S_IMODE((tmp_path / "home" / "session-secret").stat().st_mode)
    assert mode == 0o600
    configured = settings_from(DSF_HOME=str(tmp_path), DSF_SESSION_SECRET="k" * 40)
    assert session_secret(configured) == "k" * 40


def loopback_address() -> str:
    """A loopback address of this test's own: every other test signs up from 127.0.0.1, so the
    sign-ups counted here are nobody else's, and theirs are not counted here."""
    return str(ipaddress.IPv4Address("127.1.0.0") + secrets.randbelow(2**16))


def sign_up_from(app_url: str, address: str, email: str) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(transport=transport) as client:
        return client.post(
            f"{app_url}/auth/signup",
            data={"name": "Flood", "email": email, "password": "long enough"},
            headers={"Origin": app_url},
        )


def test_one_address_cannot_sign_up_without_limit(app_url: str, engine: Engine, page: Page) -> None:
    flood, elsewhere = loopback_address(), loopback_address()
    assert flood != elsewhere
    emails = [new_email() for _ in range(rate_limit.SIGN_UPS_PER_ADDRESS - 1)]
    for email in emails:
        assert sign_up_from(app_url, flood, email).headers["location"] == "/worlds"
    # Asking about an email that has an account is a sign-up attempt too (the tenth).
    taken = sign_up_from(app_url, flood, emails[0])
    assert "error=email_taken" in taken.headers["location"]

    late = new_email()
    response = sign_up_from(app_url, flood, late)
    assert response.status_code == 303 and SESSION_COOKIE not in response.cookies
    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert location.path == "/signin" and query["mode"] == ["signup"]
    assert query["error"] == ["signup_limited"] and 59 <= int(query["retry"][0]) <= 60
    with Session(engine) as db:
        assert users.get_by_email(db, late) is None
    # Nor does it say any more whether an email has an account.
    assert "error=signup_limited" in sign_up_from(app_url, flood, emails[0]).headers["location"]

    # The person is told what happened and what to do.
    page.goto(f"{app_url}{response.headers['location']}")
    expect(page.locator("#signin-problem")).to_have_text(
        describe("signup_limited", retry_minutes=int(query["retry"][0]))
    )
    expect(page.locator("#signin-problem")).to_contain_text(
        "Too many sign-ups from your network address in the last hour. Try again in"
    )

    # Another address is not affected.
    assert sign_up_from(app_url, elsewhere, late).headers["location"] == "/worlds"
