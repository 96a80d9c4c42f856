"""A character drawn from its portrait, in Chromium: while the image is drawn the tool's row
counts the seconds against the configured timeout, ticking in the browser while the provider
holds its answer; the gallery's lightbox then links the new image to the portrait it was made
from."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from dsf_app.db import session_scope
from dsf_app.models import World
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage
from tests.accounts import Account
from tests.canvas_helpers import open_world, send, turn_done
from tests.e2e_helpers import actor_of
from tests.factories import make_image
from tests.fakes.gate import Gate
from tests.fakes.image_servers import FakeGoogleImages, solid_png
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall

PORTRAIT = solid_png(6, 8, (190, 40, 90))


def test_drawing_from_a_portrait_shows_progress_and_the_reference(
    signed_in_page: Page,
    account: Account,
    app_url: str,
    llm: ScriptedLLM,
    google_images: FakeGoogleImages,
    storage: AssetStorage,
    dsf_in_process: Settings,
) -> None:
    page, tag, gate = signed_in_page, uuid.uuid4().hex[:6], Gate()
    world_id = open_world(page, app_url, account)
    with session_scope() as session:
        world = session.get(World, uuid.UUID(world_id))
        assert world is not None
        portrait = make_image(
            session, actor_of(account), storage, world, PORTRAIT, f"Mara, the pilot {tag}"
        ).id
    llm.on_user(
        f"draw Mara at the helm {tag}",
        then=[
            ToolCall(
                "image_generator",
                {
                    "prompt": f"Mara at the helm {tag}",
                    "provider": "google",
                    "category": "character",
                    "description": f"Mara at the helm {tag}",
                    "reference_asset_ids": [str(portrait)],
                },
            ),
            Reply(f"Mara, drawn from her portrait {tag}."),
        ],
    )
    google_images.hold_next(gate)
    before = len(google_images.requests)

    send(page, f"draw Mara at the helm {tag}")
    gate.wait_reached()
    progress = page.locator('.chat-tool[data-tool="image_generator"] .chat-tool-progress')
    limit = round(dsf_in_process.image_timeout_seconds)
    expect(progress).to_have_text(re.compile(rf"^Drawing… \d+ s of up to {limit} s$"))
    shown = progress.inner_text()
    # The provider holds its answer, so no event reaches the page: the browser counts.
    expect(progress).not_to_have_text(shown)
    gate.open()
    turn_done(page, f"Mara, drawn from her portrait {tag}.")
    expect(page.locator('.chat-tool[data-tool="image_generator"]')).to_have_attribute(
        "data-status", "success"
    )
    (sent,) = google_images.sent_images()[before:]
    assert [part.data for part in sent] == [PORTRAIT]

    page.goto(f"{app_url}/worlds/{world_id}/gallery")
    items = page.locator(".dsf-gallery-item")
    expect(items).to_have_count(2)
    items.first.locator("img.dsf-gallery-image").click()
    lightbox = page.locator("#gallery-lightbox")
    expect(lightbox).to_contain_text(f"Mara at the helm {tag}")
    link = lightbox.locator(".dsf-gallery-reference")
    expect(link).to_have_text(f"Mara, the pilot {tag}")
    expect(link).to_have_attribute("href", f"/assets/{portrait}")
    expect(link).to_have_attribute("data-asset-id", str(portrait))
    # The portrait itself was made from nothing.
    lightbox.get_by_role("button", name="Next image").click()
    expect(lightbox).to_contain_text(f"Mara, the pilot {tag}")
    expect(lightbox.locator(".dsf-gallery-reference")).to_have_count(0)
