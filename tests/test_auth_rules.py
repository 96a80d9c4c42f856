"""The sign-in rules below the HTTP edge, against the real database: password hashes, sessions
(hashed, expiring, revocable), the rate limits' windows, account linking, redirects and the
generated cookie key; and the sign-in and sign-up limits over HTTP, each test from loopback
addresses of its own (and through a trusted proxy's)."""

from __future__ import annotations

import ipaddress
import secrets
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from dsf_app.auth import accounts, passwords, rate_limit, sessions
from dsf_app.auth.accounts import ProviderIdentity
from dsf_app.auth.client_address import behind_proxies, counted_as
from dsf_app.auth.problems import Problem, SignInRefused, describe
from dsf_app.auth.redirects import safe_next, signin_url
from dsf_app.auth.secret import session_secret
from dsf_app.models import OAuthAccount, RateLimitAttempt, UserSession
from dsf_app.models.columns import utcnow
from dsf_app.services import limits, users
from tests.accounts import SESSION_COOKIE, new_account, sign_up_over_http
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
    user = sign_up(db, name="  Vera ", email=f" {email.upper()} ", password="long enough")
    assert user is not None and user.email == email and user.name == "Vera"
    assert passwords.verify_password(user.password_hash, "long enough")
    assert sign_up(db, name="Other", email=email, password="long enough") is None
    with refused(Problem.EMAIL_INVALID):
        sign_up(db, name="X", email="not-an-email", password="long enough")


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


def sign_up(db: Session, *, name: str, email: str, password: str, ip: str | None = None):
    """The sign-up route's steps (rules, limit, hash, account), in the test's transaction."""
    account = accounts.check_sign_up(name=name, email=email, password=password)
    rate_limit.take(db, rate_limit.sign_up_limits(ip), Problem.SIGNUP_LIMITED)
    return accounts.create_password_account(db, account, passwords.hash_password(password))


def sign_in(db: Session, *, email: str, password: str, ip: str | None = None):
    """The sign-in route's steps (limits, password check, outcome), in the test's transaction."""
    check = accounts.start_sign_in(db, email=email, ip=ip)
    matches = passwords.verify_password(check.password_hash, password)
    return accounts.finish_sign_in(db, check, password, matches)


def outcome(db: Session, email: str, password: str, ip: str) -> str:
    """ "signed in", "credentials" (a wrong password) or the problem that refused the try."""
    try:
        user = sign_in(db, email=email, password=password, ip=ip)
    except SignInRefused as caught:
        return caught.problem.value
    return "signed in" if user is not None else "credentials"


def _wait(db: Session, found: list[limits.Limit], at: datetime) -> timedelta:
    """How long `found` makes one wait at `at` (zero: the attempt is taken)."""
    try:
        limits.take(db, found, now=at)
    except limits.LimitReached as reached:
        return reached.wait
    return timedelta(0)


def test_failures_for_one_email_from_one_address_wait_longer_each_time(db: Session) -> None:
    email, ip = new_email(), "198.51.100.7"
    found = rate_limit.sign_in_limits(email, ip)
    start = utcnow()
    second = timedelta(seconds=1)
    for n in range(rate_limit.FREE_FAILURES):
        assert _wait(db, found, start + n * second) == timedelta(0)
    last = start + 2 * second
    # Then 30 s after the last failure, 60 s after the next, and so on.
    assert _wait(db, found, last + second) == timedelta(seconds=29)
    assert _wait(db, found, last + 30 * second) == timedelta(0)
    last += 30 * second
    assert _wait(db, found, last + second) == timedelta(seconds=59)
    assert _wait(db, found, last + 60 * second) == timedelta(0)
    last += 60 * second
    assert _wait(db, found, last + second) == timedelta(seconds=119)
    for seconds in (120, 240, 480):
        last += seconds * second
        assert _wait(db, found, last) == timedelta(0)
    # 960 s would be next: never longer than fifteen minutes.
    assert _wait(db, found, last + second) == rate_limit.LONGEST_WAIT - second
    with pytest.raises(limits.LimitReached) as reached:
        limits.take(db, found, now=last + second)
    assert reached.value.minutes == 15


