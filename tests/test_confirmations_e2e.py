"""The confirmation card in Chromium: the World Agent asks to delete an image, the chat shows
what will happen with Approve and Deny (also after a reload), Deny keeps the image and the
agent is told so, Approve deletes it."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect

from dsf_app.db import session_scope
from dsf_app.models import Asset
from dsf_app.services import worlds
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage
from tests.accounts import Account
from tests.e2e_helpers import actor_of
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.test_chat_e2e import _send
from tests.test_confirmations import saved_image

DESCRIPTION = "Red moon over the bay"


@pytest.fixture
def owner(
    signed_in_page: Page, account: Account, dsf_in_process: Settings, storage: AssetStorage
) -> Actor:
    return actor_of(account)


def _image_in_new_world(actor: Actor) -> tuple[uuid.UUID, Asset]:
    """A world of the person's with one image (saved in a thread of its own, since
    Playwright's sync API keeps an event loop on this one)."""
    with session_scope() as session:
        world_id = worlds.create_world(session, actor, "Hollow Moon", "A mined moon.").id
    with ThreadPoolExecutor(1) as pool:
        asset = pool.submit(asyncio.run, saved_image(actor, world_id, DESCRIPTION)).result()
    return world_id, asset


def _still_there(asset_id: uuid.UUID) -> bool:
    with session_scope() as session:
        return session.get(Asset, asset_id) is not None


def _tool_results(llm: ScriptedLLM) -> list[str]:
    return [
        m["content"]
        for request in llm.requests
        for m in request["messages"]
        if m.get("role") == "tool"
    ]


def _ask_to_delete(page: Page, llm: ScriptedLLM, asset: Asset, reply: str) -> None:
    tag = uuid.uuid4().hex[:8]
    llm.on_user(
        tag,
        then=[
            ToolCall("asset_manager", {"operation": "delete", "asset_id": str(asset.id)}),
            Reply(reply),
        ],
    )
    _send(page, f"delete the red moon picture {tag}")


def test_deleting_an_image_waits_for_the_person(
    signed_in_page: Page, owner: Actor, llm: ScriptedLLM, app_url: str
) -> None:
    page = signed_in_page
    world_id, asset = _image_in_new_world(owner)
    page.goto(f"{app_url}/worlds/{world_id}")

    _ask_to_delete(page, llm, asset, "I left the red moon where it is.")
    card = page.get_by_role("group", name="Confirm what the agent wants to do")
    expect(card).to_contain_text(f"Delete the image “{DESCRIPTION}” and its stored file")
    tool = page.locator(".chat-tool[data-tool='asset_manager']").last
    expect(tool).to_have_attribute("data-status", "waiting")
    assert _still_there(asset.id)

    # The question is kept: a reload shows the card again, still waiting.
    page.reload()
    expect(card).to_contain_text(f"Delete the image “{DESCRIPTION}”")
    deny = card.get_by_role("button", name="Deny")
    expect(card.get_by_role("button", name="Approve")).to_be_enabled()

    # Answered from the keyboard.
    deny.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".chat-assistant").last).to_contain_text("I left the red moon where it is.")
    expect(card).to_have_count(0)
    expect(tool).to_have_attribute("data-status", "error")
    assert _still_there(asset.id)
    assert any("declined" in result for result in _tool_results(llm))

    _ask_to_delete(page, llm, asset, "The red moon is gone.")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator(".chat-assistant").last).to_contain_text("The red moon is gone.")
    expect(card).to_have_count(0)
    expect(page.locator(".chat-tool[data-tool='asset_manager']").last).to_have_attribute(
        "data-status", "success"
    )
    assert not _still_there(asset.id)
