"""In Chromium: a lorebook that once broke a world (`"caseSensitive": 2`) imports with the bad
entry skipped and named in the toast, and the world's story page and chat still work; a PNG
character card imports from the same button; several entries change kind at once."""

from __future__ import annotations

import base64
import io
import json
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from playwright.sync_api import Page, expect

from dsf_app.db import session_scope
from dsf_app.services import stories, worlds
from tests.accounts import Account
from tests.e2e_helpers import actor_of
from tests.fakes.llm_server import Reply, ScriptedLLM

pytestmark = pytest.mark.usefixtures("dsf_in_process")

BREAKING = {
    "entries": {
        "0": {"key": ["Mira"], "comment": "Mira", "content": "An engineer.", "caseSensitive": 2},
        "1": {"key": ["Dock"], "comment": "Location: The Dock", "content": "Where ships wait."},
        "2": {"key": ["Kelp"], "comment": "Kelp", "content": "It grows fast."},
    }
}


def _card_png(path: Path) -> Path:
    card = {"spec": "chara_card_v2", "data": {"name": "Ife Oyelaran", "description": "Organiser."}}
    info = PngImagePlugin.PngInfo()
    info.add_text("chara", base64.b64encode(json.dumps(card).encode()).decode())
    out = io.BytesIO()
    Image.new("RGB", (4, 6), (90, 20, 20)).save(out, "PNG", pnginfo=info)
    path.write_bytes(out.getvalue())
    return path


def _toast(page: Page, text: str, timeout: float = 20_000) -> None:
    toast = page.locator("[data-sonner-toast]").filter(has_text=text)
    expect(toast).to_be_visible(timeout=timeout)


def test_a_once_breaking_lorebook_leaves_the_story_page_and_chat_working(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM, tmp_path: Path
) -> None:
    page = signed_in_page
    actor = actor_of(account)
    with session_scope() as session:
        world = worlds.create_world(session, actor, "Low Harbour")
        story = stories.create_story(session, actor, world.id, "Tide")
        stories.add_segment(session, actor, story.id, "", "Mira walked the Dock at low tide.")
    page.goto(f"{app_url}/worlds/{world.id}")
    page.get_by_role("tab", name=re.compile("Codex")).click()
    expect(page.locator("#codex-new")).to_be_visible()  # the tab has loaded: the owner may edit
    upload = page.locator("#codex-import input[type=file]")
    book = tmp_path / "breaking.json"
    book.write_text(json.dumps(BREAKING))
    upload.set_input_files(book)
    # The app's first import starts its heavy process: on a busy machine that takes a while.
    _toast(page, "1 entries skipped: “Mira” (“caseSensitive” is not valid (2)).", 90_000)
    places = page.locator(".dsf-codex-group[data-kind='place']")
    expect(places).to_contain_text("Location: The Dock")  # its comment says so

    upload.set_input_files(_card_png(tmp_path / "ife.png"))
    _toast(page, "Imported 1 entries from a character card v2.")
    expect(page.locator(".dsf-codex-group[data-kind='character']")).to_contain_text("Ife")

    page.get_by_role("checkbox", name="Select Kelp").click()
    page.get_by_role("checkbox", name="Select Ife Oyelaran").click()
    expect(page.locator("#codex-kind-bar")).to_contain_text("2 selected")
    page.locator("#codex-kind-bar").get_by_role("button", name="place", exact=True).click()
    _toast(page, "Changed the kind of 2 entries to place.")
    expect(places.locator(".dsf-codex-entry")).to_have_count(3)

    page.goto(f"{app_url}/worlds/{world.id}/stories/{story.id}")
    expect(page.locator(".dsf-segment")).to_contain_text("Mira walked the Dock at low tide.")
    expect(page.locator(".dsf-mention")).to_have_text(["Dock"])
    tag = uuid.uuid4().hex[:8]
    llm.on_user(tag, then=[Reply("The Dock is quiet tonight.")])
    page.locator("#chat-input").fill(f"What happens at the Dock {tag}")
    page.locator("#chat-input").press("Enter")
    expect(page.locator(".chat-assistant").last).to_contain_text("The Dock is quiet tonight.")
