"""Sign-in with Google (OpenID Connect) and GitHub against a local identity provider: the full
redirect flow, linking by verified email only (where the verified owner takes over an account
someone else may have signed up for), refused or forged `state`, and people kept apart.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from dsf_app.models import OAuthAccount, User
from dsf_app.services import users, worlds
from dsf_app.services.actor import Actor
from tests.accounts import (
    SESSION_COOKIE,
    new_account,
    path_is,
    sign_in_over_http,
    sign_up_in_browser,
    sign_up_over_http,
    use_session,
)
from tests.fakes.oidc_provider import FakeOIDCProvider, Person


def someone(name: str = "Grace Hopper", **changes: Any) -> Person:
    tag = uuid.uuid4().hex[:10]
    fields: dict[str, Any] = {
        "sub": str(uuid.uuid4().int % 10**12),  # numeric, as GitHub's ids are
        "email": f"oauth-{tag}@example.test",
        "name": name,
        **changes,
    }
    return Person(**fields)


def user_by_email(engine: Engine, email: str) -> User | None:
    with Session(engine) as db:
        return users.get_by_email(db, email)


def linked_accounts(engine: Engine, provider: str, account_id: str) -> list[OAuthAccount]:
    with Session(engine) as db:
        return list(
            db.exec(
                select(OAuthAccount).where(
                    OAuthAccount.provider == provider,
                    OAuthAccount.provider_account_id == account_id,
                )
            ).all()
        )


def continue_with(page: Page, app_url: str, provider_label: str, path: str = "/signin") -> None:
    page.goto(f"{app_url}{path}")
    page.get_by_role("link", name=f"Continue with {provider_label}").click()


def test_google_sign_in_creates_the_account_and_returns_where_the_person_was_going(
    page: Page, app_url: str, oidc_provider: FakeOIDCProvider, engine: Engine
) -> None:
    person = someone(picture="https://images.example.test/grace.png")
    oidc_provider.sign_in_as(person)
    page.goto(f"{app_url}/runs")
    expect(page).to_have_url(path_is(app_url, "/signin"))
    expect(page.locator("#oauth-google")).to_have_attribute(
        "href", "/auth/oauth/google/login?next=%2Fruns%2F"
    )
    page.get_by_role("link", name="Continue with Google").click()

    expect(page).to_have_url(path_is(app_url, "/runs"))
    expect(page.locator("#account-name")).to_have_text("Grace Hopper")
    user = user_by_email(engine, person.email or "")
    assert user is not None and user.email_verified and user.image == person.picture
    (link,) = linked_accounts(engine, "google", person.sub)
    assert link.user_id == user.id
    assert "access_token" not in link.tokens

    # The authorization request carried state, a nonce and a PKCE challenge, and asked for the
    # email; the provider exchanged the code only for the verifier that answers the challenge.
    authorize = next(r for r in oidc_provider.requests if r.path.startswith("/authorize"))
    query = authorize.body["query"]
    assert query["state"] and query["nonce"]
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    assert set(query["scope"].split()) == {"openid", "email", "profile"}


def test_verified_google_email_links_to_the_existing_email_account(
    browser: Browser, page: Page, app_url: str, oidc_provider: FakeOIDCProvider, engine: Engine
) -> None:
    # Whoever signed up with this email never proved it was theirs: it could be someone who
    # registered another person's address first, to keep a way in once its owner arrives.
    account = new_account("Katherine Johnson")
    sign_up_token = sign_up_over_http(app_url, account)
    before = user_by_email(engine, account.email)
    assert before is not None and not before.email_verified

    oidc_provider.sign_in_as(someone("K. Johnson", email=account.email.upper()))
    continue_with(page, app_url, "Google")
    expect(page).to_have_url(path_is(app_url, "/worlds"))
    # The same person as before: same account, same name.
    expect(page.locator("#account-name")).to_have_text("Katherine Johnson")
    after = user_by_email(engine, account.email)
    assert after is not None and after.id == before.id and after.email_verified
    with Session(engine) as db:
        links = db.exec(select(OAuthAccount).where(OAuthAccount.user_id == before.id)).all()
    assert [link.provider for link in links] == ["google"]

    # Next time, the linked Google account signs the same person in, whatever its email says now.
    sub = links[0].provider_account_id
    oidc_provider.sign_in_as(someone(sub=sub, email=f"changed-{account.email}"))
    other = browser.new_context()
    try:
        again = other.new_page()
        continue_with(again, app_url, "Google")
        expect(again.locator("#account-name")).to_have_text("Katherine Johnson")
    finally:
        other.close()

    # The verified owner now holds the account alone: the password chosen at sign-up no longer
    # signs in, and the session started at sign-up has ended.
    assert after.password_hash is None
    refused = sign_in_over_http(app_url, account.email, account.password)
    assert "error=credentials" in refused.headers["location"]
    assert SESSION_COOKIE not in refused.cookies
    stale = browser.new_context()
    try:
        use_session(stale, app_url, sign_up_token)
        stale_page = stale.new_page()
        stale_page.goto(f"{app_url}/worlds")
        expect(stale_page).to_have_url(path_is(app_url, "/signin"))
    finally:
        stale.close()
    # The owner's own session, started through Google, goes on.
    page.reload()
    expect(page.locator("#account-name")).to_have_text("Katherine Johnson")


def test_linking_github_to_a_verified_account_ends_no_session(
    browser: Browser, page: Page, app_url: str, oidc_provider: FakeOIDCProvider, engine: Engine
) -> None:
    person = someone("Dorothy Vaughan")
    oidc_provider.sign_in_as(person)
    continue_with(page, app_url, "Google")
    expect(page.locator("#account-name")).to_have_text("Dorothy Vaughan")

    oidc_provider.sign_in_as(someone("dvaughan", email=person.email))
    other = browser.new_context()
    try:
        on_github = other.new_page()
        continue_with(on_github, app_url, "GitHub")
        expect(on_github.locator("#account-name")).to_have_text("Dorothy Vaughan")
    finally:
        other.close()
    user = user_by_email(engine, person.email or "")
    assert user is not None
    with Session(engine) as db:
        links = db.exec(select(OAuthAccount).where(OAuthAccount.user_id == user.id)).all()
    assert sorted(link.provider for link in links) == ["github", "google"]
    # The email was verified already, so linking another provider takes nothing from anyone.
    page.reload()
    expect(page.locator("#account-name")).to_have_text("Dorothy Vaughan")


def test_an_unverified_email_never_links_or_creates_an_account(
    page: Page, app_url: str, oidc_provider: FakeOIDCProvider, engine: Engine
) -> None:
    account = new_account()
    sign_up_over_http(app_url, account)
    impostor = someone(email=account.email, email_verified=False)
    oidc_provider.sign_in_as(impostor)
    continue_with(page, app_url, "Google")

    expect(page).to_have_url(path_is(app_url, "/signin"))
    expect(page.locator("#signin-problem")).to_contain_text(
        "Your Google account has no verified email address"
    )
    assert linked_accounts(engine, "google", impostor.sub) == []
    assert SESSION_COOKIE not in {c.get("name") for c in page.context.cookies()}

    stranger = someone(email_verified=False)
    oidc_provider.sign_in_as(stranger)
    continue_with(page, app_url, "Google")
    expect(page.locator("#signin-problem")).to_contain_text("no verified email address")
    assert user_by_email(engine, stranger.email or "") is None


def test_a_forged_or_missing_state_is_refused(
    page: Page, app_url: str, oidc_provider: FakeOIDCProvider
) -> None:
    # A real flow, over HTTP, up to the provider's answer...
    person = someone()
    oidc_provider.sign_in_as(person)
    with httpx.Client(base_url=app_url) as browser_a:
        to_provider = browser_a.get("/auth/oauth/google/login")
        assert to_provider.status_code == 302
        back = httpx.get(to_provider.headers["location"])
        callback = urlsplit(back.headers["location"])
        answer = parse_qs(callback.query)
        code, state = answer["code"][0], answer["state"][0]

        # ...whose state is swapped for another: refused, and the code is not spent.
        forged = browser_a.get(
            "/auth/oauth/google/callback", params={"code": code, "state": "forged-state"}
        )
        assert forged.status_code == 303
        assert parse_qs(urlsplit(forged.headers["location"]).query)["error"] == ["oauth_state"]
        assert SESSION_COOKIE not in forged.cookies

    # The genuine answer replayed in another browser (without the first one's cookie): refused.
    with httpx.Client(base_url=app_url) as browser_b:
        stolen = browser_b.get("/auth/oauth/google/callback", params={"code": code, "state": state})
        assert "error=oauth_state" in stolen.headers["location"]
        assert SESSION_COOKIE not in stolen.cookies

    # In the browser, a callback without any state shows what happened and what to do.
    page.goto(f"{app_url}/auth/oauth/google/callback?code=made-up")
    expect(page).to_have_url(path_is(app_url, "/signin"))
    expect(page.locator("#signin-problem")).to_have_text(
        "The sign-in could not be verified: it expired or did not start in this browser. "
        "Start again with the button below."
    )
    page.goto(f"{app_url}/auth/oauth/google/callback?code=made-up&state=forged")
    expect(page.locator("#signin-problem")).to_contain_text("could not be verified")


def test_a_code_from_someone_elses_sign_in_does_not_sign_in(
    app_url: str, oidc_provider: FakeOIDCProvider, engine: Engine
) -> None:
    """PKCE: a code that leaked from someone's GitHub sign-in (a log, a referrer), brought to
    the callback by another browser with that browser's own state, is worth nothing: the code
    was asked for with the first browser's challenge, and only its verifier redeems it."""
    victim = someone("Victim")
    oidc_provider.sign_in_as(victim)
    with httpx.Client(base_url=app_url) as victims_browser:
        to_github = victims_browser.get("/auth/oauth/github/login")
        back = httpx.get(to_github.headers["location"])
        code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]

    with httpx.Client(base_url=app_url) as thief:
        own_start = urlsplit(thief.get("/auth/oauth/github/login").headers["location"])
        own_state = parse_qs(own_start.query)["state"][0]
        answer = thief.get("/auth/oauth/github/callback", params={"code": code, "state": own_state})
    sent_to = urlsplit(answer.headers["location"])
    assert (sent_to.path, parse_qs(sent_to.query).get("error")) == ("/signin", ["oauth_refused"])
    assert SESSION_COOKIE not in answer.cookies
    assert user_by_email(engine, victim.email or "") is None
    authorize = parse_qs(urlsplit(to_github.headers["location"]).query)
    assert authorize["code_challenge_method"] == ["S256"] and authorize["code_challenge"]


