"""The app, started as it ships, serves its pages to Chromium and reports its health; every page
but /signin asks a signed-out visitor to sign in."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.accounts import Account, fill_sign_in, new_account, path_is, sign_up_over_http


def test_health_reports_every_service(app_url: str) -> None:
    body = httpx.get(f"{app_url}/health").json()
    assert body["ok"] is True
    assert set(body["services"]) == {"database", "s3", "letta"}


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/worlds", "No worlds yet"),
        ("/runs", "No runs yet"),
        ("/worlds/00000000-0000-0000-0000-000000000000", "World not found"),
    ],
)
def test_page_loads_for_a_signed_in_person(
    signed_in_page: Page, app_url: str, path: str, text: str
) -> None:
    page = signed_in_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}{path}")
    expect(page.get_by_text(text).first).to_be_visible()
    assert errors == []


def test_signin_page_loads(page: Page, app_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}/signin")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert errors == []


def test_signed_out_visit_goes_to_signin_and_back(page: Page, app_url: str) -> None:
    account = new_account()
    sign_up_over_http(app_url, account)
    page.goto(f"{app_url}/worlds")
    expect(page).to_have_url(path_is(app_url, "/signin"))
    expect(page.get_by_text("No worlds yet")).to_have_count(0)

    fill_sign_in(page, account.email, account.password)
    expect(page).to_have_url(path_is(app_url, "/worlds"))
    expect(page.get_by_text("No worlds yet")).to_be_visible()


@pytest.mark.parametrize("path", ["/worlds", "/signin"])
def test_pages_fit_a_phone(signed_in_page: Page, app_url: str, account: Account, path: str) -> None:
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    if path == "/signin":
        page.context.clear_cookies()
    page.goto(f"{app_url}{path}")
    marker = "No worlds yet" if path == "/worlds" else "Create account"
    expect(page.get_by_text(marker).first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
