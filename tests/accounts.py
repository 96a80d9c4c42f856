"""People for the browser tests: unique accounts, signed up or in through the sign-in page (as a
person would) or over HTTP (when the test is about something else and speed matters)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.mailbox import Mailbox, link_in

SESSION_COOKIE = "dsf_session"


@dataclass(frozen=True)
class Account:
    name: str
    email: str
    password: str


def new_account(name: str = "Ada Lovelace") -> Account:
    tag = uuid.uuid4().hex[:10]
    return Account(name=name, email=f"person-{tag}@example.test", password=f"pw-{tag}-long")


def path_is(app_url: str, path: str) -> re.Pattern[str]:
    """Matches the page URL `app_url + path`, with or without a trailing slash (the static pages
    are served from folders) and a query string."""
    return re.compile(rf"^{re.escape(app_url + path.rstrip('/'))}/?(\?.*)?$")


def sign_up_in_browser(page: Page, app_url: str, account: Account) -> None:
    page.goto(f"{app_url}/signin?mode=signup")
    form = page.locator("#signup-form")
    expect(form).to_be_visible()
    form.get_by_label("Name").fill(account.name)
    form.get_by_label("Email").fill(account.email)
    form.get_by_label("Password").fill(account.password)
    form.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(path_is(app_url, "/worlds"))
    expect(page.locator("#account-name")).to_have_text(account.name)


def fill_sign_in(page: Page, email: str, password: str) -> None:
    """Fill and send the sign-in form of the /signin page that is open."""
    form = page.locator("#signin-form")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()


def sign_up_over_http(app_url: str, account: Account) -> str:
    """Create the account through POST /auth/signup; returns the session token it set."""
    response = httpx.post(
        f"{app_url}/auth/signup",
        data={"name": account.name, "email": account.email, "password": account.password},
        headers={"Origin": app_url},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/worlds"
    return response.cookies[SESSION_COOKIE]


def sign_in_over_http(
    app_url: str, email: str, password: str, next_path: str = ""
) -> httpx.Response:
    return httpx.post(
        f"{app_url}/auth/signin",
        data={"email": email, "password": password, "next": next_path},
        headers={"Origin": app_url},
    )


def use_session(context: BrowserContext, app_url: str, token: str) -> None:
    """Give a browser context the session cookie, as the sign-in response would have."""
    context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": token,
                "url": app_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def verify_in_browser(page: Page, app_url: str, mailbox: Mailbox, account: Account) -> None:
    """Follow the verification link of `account`'s sign-up mail in `page`, whose browser is
    signed in as that account (as the person does, from their inbox)."""
    page.goto(link_in(mailbox.wait_for(account.email, "Verify your email address")))
    expect(page).to_have_url(path_is(app_url, "/account"))
    expect(page.locator("#verify-banner")).to_have_count(0)


def signed_up(page: Page, app_url: str, account: Account) -> None:
    """`account` signed up over HTTP, its session given to `page`'s browser, which opens /worlds:
    for the tests about something else (the sign-up form has tests of its own)."""
    use_session(page.context, app_url, sign_up_over_http(app_url, account))
    page.goto(f"{app_url}/worlds")
    expect(page.locator("#account-name")).to_have_text(account.name)