def test_a_sign_in_the_provider_refuses_says_so(
    page: Page, app_url: str, oidc_provider: FakeOIDCProvider
) -> None:
    oidc_provider.refuse_next_sign_in()
    continue_with(page, app_url, "Google")
    expect(page.locator("#signin-problem")).to_have_text(
        "Google did not complete the sign-in. Try again, or use your email and password."
    )


def test_github_signs_in_with_its_primary_verified_email(
    page: Page, app_url: str, oidc_provider: FakeOIDCProvider, engine: Engine
) -> None:
    person = someone(
        "Margaret Hamilton",
        extra_emails=({"email": "old@example.test", "primary": False, "verified": True},),
    )
    oidc_provider.sign_in_as(person)
    continue_with(page, app_url, "GitHub")
    expect(page).to_have_url(path_is(app_url, "/worlds"))
    expect(page.locator("#account-name")).to_have_text("Margaret Hamilton")
    (link,) = linked_accounts(engine, "github", person.sub)
    user = user_by_email(engine, person.email or "")
    assert user is not None and link.user_id == user.id


def test_github_without_a_verified_primary_email_is_refused(
    page: Page, app_url: str, oidc_provider: FakeOIDCProvider, engine: Engine
) -> None:
    account = new_account()
    sign_up_over_http(app_url, account)
    person = someone(
        email=account.email,
        email_verified=False,
        extra_emails=({"email": "other@example.test", "primary": False, "verified": True},),
    )
    oidc_provider.sign_in_as(person)
    continue_with(page, app_url, "GitHub")
    expect(page.locator("#signin-problem")).to_contain_text(
        "Your GitHub account has no verified email address"
    )
    assert linked_accounts(engine, "github", person.sub) == []


