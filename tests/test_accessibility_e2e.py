"""Every page through axe-core (tests/harness/axe.py), in Chromium against the app as it ships, at
a laptop's width and a phone's: signed out (sign in, create an account) and signed in (worlds and
explore, a world with each tab, the reader, a world's gallery and My images, runs, the account
page, and the dialogs that ask before deleting or restoring). Any serious or critical violation,
or a page without a `main` landmark or with content outside the landmarks, fails the test; the
failure lists every violation with its rule id, where, and the elements.

The pages hold content as a person would see it: a world with a branching story and a saved
scene, images, a conversation with tool calls, and a finished run. axe is injected by an init
script (DevTools), so the app's Content-Security-Policy stays on."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from dsf_app.db import session_scope
from dsf_app.models import AgentKind, Visibility
from dsf_app.services import asset_files, chat, runs, stories
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage
from tests.accounts import Account, new_account, sign_up_over_http, use_session
from tests.e2e_helpers import actor_of
from tests.factories import make_actor, make_world
from tests.harness.axe import LAPTOP, Violation, axe_script, check
from tests.test_canvas_e2e import every_type
from tests.test_security_headers_e2e import PNG
from tests.test_story_reader_e2e import open_story, seed_branching_story

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


def _verdict(found: list[Violation]) -> None:
    failing = [v for v in found if v.fails]
    others = [v for v in found if not v.fails]
    report = "\n".join(str(v) for v in failing)
    if others:
        report += "\n-- below the bar (moderate or minor), for the record --\n"
        report += "\n".join(str(v) for v in others)
    print(report)
    assert not failing, f"{len(failing)} accessibility violations:\n{report}"


def _store_image(
    actor: Actor, storage: AssetStorage, world_id: uuid.UUID | None, text: str
) -> None:
    put = asset_files.put_image(actor, storage, PNG, "image/png", world_id=world_id, name=text)
    # In a thread of its own: Playwright's sync API keeps an event loop on this one.
    with ThreadPoolExecutor(1) as pool:
        stored = pool.submit(asyncio.run, put).result()
    with session_scope() as session:
        asset_files.record_image(session, actor, stored, world_id=world_id, description=text)


@dataclass(frozen=True)
class Seeded:
    world: str
    story: str
    scene_story: str


def _seed(actor: Actor, storage: AssetStorage) -> Seeded:
    """A world with a branching story and a story whose part holds a scene of every canvas
    type, images in its gallery and in My images, a conversation with its World Agent and with
    the User Agent, one finished run, and someone else's public world to explore."""
    world_key, story_key = seed_branching_story(actor)
    world_id = uuid.UUID(world_key)
    with session_scope() as session:
        make_world(session, make_actor(session, "Grace"), "Far Shore", Visibility.PUBLIC)
        scenes = stories.create_story(session, actor, world_id, "Scenes", "Every canvas part.")
        stories.add_segment(
            session,
            actor,
            scenes.id,
            "The log",
            "The keeper opened the log.",
            ui_components=[every_type(uuid.uuid4().hex[:6])],
        )
        scene_story = str(scenes.id)
        for where in (world_id, None):
            chat.append_message(session, actor, where, "user", "Show me the harbour.")
            chat.append_message(
                session,
                actor,
                where,
                "assistant",
                "",
                "tool_call",
                tool_call_id=f"call-{uuid.uuid4().hex}",
                tool_name="world_manager",
                tool_args={"operation": "get"},
                tool_result='{"name": "Saltwater"}',
                tool_status="success",
            )
            chat.append_message(
                session,
                actor,
                where,
                "assistant",
                "The **harbour** is crowded at dawn.",
                "assistant",
            )
        run = runs.start_run(session, actor, AgentKind.WORLD, world_id, "agent-a11y")
        runs.finish_run(
            session,
            actor,
            run.id,
            "end_turn",
            steps=2,
            tool_calls=[{"name": "world_manager", "args": "{}", "status": "success"}],
            prompt="Show me the harbour.",
            reply="The harbour is crowded at dawn.",
        )
    _store_image(actor, storage, world_id, "Boats crowding the harbour at dawn")
    _store_image(actor, storage, None, "A lighthouse keeper by lamplight")
    return Seeded(world_key, story_key, scene_story)


def test_signed_out_pages_pass_axe(axe_page: Page, app_url: str) -> None:
    page, found = axe_page, []
    page.goto(f"{app_url}/signin")
    expect(page.locator("#signin-form")).to_be_visible()
    found += check(page, "sign in")
    page.get_by_role("tab", name="Create account").click()
    expect(page.locator("#signup-form")).to_be_visible()
    found += check(page, "create an account")
    _verdict(found)


def test_signed_in_pages_pass_axe(axe_page: Page, app_url: str, storage: AssetStorage) -> None:
    page, found = axe_page, []
    account: Account = new_account()
    use_session(page.context, app_url, sign_up_over_http(app_url, account))
    seeded = _seed(actor_of(account), storage)
    world_id = seeded.world

    page.goto(f"{app_url}/worlds")
    expect(page.locator("#world-cards .dsf-world-link")).to_have_count(1)
    expect(page.locator(".chat-assistant").last).to_contain_text("crowded at dawn")
    found += check(page, "worlds")
    page.get_by_role("tab", name="Explore").click()
    # Other tests' public worlds may be listed too.
    expect(
        page.locator("#world-cards .dsf-world-link").filter(has_text="Far Shore")
    ).to_be_visible()
    found += check(page, "explore")

    page.goto(f"{app_url}/worlds/{world_id}")
    expect(page.locator("#world-name")).to_have_text("Saltwater")
    expect(page.locator(".chat-assistant").last).to_contain_text("crowded at dawn")
    found += check(page, "world: foundation")
    for tab in ("Stories (2)", "History", "Sharing"):
        page.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
        found += check(page, f"world: {tab}")
    page.get_by_role("tab", name="Stories (2)").click()
    page.locator(".dsf-edit-story").first.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    found += check(page, "world: story details dialog")
    page.keyboard.press("Escape")

    open_story(page, app_url, world_id, seeded.story)
    expect(page.locator(".dsf-segment")).to_have_count(4)
    found += check(page, "reader")
    page.locator(".dsf-delete-part").first.click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    found += check(page, "reader: delete a part dialog")
    page.keyboard.press("Escape")
    page.goto(f"{app_url}/worlds/{world_id}/stories/{seeded.scene_story}")
    expect(page.locator(".dsf-segment-scene [data-canvas-type]").first).to_be_visible()
    found += check(page, "reader: a scene of every canvas type")

    page.goto(f"{app_url}/worlds/{world_id}/gallery")
    expect(page.locator(".dsf-gallery-item")).to_have_count(1)
    found += check(page, "world gallery")
    page.goto(f"{app_url}/images")
    expect(page.locator(".dsf-gallery-item")).to_have_count(1)
    found += check(page, "my images")
    page.locator(".dsf-gallery-item button").first.click()
    expect(page.locator("#gallery-lightbox")).to_be_visible()
    found += check(page, "my images: lightbox")
    page.keyboard.press("Escape")

    page.goto(f"{app_url}/runs")
    expect(page.locator(".run-row")).to_have_count(1)
    found += check(page, "runs")
    page.goto(f"{app_url}/account")
    expect(page.locator("#account-email")).to_have_text(account.email)
    found += check(page, "account")
    page.locator("#delete-account").click()
    expect(page.locator("#confirm-email")).to_be_visible()
    found += check(page, "account: delete dialog")
    _verdict(found)
