"""A world's gallery in Chromium, against the app as it ships: images made through each provider
load from `/assets/<id>` (redirected to the real local S3 server), open in a lightbox, and can be
deleted with confirmation; another person sees none of them."""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.registry import execute
from dsf_app.db import session_scope
from dsf_app.errors import NotFound
from dsf_app.models import Asset
from dsf_app.services import worlds
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage
from tests.accounts import Account, new_account, sign_up_over_http, use_session
from tests.e2e_helpers import actor_of
from tests.fakes.image_servers import FakeGoogleImages, FakeOpenAIImages

LOADED = "image => image.complete && image.naturalWidth > 0"
IMAGES = [
    ("openai", "character", "The harbour master, weathered by salt"),
    ("google", "background", "Kelp towers at dusk under two moons"),
]


async def _ignore(_: TurnEvent) -> None:
    return None


def _generate(actor: Actor, world_id: uuid.UUID, provider: str, category: str, text: str) -> str:
    """Make an image as the World Agent would: through the image_generator tool (in a thread
    of its own, since Playwright's sync API keeps an event loop on this one)."""
    ctx = ToolContext(actor, world_id, None, f"call-{uuid.uuid4().hex}", _ignore)
    args = {"prompt": text, "provider": provider, "category": category, "description": text}
    with ThreadPoolExecutor(1) as pool:
        outcome = pool.submit(
            asyncio.run, execute(ctx, "image_generator", json.dumps(args))
        ).result()
    assert outcome.status == "success", outcome.result
    return json.loads(outcome.result)["asset_id"]


@pytest.fixture
def owner(
    signed_in_page: Page,
    account: Account,
    dsf_in_process: Settings,
    storage: AssetStorage,
    openai_images: FakeOpenAIImages,
    google_images: FakeGoogleImages,
) -> Actor:
    return actor_of(account)


def _world(actor: Actor, name: str) -> uuid.UUID:
    with session_scope() as session:
        return worlds.create_world(session, actor, name, "Kelp and tides.").id


def test_generated_images_show_in_the_gallery(
    signed_in_page: Page, owner: Actor, app_url: str, storage: AssetStorage
) -> None:
    page = signed_in_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    world_id = _world(owner, "Tidewright")
    ids = [_generate(owner, world_id, *image) for image in IMAGES]

    page.goto(f"{app_url}/worlds/{world_id}/gallery")
    expect(page.locator("#gallery-heading")).to_have_text("Gallery")
    expect(page.locator("#gallery-world-link")).to_contain_text("Tidewright")
    items = page.locator(".dsf-gallery-item")
    expect(items).to_have_count(2)
    # Newest first, each with its description and category, each image actually loaded.
    for item, asset_id, (_, category, text) in zip(
        items.all(), reversed(ids), reversed(IMAGES), strict=True
    ):
        expect(item).to_have_attribute("data-asset-id", asset_id)
        expect(item.locator(".dsf-gallery-description")).to_have_text(text)
        expect(item.locator(".dsf-gallery-category")).to_have_text(category)
        image = item.locator("img.dsf-gallery-image")
        # The grid shows the small copy (a generated image has none: the route sends the image).
        expect(image).to_have_attribute("src", f"/assets/{asset_id}/thumbnail")
        image.scroll_into_view_if_needed()
        page.wait_for_function(f"() => ({LOADED})(document.querySelector({_img(asset_id)}))")
        assert image.evaluate("image => image.naturalWidth") == 64

    # The lightbox shows the image larger, with its prompt.
    items.first.locator("img.dsf-gallery-image").click()
    lightbox = page.locator("#gallery-lightbox")
    expect(lightbox).to_be_visible()
    expect(lightbox).to_contain_text(IMAGES[1][2])
    expect(lightbox).to_contain_text("Prompt: " + IMAGES[1][2])
    page.wait_for_function(f"() => ({LOADED})(document.querySelector('#gallery-lightbox-image'))")
    lightbox.get_by_role("button", name="Next image").click()
    expect(lightbox).to_contain_text(IMAGES[0][2])
    page.keyboard.press("Escape")
    expect(lightbox).to_have_count(0)

    # Delete asks first; keeping it changes nothing, confirming removes the row and the bytes.
    with session_scope() as session:
        key = session.exec(select(Asset.storage_key).where(Asset.id == uuid.UUID(ids[0]))).one()
    items.nth(1).locator(".dsf-gallery-delete").click()
    page.get_by_role("button", name="Keep it").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    items.nth(1).locator(".dsf-gallery-delete").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(items).to_have_count(2)
    items.nth(1).locator(".dsf-gallery-delete").click()
    expect(page.get_by_role("alertdialog")).to_contain_text(IMAGES[0][2])
    page.locator("#confirm-delete-image").click()
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-asset-id", ids[1])
    with session_scope() as session:
        assert session.get(Asset, uuid.UUID(ids[0])) is None
    with pytest.raises(NotFound):
        storage.get(key)
    assert errors == []


def _img(asset_id: str) -> str:
    return json.dumps(f'img[src="/assets/{asset_id}/thumbnail"]')


def test_another_person_sees_no_images(
    signed_in_page: Page, owner: Actor, app_url: str, browser: Browser
) -> None:
    world_id = _world(owner, "Private Deep")
    asset_id = _generate(owner, world_id, *IMAGES[0])

    stranger = browser.new_context(viewport={"width": 1280, "height": 800})
    stranger.set_default_timeout(20_000)
    try:
        other: Account = new_account("Mallory")
        use_session(stranger, app_url, sign_up_over_http(app_url, other))
        page = stranger.new_page()
        page.goto(f"{app_url}/worlds/{world_id}/gallery")
        expect(page.get_by_text("World not found")).to_be_visible()
        expect(page.locator(".dsf-gallery-item")).to_have_count(0)
        expect(page.locator("img.dsf-gallery-image")).to_have_count(0)
        response = stranger.request.get(f"{app_url}/assets/{asset_id}", max_redirects=0)
        assert response.status == 404
        assert response.text() == f"No asset with id {asset_id} is visible to you."
    finally:
        stranger.close()

    # The owner still gets the image through the same URL.
    owned = signed_in_page.context.request.get(f"{app_url}/assets/{asset_id}")
    assert owned.status == 200
    assert owned.headers["content-type"] == "image/png"


def test_a_world_without_images_says_so(signed_in_page: Page, owner: Actor, app_url: str) -> None:
    world_id = _world(owner, "Empty Reach")
    signed_in_page.goto(f"{app_url}/worlds/{world_id}/gallery")
    expect(signed_in_page.get_by_text("No images yet")).to_be_visible()
    expect(signed_in_page.locator(".dsf-gallery-item")).to_have_count(0)