def test_a_success_clears_the_wait_but_not_the_addresses_failures(db: Session) -> None:
    ip = "198.51.100.8"
    email = new_email()
    users.create_user(db, email, "Owner", passwords.hash_password("the right one"))
    for _ in range(rate_limit.FREE_FAILURES):
        assert sign_in(db, email=email, password="wrong", ip=ip) is None
    with refused(Problem.RATE_LIMITED) as caught:
        sign_in(db, email=email, password="the right one", ip=ip)
    assert str(caught.value) == "Too many failed sign-in attempts. Try again in 1 minute."
    # The owner from their own address is not held back.
    assert sign_in(db, email=email, password="the right one", ip="198.51.100.9") is not None
    # A hundred failures from one address, over any emails (spraying), stop it for a while.
    now = utcnow()
    for n in range(rate_limit.FAILURES_PER_CLIENT - rate_limit.FREE_FAILURES):
        limits.take(db, rate_limit.sign_in_limits(f"{n}{email}", ip), now=now)
    assert _wait(db, rate_limit.sign_in_limits(new_email(), ip), now) > timedelta(minutes=14)
    # A success resets the email's wait; the address's failures still count.
    check = accounts.start_sign_in(db, email=email, ip="198.51.100.10")
    limits.succeeded(db, check.attempts)
    assert _wait(db, rate_limit.sign_in_limits(email, "198.51.100.10"), now) == timedelta(0)


def test_failures_from_everywhere_else_never_hold_the_owner_back(db: Session) -> None:
    email = new_email()
    users.create_user(db, email, "Owner", passwords.hash_password("the right one"))
    # Ten addresses fail three times each (an attempt taken and never marked a success).
    for n in range(10):
        for _ in range(rate_limit.FREE_FAILURES):
            accounts.start_sign_in(db, email=email, ip=f"203.0.113.{n}")
    assert sign_in(db, email=email, password="the right one", ip="192.0.2.1") is not None


def test_a_strangers_wrong_passwords_hold_back_no_one_else_behind_the_same_address(
    db: Session,
) -> None:
    """Everyone behind one NAT signs in from one address. A stranger there who guesses at
    account X in a burst, and at ten more accounts besides (33 failures: more than the 30 that
    used to lock the whole address), holds back X from that address and nobody else."""
    shared = "198.51.100.77"
    x, y = new_email(), new_email()
    users.create_user(db, x, "X", passwords.hash_password("x's own password"))
    users.create_user(db, y, "Y", passwords.hash_password("y's own password"))
    others = [email for email in (new_email() for _ in range(10)) for _ in range(3)]
    answers = [outcome(db, email, "a guess", shared) for email in [x] * 31 + others]
    assert answers.count("credentials") == rate_limit.FREE_FAILURES * 11
    assert answers.count("rate_limited") == 31 - rate_limit.FREE_FAILURES
    assert outcome(db, y, "y's own password", shared) == "signed in"
    assert outcome(db, x, "x's own password", shared) == "rate_limited"
    assert outcome(db, x, "x's own password", "192.0.2.77") == "signed in"


def ipv6_in(network: str) -> str:
    """A random address in `network` (one client's /64 has 2**64 to choose from)."""
    block = ipaddress.IPv6Network(network)
    return str(block[secrets.randbelow(block.num_addresses)])


