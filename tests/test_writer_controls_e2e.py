"""The writer's controls in Chromium, against the app as it ships: renaming and deleting stories
(from the world page and from the reader), deleting a part of a story with or without what
continues from it, another version of a part written by the World Agent (the scripted model) as
a branch the reader switches to, restoring an earlier version of a world, and each page's own
title and the app's icons."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select

from dsf_app.db import session_scope
from dsf_app.models import Story, StorySegment
from dsf_app.services import stories, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.world_updates import WorldUpdate, update_world
from tests.accounts import Account
from tests.e2e_helpers import actor_of
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.test_story_reader_e2e import open_story, seed_branching_story

pytestmark = pytest.mark.usefixtures("dsf_in_process")


def _story_titles(world_id: str) -> list[str]:
    with session_scope() as session:
        found = session.exec(select(Story.title).where(Story.world_id == uuid.UUID(world_id)))
        return sorted(found.all())


def _segment_texts(story_id: str) -> list[str]:
    with session_scope() as session:
        found = session.exec(
            select(StorySegment.content)
            .where(StorySegment.story_id == uuid.UUID(story_id))
            .order_by(col(StorySegment.order), col(StorySegment.created_at))
        )
        return list(found.all())


def test_rename_and_delete_stories_from_the_world_page_and_the_reader(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page = signed_in_page
    actor = actor_of(account)
    world_id, story_id = seed_branching_story(actor)
    with session_scope() as session:
        stories.create_story(session, actor, uuid.UUID(world_id), "Salt Roads")

    page.goto(f"{app_url}/worlds/{world_id}")
    page.get_by_role("tab", name="Stories (2)").click()
    rows = page.locator(".dsf-story-row")
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Edit the details of Salt Roads").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Title")).to_have_value("Salt Roads")
    dialog.get_by_label("Title").fill("")
    dialog.get_by_role("button", name="Save details").click()
    expect(dialog.get_by_role("alert")).to_contain_text("story title cannot be empty")
    dialog.get_by_label("Title").fill("The Salt Road")
    dialog.get_by_label("Description").fill("A caravan crosses the dry sea.")
    dialog.get_by_role("button", name="Save details").click()
    expect(dialog).to_have_count(0)
    expect(page.locator(".dsf-story-link").filter(has_text="The Salt Road")).to_contain_text(
        "A caravan crosses the dry sea."
    )
    assert _story_titles(world_id) == ["The Brine Wars", "The Salt Road"]

    # Deleting asks first; keeping it changes nothing.
    page.get_by_role("button", name="Delete The Salt Road").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Delete “The Salt Road”?")
    confirm.get_by_role("button", name="Keep it").click()
    expect(confirm).to_have_count(0)
    page.get_by_role("button", name="Delete The Salt Road").click()
    expect(confirm).to_be_visible()
    page.keyboard.press("Escape")
    expect(confirm).to_have_count(0)
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Delete The Salt Road").click()
    page.locator("#confirm-delete-story").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_role("tab", name="Stories (1)")).to_be_visible()
    assert _story_titles(world_id) == ["The Brine Wars"]

    # From the reader: the details, then the story itself.
    open_story(page, app_url, world_id, story_id)
    page.locator("#edit-story").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Title").fill("The Brine War")
    dialog.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("heading", name="The Brine War", level=1)).to_be_visible()
    expect(page).to_have_title("The Brine War · Saltwater · Deep Sci-Fi")
    page.locator("#delete-story").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("every part of it")
    page.locator("#confirm-delete-story").click()
    expect(page).to_have_url(f"{app_url}/worlds/{world_id}")
    expect(page.locator("#world-name")).to_have_text("Saltwater")
    assert _story_titles(world_id) == []
    assert _segment_texts(story_id) == []


def test_delete_parts_of_a_branching_story(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page = signed_in_page
    world_id, story_id = seed_branching_story(actor_of(account))
    open_story(page, app_url, world_id, story_id)
    parts = page.locator(".dsf-segment")
    expect(parts).to_have_count(4)
    expect(page.get_by_text("ask the World Agent")).to_have_count(0)

    # The harbour has three parts after it (the storm and its aftermath, the calm): keep them.
    page.get_by_role("button", name="Delete part 2").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("3 parts continue from part 2")
    expect(confirm).to_contain_text("they then continue from part 1")
    page.locator("#delete-part-only").click()
    expect(page.get_by_text("its continuations now follow part 1")).to_be_visible()
    expect(parts).to_have_count(3)
    expect(parts.nth(1)).to_contain_text("Wind tore the sieves apart.")
    expect(page.locator(".dsf-fork")).to_contain_text("After part 1 · “Opening”")
    assert "Boats crowded the harbour at dawn." not in _segment_texts(story_id)

    # The storm has one part after it: this time it goes with it.
    page.get_by_role("button", name="Delete part 2").click()
    expect(confirm).to_contain_text("1 part continues from part 2")
    page.locator("#delete-part-branch").click()
    expect(page.get_by_text("Deleted part 2 and the 1 after it.")).to_be_visible()
    expect(parts).to_have_count(2)
    expect(parts.nth(1)).to_contain_text("Nothing moved all day long.")
    expect(page.locator(".dsf-fork")).to_have_count(0)
    assert _segment_texts(story_id) == [
        "The tide came in over the wall.",
        "Nothing moved all day long.",
    ]

    # A last part has nothing after it: one button, and the header counts one part.
    page.get_by_role("button", name="Delete part 2").click()
    expect(confirm).to_contain_text("deleted for good")
    expect(confirm.locator("#delete-part-branch")).to_have_count(0)
    confirm.locator("#delete-part-only").click()
    expect(parts).to_have_count(1)
    expect(page.locator("#story-stats")).to_have_text("1 part · 7 words")


def _world_with_history(actor: Actor) -> str:
    """Version 1 as created; version 2 and 3 as an agent changed it."""
    with session_scope() as session:
        world = worlds.create_world(
            session,
            actor,
            "Glasshouse",
            foundation={
                "core_premise": "Greenhouses cover the northern plains.",
                "rules": [{"statement": "Glass is cheaper than soil."}],
            },
        )
        rule_id = world.foundation["rules"][0]["id"]
        for path, value, reason in [
            ("core_premise", "The plains froze over.", "The agent made it colder."),
            (f"rules.{rule_id}.statement", "Glass is rationed.", "Scarcity after the freeze."),
        ]:
            update_world(
                session,
                actor,
                world.id,
                [WorldUpdate(path=path, operation="update", value=value, reason=reason)],
                author="agent",
            )
        return str(world.id)


def test_restore_an_earlier_version_of_a_world(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page = signed_in_page
    world_id = _world_with_history(actor_of(account))
    page.goto(f"{app_url}/worlds/{world_id}")
    expect(page.locator("#world-version")).to_have_text("Version 3")
    expect(page.get_by_text("The plains froze over.")).to_be_visible()

    page.get_by_role("tab", name="History").click()
    page.get_by_label("From version").select_option("1")
    page.locator("#restore-version").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Restore version 1?")
    expect(dialog).to_contain_text("as a new version 4")
    dialog.get_by_role("button", name="Restore").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Say why")
    dialog.get_by_label("Reason").fill("The freeze broke the story; back to the greenhouses.")
    dialog.get_by_role("button", name="Restore").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#world-version")).to_have_text("Version 4")

    entry = page.locator(".dsf-change").first
    expect(entry).to_contain_text("v4")
    expect(entry.locator(".dsf-change-what")).to_have_text("restored from version 1")
    expect(entry).to_contain_text("The freeze broke the story; back to the greenhouses.")
    # The new version's diff against the one before shows what the restore undid.
    expect(page.locator("#version-diff")).to_contain_text("Greenhouses cover the northern plains.")

    page.get_by_role("tab", name="Foundation").click()
    expect(page.get_by_text("Greenhouses cover the northern plains.")).to_be_visible()
    expect(page.get_by_text("Glass is cheaper than soil.")).to_be_visible()
    expect(page.get_by_text("The plains froze over.")).to_have_count(0)


def test_each_page_has_its_own_title_and_the_icons_are_served(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page = signed_in_page
    world_id, story_id = seed_branching_story(actor_of(account))
    expect(page).to_have_title("Worlds · Deep Sci-Fi")
    for path, title in [
        (f"/worlds/{world_id}", "Saltwater · Deep Sci-Fi"),
        (f"/worlds/{world_id}/stories/{story_id}", "The Brine Wars · Saltwater · Deep Sci-Fi"),
        (f"/worlds/{world_id}/gallery", "Gallery · Saltwater · Deep Sci-Fi"),
        ("/images", "My images · Deep Sci-Fi"),
        ("/account", "Account · Deep Sci-Fi"),
        ("/runs", "Runs · Deep Sci-Fi"),
        (f"/worlds/{uuid.uuid4()}", "World · Deep Sci-Fi"),
    ]:
        page.goto(f"{app_url}{path}")
        expect(page).to_have_title(title)

    # Moving between pages in the app (no reload) changes the title too.
    page.goto(f"{app_url}/worlds/{world_id}")
    expect(page).to_have_title("Saltwater · Deep Sci-Fi")
    page.get_by_role("tab", name="Stories (1)").click()
    page.locator(".dsf-story-link").click()
    expect(page).to_have_title("The Brine Wars · Saltwater · Deep Sci-Fi")
    page.get_by_role("link", name="My images").click()
    expect(page).to_have_title("My images · Deep Sci-Fi")

    icons = {
        (link.get_attribute("rel"), link.get_attribute("href"))
        for link in page.locator("head link[rel*='icon']").all()
    }
    assert icons == {
        ("icon", "/favicon.ico"),
        ("icon", "/icon.svg"),
        ("apple-touch-icon", "/apple-touch-icon.png"),
    }
    for path, kind in [
        ("/favicon.ico", "image/"),
        ("/icon.svg", "image/svg+xml"),
        ("/apple-touch-icon.png", "image/png"),
    ]:
        response = httpx.get(f"{app_url}{path}")
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(kind), (path, response.headers)
        assert len(response.content) > 200

    page.context.clear_cookies()
    page.goto(f"{app_url}/signin")
    expect(page).to_have_title("Sign in · Deep Sci-Fi")


def _segment_id(story_id: str, content: str) -> str:
    with session_scope() as session:
        return str(
            session.exec(
                select(StorySegment.id).where(
                    StorySegment.story_id == uuid.UUID(story_id), StorySegment.content == content
                )
            ).one()
        )


def test_another_version_of_a_part_becomes_a_branch_the_reader_switches_to(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page = signed_in_page
    world_id, story_id = seed_branching_story(actor_of(account))
    storm = _segment_id(story_id, "Wind tore the sieves apart.")
    harbour = _segment_id(story_id, "Boats crowded the harbour at dawn.")
    opening = _segment_id(story_id, "The tide came in over the wall.")
    branch = {"operation": "branch", "story_id": story_id}
    llm.on_user(
        re.escape(f"segment {storm})"),
        then=[
            ToolCall(
                "story_manager",
                {
                    **branch,
                    "parent_id": harbour,
                    "segment": {"title": "The squall", "content": "Hail cracked the sieves."},
                },
            ),
            Reply("Here is the squall instead."),
        ],
    )
    llm.on_user(
        re.escape(f"segment {opening})"),
        then=[
            ToolCall(
                "story_manager",
                {**branch, "opening": True, "segment": {"content": "The tide never came."}},
            ),
            Reply("A dry opening."),
        ],
    )
    open_story(page, app_url, world_id, story_id)
    parts = page.locator(".dsf-segment")
    expect(parts).to_have_count(4)

    # By keyboard: the request shows in the chat, and the reader moves to the new branch.
    page.get_by_role("button", name="Ask the World Agent for another version of part 3").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".chat-user").last).to_contain_text("another version of “The storm”")
    expect(page.locator(".chat-assistant").last).to_contain_text(
        "the squall instead", timeout=90_000
    )
    expect(parts).to_have_count(3)
    expect(parts.nth(2)).to_contain_text("Hail cracked the sieves.")
    fork = page.locator(".dsf-fork")
    expect(fork).to_contain_text("After part 2 · “The harbour”")
    expect(fork.get_by_role("button", name=re.compile("The squall"))).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(fork.get_by_role("button", name=re.compile("The storm"))).to_have_attribute(
        "aria-pressed", "false"
    )

    # The first part has no parent: its other version is an alternative opening.
    page.get_by_role("button", name="Ask the World Agent for another version of part 1").click()
    expect(page.locator(".chat-assistant").last).to_contain_text("A dry opening.", timeout=90_000)
    expect(parts).to_have_count(1)
    expect(parts.first).to_contain_text("The tide never came.")
    expect(page.locator(".dsf-fork").first).to_contain_text("At the opening")
    # Nothing written before was lost: the old opening still leads to the harbour and the storm.
    page.locator(".dsf-fork").first.get_by_role("button", name=re.compile("Opening")).click()
    expect(parts.nth(1)).to_contain_text("Boats crowded the harbour at dawn.")
    assert len(_segment_texts(story_id)) == 7
