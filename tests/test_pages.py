"""The app, started as it ships, serves its pages to Chromium and reports its health."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect


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
        ("/signin", "Sign in"),
    ],
)
def test_page_loads(page: Page, app_url: str, path: str, text: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}{path}")
    expect(page.get_by_text(text).first).to_be_visible()
    assert errors == []


def test_pages_fit_a_phone(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{app_url}/worlds")
    expect(page.get_by_text("No worlds yet")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