def test_a_second_person_sees_neither_the_first_ones_session_nor_world(
    browser: Browser, page: Page, app_url: str, oidc_provider: FakeOIDCProvider, engine: Engine
) -> None:
    first = someone("First Person")
    oidc_provider.sign_in_as(first)
    continue_with(page, app_url, "Google")
    expect(page.locator("#account-name")).to_have_text("First Person")
    first_user = user_by_email(engine, first.email or "")
    assert first_user is not None
    with Session(engine) as db:
        world_id = worlds.create_world(db, Actor.of(first_user), "Private Tidewater").id
        db.commit()

    other = browser.new_context()
    try:
        second_page = other.new_page()
        second = new_account("Second Person")
        sign_up_in_browser(second_page, app_url, second)
        first_token = next(
            c.get("value") for c in page.context.cookies() if c.get("name") == SESSION_COOKIE
        )
        second_cookies = {c.get("name"): c.get("value") for c in other.cookies()}
        assert second_cookies[SESSION_COOKIE] != first_token
        expect(second_page.locator("#account-name")).to_have_text("Second Person")

        second_page.goto(f"{app_url}/worlds/{world_id}")
        expect(second_page.get_by_text("World not found")).to_be_visible()
        expect(second_page.get_by_text("Private Tidewater")).to_have_count(0)
        expect(second_page.get_by_text("First Person")).to_have_count(0)
    finally:
        other.close()
    # The first person is still signed in as themselves.
    page.reload()
    expect(page.locator("#account-name")).to_have_text("First Person")


def test_a_provider_that_is_not_configured_is_refused(app_url: str) -> None:
    response = httpx.get(f"{app_url}/auth/oauth/facebook/login", params={"next": "/runs"})
    assert response.status_code == 303
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["oauth_unavailable"] and query["next"] == ["/runs"]