def test_ipv6_addresses_in_one_64_are_one_client(db: Session) -> None:
    """A hundred wrong passwords, each from another address of one /64, are one client's: its
    free failures, then waits; an address in the next /64 is another client."""
    email = new_email()
    users.create_user(db, email, "Target", passwords.hash_password("the right one"))
    answers = [outcome(db, email, "a guess", ipv6_in("2001:db8:7:64::/64")) for _ in range(100)]
    assert answers.count("credentials") == rate_limit.FREE_FAILURES
    assert answers.count("rate_limited") == 100 - rate_limit.FREE_FAILURES
    assert outcome(db, email, "the right one", ipv6_in("2001:db8:7:65::/64")) == "signed in"

    # Sign-ups too: ten from anywhere in one /64 use up its hour.
    for _ in range(rate_limit.SIGN_UPS_PER_CLIENT):
        limits.take(db, rate_limit.sign_up_limits(ipv6_in("2001:db8:7:66::/64")))
    with pytest.raises(limits.LimitReached):
        limits.take(db, rate_limit.sign_up_limits(ipv6_in("2001:db8:7:66::/64")))


@pytest.mark.parametrize(
    ("address", "client"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.5", "203.0.113.5"),  # an IPv4 client on a dual-stack socket
        (None, "unknown"),
    ],
)
def test_the_client_the_limits_count(address: str | None, client: str) -> None:
    assert counted_as(address) == client


def test_sign_ups_from_one_address_are_limited_to_ten_an_hour(db: Session) -> None:
    ip = "203.0.113.99"
    (limit,) = rate_limit.sign_up_limits(ip)
    for minutes, times in ((61, 20), (50, 5), (5, 3)):  # 61: before the hour
        at = utcnow() - timedelta(minutes=minutes)
        db.add_all(RateLimitAttempt(key=limit.key, succeeded=True, at=at) for _ in range(times))
    taken = new_email()
    assert sign_up(db, name="A", email=taken, password="long enough", ip=ip)
    # A sign-up refused because the email has an account counts too: it told what exists.
    assert sign_up(db, name="B", email=taken, password="long enough", ip=ip) is None

    late = new_email()
    with refused(Problem.SIGNUP_LIMITED) as caught:
        sign_up(db, name="C", email=late, password="long enough", ip=ip)
    assert users.get_by_email(db, late) is None
    # The five from 50 minutes ago leave the hour in ten minutes, which frees one sign-up.
    assert caught.value.retry_minutes == 10
    assert "Try again in 10 minutes" in str(caught.value)
    # Other addresses, and sign-ins from this one, are counted apart.
    assert sign_up(db, name="D", email=late, password="long enough", ip="203.0.113.10")
    assert _wait(db, rate_limit.sign_in_limits(new_email(), ip), utcnow()) == timedelta(0)


def test_a_parallel_burst_takes_no_more_attempts_than_the_limit(engine: Engine) -> None:
    """Thirty transactions at once, each taking an attempt and committing: the advisory lock
    lines them up, so exactly the free failures pass."""
    found = rate_limit.sign_in_limits(new_email(), "198.51.100.200")
    start = threading.Barrier(30)

    def attempt() -> bool:
        with Session(engine) as db:
            start.wait()
            try:
                limits.take(db, found)
            except limits.LimitReached:
                return False
            db.commit()
            return True

    with ThreadPoolExecutor(30) as pool:
        passed = sum(pool.map(lambda _: attempt(), range(30)))
    assert passed == rate_limit.FREE_FAILURES


def test_oauth_links_only_verified_emails(db: Session) -> None:
    email = new_email()
    existing = sign_up(db, name="Ida", email=email, password="long enough")
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
    squatter = sign_up(db, name="Mal", email=email, password="mal knows it")
    assert squatter is not None and not squatter.email_verified
    squatters_session = sessions.create_session(db, squatter)

    # ...then the email's owner arrives through a provider that verified it.
    owner = ProviderIdentity("google", unique("sub"), email, email_verified=True)
    account = accounts.oauth_sign_in(db, owner)
    assert account.id == squatter.id and account.email_verified
    assert account.password_hash is None
    assert sessions.resolve(db, squatters_session) is None
    assert sign_in(db, email=email, password="mal knows it") is None


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
    assert sign_in(db, email=email, password="ida knows it") is not None


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


