"""Lore that follows the story, in Chromium: a writer says on the entry's page that from part 5
on Ife has a scar; reading the story, the mention of Ife in part 2 shows her without it and the
one in part 8 with it; a part's in-world date shows beside it, and in the world's history
timeline between the events before and after it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from dsf_app.db import session_scope
from dsf_app.models import CodexKind
from dsf_app.services import codex, stories, worlds
from dsf_app.services.codex import EntryFields
from tests.accounts import Account
from tests.e2e_helpers import actor_of

pytestmark = pytest.mark.usefixtures("dsf_in_process")

SCAR = "A scar runs from her left ear to her jaw."


def _seed(account: Account) -> tuple[str, str, str]:
    """A story of eight parts that each name Ife, part 5 dated; (world, story, entry) ids."""
    actor = actor_of(account)
    with session_scope() as session:
        history = [{"event": "The sea wall", "when": "2200"}, {"event": "Founding", "when": "2100"}]
        world = worlds.create_world(
            session, actor, "Port Saline", foundation={"history": {"timeline": history}}
        )
        story = stories.create_story(session, actor, world.id, "Low Tide")
        parent = None
        for n in range(1, 9):
            parent = stories.add_segment(
                session,
                actor,
                story.id,
                "The Dock Strike" if n == 5 else "",
                f"In part {n}, Ife walked the quay.",
                parent_id=parent,
                in_world_date="14 March 2187" if n == 5 else "",
            ).id
        ife = codex.create_entry(
            session,
            actor,
            world.id,
            EntryFields(name="Ife", kind=CodexKind.CHARACTER, summary="A docker."),
            author="person",
        )
        return str(world.id), str(story.id), str(ife.id)


def test_a_progression_changes_the_mention_card_from_its_part_on(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page = signed_in_page
    world_id, story_id, entry_id = _seed(account)

    page.goto(f"{app_url}/worlds/{world_id}/codex/{entry_id}")
    section = page.locator("#progressions")
    expect(section).to_contain_text("It does not change in any story yet.")
    section.get_by_role("combobox", name="The part it changes from").click()
    page.get_by_role("option", name="Low Tide · part 5 · The Dock Strike").click()
    section.get_by_role("textbox", name="The new text").fill(SCAR)
    section.get_by_role("button", name="Add change").click()
    row = section.locator(".dsf-progression")
    expect(row).to_contain_text("From Low Tide · part 5 · The Dock Strike")
    expect(row).to_contain_text("14 March 2187")
    expect(row).to_contain_text(f"The summary gains: {SCAR}")

    page.goto(f"{app_url}/worlds/{world_id}/stories/{story_id}")
    parts = page.locator(".dsf-segment")
    expect(parts).to_have_count(8)
    expect(parts.nth(4).locator(".dsf-part-date")).to_have_text("14 March 2187")
    expect(parts.nth(1).locator(".dsf-part-date")).to_have_count(0)
    card = page.locator(".dsf-mention-card")

    parts.nth(1).locator(".dsf-mention").hover()
    expect(card).to_contain_text("As of part 2")
    expect(card).to_contain_text("A docker.")
    expect(card).not_to_contain_text(SCAR)

    page.mouse.move(0, 0)
    expect(card).to_have_count(0)
    parts.nth(7).locator(".dsf-mention").hover()
    expect(card).to_contain_text("As of part 8")
    expect(card).to_contain_text(SCAR)

    page.goto(f"{app_url}/worlds/{world_id}")
    events = page.locator(".dsf-history-event")
    expect(events).to_have_count(3)
    expect(events.nth(0)).to_contain_text("Founding")
    expect(events.nth(1)).to_contain_text("14 March 2187")
    expect(events.nth(1)).to_contain_text("Low Tide · part 5 · The Dock Strike")
    expect(events.nth(1).get_by_role("link", name="Read it")).to_have_attribute(
        "href", f"/worlds/{world_id}/stories/{story_id}"
    )
    expect(events.nth(1).get_by_role("button", name="Edit")).to_have_count(0)
    expect(events.nth(2)).to_contain_text("The sea wall")
