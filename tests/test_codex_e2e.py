"""The Codex in Chromium, against the app as it ships, the real Letta server and the scripted
model: entries made by hand and by the World Agent, the "Lore used" row of a turn and the
agent's `lore` block read back from Letta, pins and exclusions, suggestions accepted and
rejected, mention links in the reader, backlinks, SillyTavern import/export, and the search by
meaning across what a person may read."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from letta_client import Letta
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from dsf_app.db import session_scope
from dsf_app.models import AgentKind, AgentRecord
from dsf_app.services import codex, lorebook, lorebook_format, stories, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.settings import Settings
from tests.accounts import Account, new_account, sign_up_in_browser
from tests.e2e_helpers import actor_of, verified
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall, ToolCalls

pytestmark = pytest.mark.usefixtures("dsf_in_process")

FIXTURES = Path(__file__).parent / "fixtures" / "lorebooks"
FOUNDATION = {
    "core_premise": "Fusion failed; the oceans are farmed for power.",
    "rules": [{"statement": "Salt water corrodes every machine within a decade."}],
    "technology": [{"name": "Brine Battery", "how_it_works": "Stores power in salt gradients."}],
}


def _tag() -> str:
    return uuid.uuid4().hex[:8]


def _send(page: Page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.locator("#chat-input").press("Enter")


def _world(actor: Actor, name: str = "Tidewater") -> str:
    with session_scope() as session:
        return str(worlds.create_world(session, actor, name, foundation=FOUNDATION).id)


def _open_codex(page: Page, app_url: str, world_id: str) -> None:
    page.goto(f"{app_url}/worlds/{world_id}")
    page.get_by_role("tab", name=re.compile("Codex")).click()
    expect(page.locator("#codex")).to_be_visible()


def _new_entry(page: Page, name: str, kind: str, aliases: str = "", summary: str = "") -> None:
    page.locator("#codex-new").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.locator("#entry-kind").click()
    page.get_by_role("option", name=kind, exact=True).click()
    dialog.get_by_label("Aliases").fill(aliases)
    dialog.get_by_label("Summary").fill(summary)
    dialog.get_by_role("button", name="Save entry").click()
    expect(dialog).to_have_count(0)


def _entry(page: Page, name: str):
    return page.locator(".dsf-codex-entry", has=page.get_by_text(name, exact=True))


def _import_rules(actor: Actor, world_id: str) -> None:
    """Three entries whose World Info rules "Lore used" explains."""
    entries = [
        {"comment": "Harbour Watch", "key": ["Mira"], "keysecondary": ["tides"], "content": "."},
        {"comment": "Turbine Hall", "key": ["turbines"], "content": "Where the turbines sleep."},
        {"comment": "Smuggler's Tip", "key": ["electricity"], "probability": 0, "content": "."},
    ]
    book = {"entries": {str(uid): {"uid": uid, **e} for uid, e in enumerate(entries)}}
    with session_scope() as session:
        lorebook.import_lorebook(
            session,
            actor,
            uuid.UUID(world_id),
            lorebook_format.parse(json.dumps(book)),
            author="person",
        )


def _lore_block(settings: Settings, actor: Actor, world_id: str) -> str:
    with session_scope() as session:
        agent_id = session.exec(
            select(AgentRecord.letta_agent_id).where(
                AgentRecord.kind == AgentKind.WORLD,
                AgentRecord.user_id == actor.user_id,
                AgentRecord.world_id == uuid.UUID(world_id),
            )
        ).one()
    letta = Letta(base_url=settings.letta_base_url)
    letta.api_key = None  # the test stack's Letta takes no key (see letta/connection.py)
    try:
        return letta.agents.blocks.retrieve("lore", agent_id=agent_id).value
    finally:
        letta.close()


def test_entries_by_hand_and_the_lore_a_turn_used(
    signed_in_page: Page,
    app_url: str,
    account: Account,
    llm: ScriptedLLM,
    test_settings: Settings,
) -> None:
    page, actor = signed_in_page, actor_of(account)
    world_id = _world(actor)
    _open_codex(page, app_url, world_id)
    expect(page.get_by_text("No lore yet")).to_have_count(0)  # the foundation's items are listed
    expect(page.locator(".dsf-codex-group[data-kind='technology']")).to_contain_text(
        "Brine Battery"
    )
    expect(page.locator(".dsf-codex-group[data-kind='rule']")).to_contain_text("foundation")

    _new_entry(page, "Mira Okonkwo", "character", "Mira", "Chief engineer of the turbines.")
    expect(page.locator("#world-version")).to_have_text("Version 2")
    _new_entry(
        page, "Kelp Turbines", "artifact", "", "Living generators that turn tides into electricity."
    )
    _new_entry(page, "Saltmarsh", "place", "", "Flooded fields north of the port.")
    _new_entry(page, "Old Teo", "character", "Teo", "A retired diver.")
    expect(page.locator(".dsf-codex-group[data-kind='character'] .dsf-codex-entry")).to_have_count(
        2
    )
    expect(page.get_by_role("tab", name="Codex (4)")).to_be_visible()
    _entry(page, "Saltmarsh").locator(".dsf-pin").click()
    expect(_entry(page, "Saltmarsh")).to_have_attribute("data-pinned", "true")
    _entry(page, "Old Teo").locator(".dsf-exclude").click()
    expect(_entry(page, "Old Teo")).to_have_attribute("data-excluded", "true")
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#changelog")).to_contain_text("codex/Mira Okonkwo")
    # The diff first shown (1 → 2, when the first entry made version 2) holds that entry.
    added = page.locator("#version-diff .dsf-diff-row", has_text="codex/Mira Okonkwo.summary")
    expect(added).to_contain_text("Chief engineer of the turbines.")
    expect(added).to_contain_text("added")

    # Search the Codex by alias and by meaning.
    page.get_by_role("tab", name=re.compile("Codex")).click()
    box = page.get_by_label("Search the Codex by name, alias or meaning")
    box.fill("teo")
    box.press("Enter")
    expect(page.locator("#codex-results .dsf-codex-entry").first).to_contain_text("Old Teo")
    box.fill("power from the ocean")
    box.press("Enter")
    expect(page.locator("#codex-search-caption")).to_contain_text("power from the ocean")
    expect(page.locator("#codex-results .dsf-codex-entry").first).to_contain_text("Kelp Turbines")
    page.get_by_role("button", name="Clear").click()

    # World Info rules: a secondary key, recursion through Mira's text, a draw that fails.
    _import_rules(actor, world_id)
    tag = _tag()
    llm.on_user(tag, then=[Reply("Mira keeps the turbines going.")])
    # Names Mira (an alias) and Teo (excluded); Kelp Turbines only by meaning.
    _send(page, f"How does Mira make electricity from the tides, and is Teo well? {tag}")
    expect(page.locator(".chat-assistant").last).to_contain_text(
        "Mira keeps the turbines", timeout=60_000
    )
    lore = page.locator(".chat-lore").last
    expect(lore).to_contain_text("Lore used")
    lore.locator("summary").click()
    mira = lore.locator(".chat-lore-item", has=page.get_by_role("link", name="Mira Okonkwo"))
    expect(mira).to_contain_text("matched alias “Mira” in your message")
    expect(lore.locator(".chat-lore-item", has_text="Saltmarsh")).to_contain_text("pinned")
    expect(lore.locator(".chat-lore-item", has_text="Kelp Turbines")).to_contain_text(
        re.compile(r"similar in meaning 0\.\d\d")
    )
    expect(lore).not_to_contain_text("Old Teo")  # excluded, though named
    expect(lore.locator(".chat-lore-item", has_text="Harbour Watch")).to_contain_text(
        "matched alias “Mira” in your message; secondary key “tides” (AND ANY)"
    )
    expect(lore.locator(".chat-lore-item", has_text="Turbine Hall")).to_contain_text(
        "recursion from Mira Okonkwo (alias “turbines”)"
    )
    expect(lore.locator(".chat-lore-left-out", has_text="Smuggler's Tip")).to_contain_text(
        re.compile(r"left out: probability 0%: rolled \d+")
    )

    block = _lore_block(test_settings, actor, world_id)
    assert "Mira Okonkwo" in block and "Chief engineer of the turbines." in block
    assert "Saltmarsh" in block and "Kelp Turbines" in block
    assert "Old Teo" not in block
    assert "## Turbine Hall" in block and "Smuggler's Tip" not in block

    page.reload()
    expect(page.locator(".chat-lore").last).to_contain_text("Lore used")
    page.locator(".chat-lore").last.locator("summary").click()
    page.locator(".chat-lore").last.get_by_role("link", name="Mira Okonkwo").click()
    expect(page.locator("#entry-name")).to_have_text("Mira Okonkwo")
    expect(page.locator("#entry-aliases")).to_contain_text("Mira")


def test_the_agent_records_and_suggests_lore_and_the_reader_links_it(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, actor = signed_in_page, actor_of(account)
    world_id = _world(actor)
    with session_scope() as session:
        story_id = str(stories.create_story(session, actor, uuid.UUID(world_id), "Low Tide").id)
    page.goto(f"{app_url}/worlds/{world_id}")

    tag = _tag()
    mira = {"name": "Mira Okonkwo", "kind": "character", "aliases": ["Mira"]}
    mira["body"] = "Works the night shift with Captain Rhee."
    segment = {
        "title": "The bell",
        "content": "Mira met Captain Rhee under the Harbour Bell as the tide came in.",
    }
    llm.on_user(
        tag,
        then=[
            ToolCall("codex", {"operation": "create", "entry": mira, "reason": "A new lead."}),
            ToolCall(
                "story_manager",
                {"operation": "save_segment", "story_id": story_id, "segment": segment},
            ),
            ToolCalls(
                [
                    ToolCall(
                        "codex",
                        {
                            "operation": "suggest",
                            "suggestions": [
                                {
                                    "name": "Captain Rhee",
                                    "kind": "character",
                                    "summary": "Ferries kelp.",
                                },
                                {"name": "Harbour Bell", "kind": "artifact"},
                                {"name": "Tide Clock", "kind": "artifact"},
                            ],
                        },
                    )
                ]
            ),
            Reply("Written, and three new names suggested."),
        ],
    )
    _send(page, f"Introduce Mira and write the next scene {tag}")
    expect(page.locator(".chat-assistant").last).to_contain_text(
        "three new names suggested", timeout=90_000
    )
    expect(page.locator(".chat-tool[data-tool='codex']")).to_have_count(2)
    expect(page.locator(".chat-tool[data-tool='codex']").first).to_have_attribute(
        "data-status", "success"
    )

    page.get_by_role("tab", name=re.compile("Codex")).click()
    expect(_entry(page, "Mira Okonkwo")).to_be_visible()  # made by the agent
    suggestions = page.locator("#codex-suggestions")
    expect(suggestions.locator(".dsf-codex-suggestion")).to_have_count(3)
    suggestions.locator("[data-name='Tide Clock']").get_by_role("button", name="Accept").click()
    suggestions.locator("[data-name='Harbour Bell']").get_by_role("button", name="Reject").click()
    suggestions.locator("[data-name='Captain Rhee']").get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Edit and accept the suggestion")
    expect(dialog.get_by_label("Summary")).to_have_value("Ferries kelp.")
    dialog.get_by_label("Summary").fill("Ferries kelp between the farms and Port Saline.")
    dialog.get_by_label("Aliases").fill("Rhee")
    dialog.get_by_role("button", name="Save entry").click()
    expect(page.locator("#codex-suggestions")).to_have_count(0)
    expect(_entry(page, "Captain Rhee")).to_contain_text("between the farms and Port Saline")
    expect(_entry(page, "Tide Clock")).to_be_visible()
    expect(_entry(page, "Harbour Bell")).to_have_count(0)

    page.goto(f"{app_url}/worlds/{world_id}/stories/{story_id}")
    text = page.locator(".dsf-segment-text").first
    expect(text).to_have_text(segment["content"])  # the words unchanged, links inside
    expect(text.locator(".dsf-mention")).to_have_text(["Mira", "Captain Rhee"])
    text.get_by_role("link", name="Captain Rhee").click()
    expect(page.locator("#entry-name")).to_have_text("Captain Rhee")
    appears = page.locator("#appears-in")
    expect(appears.locator(".dsf-appears-segment")).to_contain_text("Low Tide · The bell")
    expect(appears.locator(".dsf-appears-segment")).to_contain_text("Mira met Captain Rhee")
    expect(appears.locator(".dsf-appears-entry")).to_contain_text("Mira Okonkwo")
    expect(appears.locator(".dsf-appears-entry")).to_contain_text("mentions it")


def test_import_and_export_a_sillytavern_lorebook(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page = signed_in_page
    world_id = _world(actor_of(account), "Port Saline")
    _open_codex(page, app_url, world_id)
    page.locator("#codex-import input[type=file]").set_input_files(
        FIXTURES / "tidewater_world_info.json"
    )
    expect(
        page.get_by_text("Imported 5 entries from a SillyTavern World Info file.")
    ).to_be_visible()
    expect(page.get_by_role("tab", name="Codex (5)")).to_be_visible()
    expect(page.locator(".dsf-codex-group[data-kind='place']")).to_contain_text("Port Saline")
    expect(_entry(page, "Fusion Consortium")).to_have_attribute("data-pinned", "true")
    expect(_entry(page, "Brine Riots (draft, do not use)")).to_have_attribute(
        "data-excluded", "true"
    )
    with page.expect_download() as download:
        page.get_by_role("button", name="Export lorebook").click()
    assert download.value.suggested_filename == "port-saline.lorebook.json"
    exported = json.loads(download.value.path().read_text(encoding="utf-8"))
    by_name = {e["comment"]: e for e in exported["entries"].values()}
    assert set(by_name) == {
        "Mira Okonkwo",
        "Port Saline",
        "Fusion Consortium",
        "Brine Riots (draft, do not use)",
        "kelp turbine",
    }
    assert by_name["Port Saline"]["keysecondary"] == ["harbour", "docks", "market"]
    assert by_name["Fusion Consortium"]["constant"] is True


def test_search_by_meaning_across_what_the_person_may_read(
    signed_in_page: Page, app_url: str, account: Account, browser: Browser
) -> None:
    other = new_account("Other")
    context = browser.new_context()
    sign_up_in_browser(context.new_page(), app_url, other)
    context.close()
    theirs = verified(other)  # publishes a world
    mine = actor_of(account)
    with session_scope() as session:
        public = worlds.create_world(session, theirs, "Glasshouse Moon", "Lunar greenhouses.")
        worlds.set_visibility(session, theirs, public.id, "public")
        harvest = stories.create_story(session, theirs, public.id, "Harvest")
        stories.add_segment(session, theirs, harvest.id, "", "Wheat ripened under lunar lamps.")
        hidden = worlds.create_world(session, theirs, "Secret Orchard", "Apples grown on Mars.")
        codex.create_entry(
            session,
            theirs,
            hidden.id,
            EntryFields(name="Orchard Keeper", summary="Grows fruit in Martian domes."),
            author="person",
        )
        own = worlds.create_world(session, mine, "Kelp Coast", "Seaweed farms feed the cities.")
        codex.create_entry(
            session,
            mine,
            own.id,
            EntryFields(name="Farmer Ode", summary="Grows crops in orbital greenhouses."),
            author="person",
        )
    page = signed_in_page
    page.get_by_role("link", name="Search").click()
    box = page.get_by_label("Search by meaning")
    box.fill("growing food in space")
    box.press("Enter")
    expect(page.locator("#search-worlds")).to_contain_text("Glasshouse Moon")
    expect(page.locator("#search-entries")).to_contain_text("Farmer Ode")
    expect(page.locator("#search-segments")).to_contain_text("Wheat ripened under lunar lamps.")
    results = page.locator("#search-results")
    expect(results).not_to_contain_text("Secret Orchard")
    expect(results).not_to_contain_text("Orchard Keeper")
    page.locator("#search-entries").get_by_role("link").first.click()
    expect(page.locator("#entry-name")).to_have_text("Farmer Ode")
