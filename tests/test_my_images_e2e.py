"""My images in Chromium: an image the User Agent has the Experience Agent make, on the worlds
page (no world), lands in the person's own gallery at /images, linked from the top bar — and in
no world's gallery. The model is scripted; the image API is the local fake of OpenAI's."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from dsf_app.db import session_scope
from dsf_app.models import Asset
from dsf_app.storage import AssetStorage
from tests.accounts import Account, path_is
from tests.e2e_helpers import actor_of
from tests.fakes.image_servers import FakeOpenAIImages
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall

pytestmark = pytest.mark.usefixtures("dsf_in_process")


def test_a_delegated_image_lands_in_my_images(
    signed_in_page: Page,
    app_url: str,
    account: Account,
    llm: ScriptedLLM,
    openai_images: FakeOpenAIImages,
    storage: AssetStorage,
) -> None:
    page, tag = signed_in_page, uuid.uuid4().hex[:8]
    prompt = f"A lighthouse keeper reading by lamplight {tag}"
    llm.on_user(
        f"a picture for my wall {tag}",
        then=[
            ToolCall("delegate_to_experience", {"task": f"paint the keeper {tag}"}),
            Reply("It is in My images."),
        ],
    )
    llm.on_user(
        f"paint the keeper {tag}",
        then=[
            ToolCall("image_generator", {"prompt": prompt, "provider": "openai"}),
            Reply("Painted the keeper."),
        ],
    )
    page.locator("#chat-input").fill(f"make me a picture for my wall {tag}")
    page.locator("#chat-input").press("Enter")
    expect(page.locator(".chat-row .chat-assistant").last).to_contain_text("It is in My images.")

    with session_scope() as session:
        (asset,) = session.exec(
            select(Asset).where(Asset.owner_id == actor_of(account).user_id)
        ).all()
    assert asset.world_id is None
    assert storage.get(asset.storage_key)[:8] == b"\x89PNG\r\n\x1a\n"

    page.get_by_role("link", name="My images").click()
    expect(page).to_have_url(path_is(app_url, "/images"))
    expect(page.locator("#gallery-heading")).to_have_text("My images")
    item = page.locator(".dsf-gallery-item")
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-asset-id", str(asset.id))
    expect(item.locator(".dsf-gallery-description")).to_have_text(prompt)
    image = item.locator("img.dsf-gallery-image")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('img.dsf-gallery-image');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )

    # Deleting it from here removes the row and the bytes, as in a world's gallery.
    item.locator(".dsf-gallery-delete").click()
    page.locator("#confirm-delete-image").click()
    expect(page.get_by_text("No images of your own yet")).to_be_visible()
    with session_scope() as session:
        assert session.get(Asset, asset.id) is None
