"""The Runs page in Chromium: a person searches their runs by meaning (Enter or the button), sees
the nearest first and nobody else's, clears back to the newest-first list — by keyboard too, and
at a phone's width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from dsf_app.db import session_scope
from dsf_app.models import AgentKind
from dsf_app.services import runs
from dsf_app.services.actor import Actor
from tests.accounts import Account, new_account, sign_up_in_browser
from tests.e2e_helpers import actor_of, horizontal_overflow

pytestmark = pytest.mark.usefixtures("dsf_in_process")

TURNS = [
    (
        "Draft a world whose coastal cities live on desalination plants.",
        "Done: Brinewater. The brine the plants pour back has left dead zones along every coast.",
    ),
    (
        "How did the fusion reactors on the Moon change politics?",
        "Helium-3 mining gave the lunar colonies leverage over Earth's energy markets.",
    ),
    (
        "Write a short poem about autumn leaves for the opening scene.",
        "The leaves fell red and gold over the quiet station.",
    ),
]


def seed_runs(actor: Actor, turns: list[tuple[str, str]]) -> None:
    with session_scope() as session:
        for prompt, reply in turns:
            run = runs.start_run(session, actor, AgentKind.USER, None, "agent-e2e")
            runs.finish_run(session, actor, run.id, "end_turn", prompt=prompt, reply=reply)


def test_search_runs_by_meaning_then_clear(
    signed_in_page: Page, app_url: str, account: Account, browser: Browser
) -> None:
    other = new_account("Other Person")
    context = browser.new_context()
    sign_up_in_browser(context.new_page(), app_url, other)
    context.close()
    seed_runs(actor_of(other), [("Desalination secrets of the other person.", "Brine.")])
    seed_runs(actor_of(account), TURNS)

    page = signed_in_page
    page.goto(f"{app_url}/runs")
    rows = page.locator(".run-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("autumn leaves")  # newest first

    box = page.get_by_label("Search your runs by meaning")
    box.fill("salt water purification")
    box.press("Enter")
    expect(page.locator("#run-search-caption")).to_contain_text("salt water purification")
    expect(rows.first).to_contain_text("desalination plants")
    expect(page.get_by_text("other person")).to_have_count(0)

    box.fill("autumn poetry")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#run-search-caption")).to_contain_text("autumn poetry")
    expect(rows.first).to_contain_text("autumn leaves")

    box.fill("tax accounting software")
    box.press("Enter")
    expect(page.get_by_text("No runs match")).to_be_visible()
    expect(rows).to_have_count(0)

    # Keyboard only: from the box, Tab reaches Search, then Clear; Enter clears.
    box.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    clear = page.get_by_role("button", name="Clear")
    expect(clear).to_be_focused()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("autumn leaves")
    expect(box).to_have_value("")
    expect(clear).to_have_count(0)


def test_search_fits_a_phone(signed_in_page: Page, app_url: str, account: Account) -> None:
    seed_runs(actor_of(account), TURNS[:2])
    page = signed_in_page
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{app_url}/runs")
    expect(page.locator(".run-row")).to_have_count(2)
    box = page.get_by_label("Search your runs by meaning")
    box.fill("energy from nuclear fusion")
    box.press("Enter")
    expect(page.locator(".run-row").first).to_contain_text("fusion reactors on the Moon")
    expect(page.get_by_role("button", name="Clear")).to_be_visible()
    assert horizontal_overflow(page) == 0
    page.get_by_role("button", name="Clear").click()
    expect(page.locator(".run-row")).to_have_count(2)
