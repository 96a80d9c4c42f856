"""Every page and every dialog through axe-core and a sideways-scroll check (tests/harness/axe.py),
in Chromium against the app as it ships, at a laptop's width and a phone's, with the data a
person has after months of use (tests/lived_in.py): a long branching story, an imported
lorebook, runs with many steps and a delegation, collaborators, images.

One tour signs up, seeds, and visits each route the app registers; it fails if any route was
not visited, and on any moderate, serious or critical violation or sideways scroll, listing
each with its rule, where, and the elements. axe is injected by an init script (DevTools), so
the app's Content-Security-Policy stays on. Both widths are checked on one page load: the
layouts follow the window's width through CSS, so resizing shows what a phone shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

import dsf_app.dsf_app
from dsf_app.pages import (
    account,
    analytics,
    codex_entry,
    gallery,
    runs,
    search,
    signin,
    source,
    story,
    trajectory,
    world,
    worlds,
)
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage
from tests.accounts import new_account, sign_up_over_http, use_session
from tests.e2e_helpers import actor_of
from tests.harness.axe import LAPTOP, Violation, axe_script, check
from tests.lived_in import LivedIn, seed

pytestmark = pytest.mark.usefixtures("dsf_in_process")


@pytest.fixture(scope="module")
def axe_js(test_settings: Settings) -> Path:
    return axe_script(test_settings.tools_dir)


@pytest.fixture
def axe_page(browser: Browser, axe_js: Path) -> Iterator[Page]:
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(20_000)
    context.add_init_script(path=str(axe_js))
    yield context.new_page()
    context.close()


def app_routes() -> set[str]:
    """Every route the app registers, as the page modules write them (Reflex keys "/" as
    "index"; `_unevaluated_pages` is where Reflex 0.10 keeps `add_page`'s routes)."""
    return {"/" if key == "index" else f"/{key}" for key in dsf_app.dsf_app.app._unevaluated_pages}


class Tour:
    """One page going from route to route, checking what it shows; it remembers each route it
    went to."""

    def __init__(self, page: Page, app_url: str) -> None:
        self.page, self.app_url = page, app_url
        self.found: list[Violation] = []
        self.routes: set[str] = set()

    def go(self, route: str, **ids: object) -> None:
        path = re.sub(r"\[(\w+)\]", lambda part: str(ids[part.group(1)]), route)
        self.page.goto(f"{self.app_url}{path}")
        self.routes.add(route)

    def check(self, where: str) -> None:
        self.found += check(self.page, where)

    def tab(self, name: str | re.Pattern[str], where: str) -> None:
        tab = self.page.get_by_role("tab", name=name)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        self.check(where)

    def dialog(
        self, opener: Locator, where: str, role: Literal["dialog", "alertdialog"] = "dialog"
    ) -> None:
        """Open a dialog, check the page with it open, and close it as a person would: Escape,
        or "Keep it" when it asks before deleting."""
        opener.click()
        shown = self.page.get_by_role(role)
        expect(shown).to_be_visible()
        self.check(where)
        if role == "alertdialog":
            shown.get_by_role("button", name="Keep it").click()
        else:
            self.page.keyboard.press("Escape")
        expect(shown).to_have_count(0)


def _signed_out(tour: Tour) -> None:
    page = tour.page
    tour.go(signin.ROUTE)
    expect(page.locator("#signin-form")).to_be_visible()
    tour.check("sign in")
    tour.tab("Create account", "create an account")


def _worlds(tour: Tour) -> None:
    page, cards = tour.page, tour.page.locator("#world-cards .dsf-world-link")
    tour.go("/")
    expect(cards).to_have_count(2)
    expect(page.locator(".chat-assistant").last).to_contain_text("crowded at dawn")
    tour.check("worlds")
    tour.dialog(page.locator("#new-world"), "worlds: new world dialog")
    tour.dialog(
        page.get_by_role("button", name="Delete Saltwater"),
        "worlds: delete a world dialog",
        "alertdialog",
    )
    tour.go(worlds.ROUTE)
    page.get_by_role("tab", name="Explore").click()
    # Other tests' public worlds may be listed too.
    expect(cards.filter(has_text="Far Shore")).to_be_visible()
    tour.check("explore")


def _world(tour: Tour, data: LivedIn) -> None:
    page = tour.page
    tour.go(world.ROUTE, world_id=data.world)
    expect(page.locator("#world-name")).to_have_text("Saltwater")
    expect(page.locator(".chat-assistant").last).to_contain_text("crowded at dawn")
    expect(page.locator("#canvas [data-canvas-type='Timeline']")).to_be_visible()
    tour.check("world: foundation, with a canvas of every type")
    tour.dialog(page.get_by_role("button", name="Edit premise"), "world: foundation editor")

    tour.tab(re.compile(r"^Stories"), "world: stories")
    tour.dialog(page.locator(".dsf-edit-story").first, "world: story details dialog")
    tour.dialog(
        page.locator(".dsf-delete-story").first, "world: delete a story dialog", "alertdialog"
    )

    page.get_by_role("tab", name=re.compile(r"^Codex")).click()
    expect(page.locator(".dsf-codex-entry[data-pinned='true']").first).to_be_visible()
    expect(page.locator(".dsf-codex-entry[data-excluded='true']").first).to_be_visible()
    expect(page.locator(".dsf-codex-suggestion")).to_have_count(1)
    tour.check("world: codex")
    tour.dialog(page.locator("#codex-new"), "world: new codex entry dialog")

    tour.tab(re.compile(r"^Sources"), "world: sources")
    tour.dialog(
        page.locator(".dsf-delete-source").first, "world: delete a source dialog", "alertdialog"
    )

    tour.tab("History", "world: history")
    page.get_by_label("From version").select_option("1")
    tour.dialog(page.locator("#restore-version"), "world: restore a version dialog")
    tour.tab("Sharing", "world: sharing")
    expect(page.locator(".dsf-collaborator")).to_have_count(1)
    expect(page.locator(".dsf-invitation")).to_have_count(1)

    tour.go(world.ROUTE, world_id=data.overlay_world)
    overlay = page.get_by_role("dialog")
    expect(overlay.locator("[data-canvas-type='Timeline']")).to_be_visible()
    tour.check("world: the agent's overlay")
    page.keyboard.press("Escape")
    expect(overlay).to_have_count(0)


def _codex_entry(tour: Tour, data: LivedIn) -> None:
    page = tour.page
    tour.go(codex_entry.ROUTE, world_id=data.world, entry_id=data.entry)
    expect(page.locator("#entry-name")).to_have_text("Mira Okonkwo")
    expect(page.locator(".dsf-entry-link-row")).to_have_count(2)
    expect(page.locator(".dsf-appears-segment").first).to_be_visible()
    tour.check("codex entry")
    tour.dialog(page.locator("#edit-entry"), "codex entry: editor")
    tour.dialog(
        page.get_by_role("button", name="Delete", exact=True),
        "codex entry: delete dialog",
        "alertdialog",
    )


def _source(tour: Tour, data: LivedIn) -> None:
    page = tour.page
    tour.go(source.ROUTE, world_id=data.world, source_id=data.source)
    expect(page.locator("#source-title")).to_have_text("Harbour Records")
    expect(page.locator(".dsf-passage").first).to_be_visible()
    tour.check("source reader")


def _reader(tour: Tour, data: LivedIn) -> None:
    page = tour.page
    tour.go(story.ROUTE, world_id=data.world, story_id=data.story)
    expect(page.locator(".dsf-segment")).to_have_count(data.parts)
    expect(page.locator(".dsf-fork")).to_have_count(1)
    tour.check("reader: a long story with a branch")
    tour.dialog(
        page.get_by_role("button", name="Edit part 1", exact=True), "reader: edit a part dialog"
    )
    tour.dialog(
        page.locator(".dsf-delete-part").first, "reader: delete a part dialog", "alertdialog"
    )
    tour.dialog(page.locator("#delete-story"), "reader: delete the story dialog", "alertdialog")
    tour.dialog(page.locator("#edit-story"), "reader: story details dialog")
    tour.go(story.ROUTE, world_id=data.world, story_id=data.scene_story)
    expect(page.locator(".dsf-segment-scene [data-canvas-type]").first).to_be_visible()
    tour.check("reader: a scene of every canvas type")
    tour.dialog(
        page.locator(".dsf-segment-scene").get_by_role("button", name="Read the log"),
        "reader: a scene's dialog",
    )


def _galleries(tour: Tour, data: LivedIn) -> None:
    page = tour.page
    tour.go(gallery.ROUTE, world_id=data.world)
    expect(page.locator(".dsf-gallery-item")).to_have_count(1)
    tour.check("world gallery")
    tour.dialog(page.locator(".dsf-gallery-item button").first, "world gallery: lightbox")
    tour.dialog(
        page.locator(".dsf-gallery-delete").first,
        "world gallery: delete an image dialog",
        "alertdialog",
    )
    tour.go(gallery.MY_IMAGES_ROUTE)
    expect(page.locator(".dsf-gallery-item")).to_have_count(1)
    tour.check("my images")


def _runs(tour: Tour, data: LivedIn) -> None:
    page = tour.page
    tour.go(runs.ROUTE)
    expect(page.locator(".run-row").first).to_be_visible()
    tour.check("runs")
    tour.go(trajectory.ROUTE, run_id=data.run)
    steps = page.locator("#trajectory .dsf-step")
    expect(steps.filter(has_text="image_generator")).to_have_count(1)
    # Every step opened, as a person reading them all would: arguments, results and text show.
    for summary in page.locator("#trajectory summary").all():
        summary.click()
    expect(page.locator(".dsf-step-detail").first).to_be_visible()
    tour.check("trajectory: every step open")
    tour.go(analytics.ROUTE)
    expect(page.locator("#chart-turns")).to_be_visible()
    tour.check("analytics")


def _search(tour: Tour) -> None:
    page = tour.page
    tour.go(search.ROUTE)
    page.locator("#everything-search").fill("the engineer who runs the kelp turbines")
    page.locator("#everything-search").press("Enter")
    expect(page.locator("#search-entries .dsf-search-hit").first).to_be_visible()
    tour.check("search with results")


def _account(tour: Tour, email: str) -> None:
    page = tour.page
    tour.go(account.ROUTE)
    expect(page.locator("#account-email")).to_have_text(email)
    tour.check("account")
    tour.dialog(page.locator("#delete-account"), "account: delete dialog")


def test_every_page_and_dialog_passes_axe_with_real_data(
    axe_page: Page, app_url: str, storage: AssetStorage
) -> None:
    tour = Tour(axe_page, app_url)
    _signed_out(tour)
    person = new_account()
    use_session(axe_page.context, app_url, sign_up_over_http(app_url, person))
    data = seed(actor_of(person), storage)
    _worlds(tour)
    _world(tour, data)
    _codex_entry(tour, data)
    _source(tour, data)
    _reader(tour, data)
    _galleries(tour, data)
    _runs(tour, data)
    _search(tour)
    _account(tour, person.email)

    failing = [v for v in tour.found if v.fails]
    report = "\n".join(str(v) for v in failing)
    below = "\n".join(str(v) for v in tour.found if not v.fails)
    print(f"{report}\n-- minor, for the record --\n{below}")
    unvisited = sorted(app_routes() - tour.routes)
    problems = [f"Routes the tour never checked: {', '.join(unvisited)}"] if unvisited else []
    if failing:
        problems.append(f"{len(failing)} accessibility violations:\n{report}")
    assert not problems, "\n".join(problems)