def sign_in_from(
    app_url: str, address: str, email: str, password: str, forwarded_for: str | None = None
) -> httpx.Response:
    headers = {"Origin": app_url}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(transport=transport, timeout=60) as client:
        return client.post(
            f"{app_url}/auth/signin", data={"email": email, "password": password}, headers=headers
        )


def problem_of(response: httpx.Response) -> str:
    """ "signed in", or the problem code the sign-in was sent back to /signin with."""
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    if location.path == "/worlds":
        assert SESSION_COOKIE in response.cookies
        return "signed in"
    return parse_qs(location.query)["error"][0]


def test_strangers_failing_from_other_addresses_never_stop_the_owner(app_url: str) -> None:
    owner = new_account("Owner")
    sign_up_over_http(app_url, owner)
    answers = [
        problem_of(sign_in_from(app_url, stranger, owner.email, "a guess"))
        for stranger in (loopback_address() for _ in range(4))
        for _ in range(rate_limit.FREE_FAILURES + 2)
    ]
    assert answers.count("credentials") == 4 * rate_limit.FREE_FAILURES
    assert answers.count("rate_limited") == 4 * 2
    assert problem_of(sign_in_from(app_url, loopback_address(), owner.email, owner.password)) == (
        "signed in"
    )


def test_a_parallel_burst_of_sign_ins_cannot_pass_the_limit(app_url: str) -> None:
    target = new_account("Target")
    sign_up_over_http(app_url, target)
    address = loopback_address()
    with ThreadPoolExecutor(30) as pool:
        answers = list(
            pool.map(
                lambda _: problem_of(sign_in_from(app_url, address, target.email, "guess")),
                range(30),
            )
        )
    assert answers.count("credentials") == rate_limit.FREE_FAILURES, answers
    assert answers.count("rate_limited") == 30 - rate_limit.FREE_FAILURES


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(app_url: str) -> None:
    """The test stack trusts 127.2.0.0/24 as its proxies (DSF_TRUSTED_PROXIES)."""
    person = new_account("Person")
    sign_up_over_http(app_url, person)
    # A client that names a different address each time is still counted as itself.
    direct = loopback_address()
    answers = [
        problem_of(sign_in_from(app_url, direct, person.email, "guess", f"192.0.2.{n}"))
        for n in range(rate_limit.FREE_FAILURES + 1)
    ]
    assert answers[-1] == "rate_limited"
    # Through the proxy, each forwarded address is a client of its own...
    proxy = f"127.2.0.{secrets.randbelow(250) + 1}"
    clients = [f"198.51.100.{secrets.randbelow(250) + 1}", f"2001:db8::{secrets.token_hex(2)}"]
    for client in clients:
        for _ in range(rate_limit.FREE_FAILURES):
            forwarded = f"10.9.9.9, {client}"
            answer = problem_of(sign_in_from(app_url, proxy, person.email, "guess", forwarded))
            assert answer == "credentials"
    # ...and each is held back once it has failed its share.
    held = problem_of(sign_in_from(app_url, proxy, person.email, "guess", clients[0]))
    assert held == "rate_limited"


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),  # not a proxy: the header is ignored
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1, 10.0.0.7"], "198.51.100.1"),  # past both proxies
        ("10.0.0.2", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # header lines join
        ("10.0.0.2", ["10.0.0.3, 10.0.0.4"], "10.0.0.3"),  # only proxies: the farthest
        ("10.0.0.2", ["198.51.100.1, not-an-ip"], "10.0.0.2"),
        ("::1", ["2001:db8::5"], "2001:db8::5"),
        (None, ["198.51.100.1"], None),
    ],
)
def test_the_client_address_behind_trusted_proxies(
    peer: str | None, forwarded: list[str], client: str | None
) -> None:
    trusted = [ipaddress.ip_network("10.0.0.0/24"), ipaddress.ip_network("::1/128")]
    assert behind_proxies(peer, forwarded, trusted) == client


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
    emails = [new_email() for _ in range(rate_limit.SIGN_UPS_PER_CLIENT - 1)]
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
