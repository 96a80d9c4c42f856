"""The story reader and the exports in Chromium: a path through a branching story, switching
branches, world-evolution notes, a hand edit, pages of a long story; a story downloaded as
Markdown and EPUB, and a world exported as JSON and imported back as an identical copy."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dsf_app.db import session_scope
from dsf_app.services import exports, stories, worlds
from dsf_app.services.actor import Actor
from tests.accounts import Account
from tests.e2e_helpers import actor_of, horizontal_overflow
from tests.epub_reader import read_epub

pytestmark = pytest.mark.usefixtures("dsf_in_process")


def seed_branching_story(actor: Actor) -> tuple[str, str]:
    """opening → harbour → (storm → aftermath | calm); returns (world id, story id)."""
    with session_scope() as session:
        world = worlds.create_world(
            session, actor, "Saltwater", foundation={"core_premise": "Cheap desalination."}
        )
        story = stories.create_story(session, actor, world.id, "The Brine Wars", "Two tides.")
        add = stories.add_segment
        opening = add(session, actor, story.id, "Opening", "The tide came in over the wall.")
        harbour = add(
            session,
            actor,
            story.id,
            "The harbour",
            "Boats crowded the harbour at dawn.",
            parent_id=opening.id,
            world_evolution={
                "elements_introduced": ["Sieve barges"],
                "rules_applied": ["Water is cheap"],
                "rules_challenged": ["Brine is harmless"],
                "new_questions": ["Who dumps the brine?"],
            },
            ui_components=[
                {
                    "type": "Callout",
                    "props": {
                        "variant": "rule",
                        "title": "Harbour law",
                        "content": "Salt is money.",
                    },
                }
            ],
        )
        storm = add(
            session, actor, story.id, "The storm", "Wind tore the sieves apart.", harbour.id
        )
        add(session, actor, story.id, "The calm", "Nothing moved all day long.", harbour.id)
        add(session, actor, story.id, "Aftermath", "They rebuilt the sieves.", storm.id)
        return str(world.id), str(story.id)


def open_story(page: Page, app_url: str, world_id: str, story_id: str) -> None:
    page.goto(f"{app_url}/worlds/{world_id}/stories/{story_id}")
    expect(page.get_by_role("heading", name="The Brine Wars", level=1)).to_be_visible()


def test_read_a_story_and_switch_between_two_branches(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page = signed_in_page
    world_id, story_id = seed_branching_story(actor_of(account))
    open_story(page, app_url, world_id, story_id)

    parts = page.locator(".dsf-segment")
    expect(parts).to_have_count(4)
    expect(parts.nth(2)).to_contain_text("Wind tore the sieves apart.")
    expect(parts.nth(3)).to_contain_text("Aftermath")
    expect(page.get_by_text("Nothing moved all day long.")).to_have_count(0)
    expect(parts.nth(1).locator(".dsf-word-count")).to_have_text("6 words")
    notes = parts.nth(1).locator(".dsf-margin-notes")
    for text in ("Sieve barges", "Water is cheap", "Brine is harmless", "Who dumps the brine?"):
        expect(notes).to_contain_text(text)
    expect(page.locator("#story-stats")).to_have_text("4 parts · 22 words")
    scene = parts.nth(1).locator(".dsf-segment-scene")
    expect(scene).to_contain_text("Harbour law")
    expect(scene).to_contain_text("Salt is money.")

    fork = page.locator(".dsf-fork")
    expect(fork).to_have_count(1)
    expect(fork).to_contain_text("After part 2 · “The harbour”")
    storm = fork.get_by_role("button", name=re.compile("The storm"))
    calm = fork.get_by_role("button", name=re.compile("The calm"))
    expect(storm).to_have_attribute("aria-pressed", "true")
    calm.click()
    expect(parts).to_have_count(3)
    expect(parts.nth(2)).to_contain_text("Nothing moved all day long.")
    expect(page.get_by_text("Wind tore the sieves apart.")).to_have_count(0)
    expect(calm).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#story-stats")).to_have_text("3 parts · 18 words")

    storm.click()
    expect(parts).to_have_count(4)
    expect(parts.nth(2)).to_contain_text("Wind tore the sieves apart.")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(notes).to_be_visible()
    assert horizontal_overflow(page) <= 0


def test_edit_a_segment_by_hand(signed_in_page: Page, app_url: str, account: Account) -> None:
    page = signed_in_page
    world_id, story_id = seed_branching_story(actor_of(account))
    open_story(page, app_url, world_id, story_id)
    page.get_by_role("button", name="Edit part 1").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Text")).to_have_value("The tide came in over the wall.")
    dialog.get_by_label("Text").fill("The tide came in. It did not go out again.")
    dialog.get_by_role("button", name="Save part").click()
    first = page.locator(".dsf-segment").first
    expect(first).to_contain_text("It did not go out again.")
    expect(first.locator(".dsf-word-count")).to_have_text("10 words")
    page.reload()
    expect(page.locator(".dsf-segment").first).to_contain_text("It did not go out again.")


def test_a_long_story_is_read_page_by_page(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    actor = actor_of(account)
    with session_scope() as session:
        world = worlds.create_world(session, actor, "Long Haul")
        story = stories.create_story(session, actor, world.id, "The Brine Wars")
        for n in range(1, 101):
            stories.add_segment(session, actor, story.id, "", f"Chapter text number {n}.")
        world_id, story_id = str(world.id), str(story.id)
    page = signed_in_page
    open_story(page, app_url, world_id, story_id)
    parts = page.locator(".dsf-segment")
    expect(parts).to_have_count(40)
    expect(page.locator(".dsf-page-top")).to_have_text("Page 1 of 3")
    page.get_by_role("button", name="Next page").first.click()
    expect(page.locator(".dsf-page-top")).to_have_text("Page 2 of 3")
    expect(parts.first).to_contain_text("Part 41")
    expect(parts.first).to_contain_text("Chapter text number 41.")


def test_export_markdown_and_epub(signed_in_page: Page, app_url: str, account: Account) -> None:
    page = signed_in_page
    world_id, story_id = seed_branching_story(actor_of(account))
    open_story(page, app_url, world_id, story_id)
    page.locator(".dsf-fork").get_by_role("button", name=re.compile("The calm")).click()
    expect(page.locator(".dsf-segment")).to_have_count(3)

    with page.expect_download() as download:
        page.get_by_role("button", name="Export as Markdown").click()
    assert download.value.suggested_filename == "the-brine-wars.md"
    markdown = download.value.path().read_text(encoding="utf-8")
    assert markdown.startswith("# The Brine Wars\n")
    assert "## The calm\n\nNothing moved all day long." in markdown
    assert "The storm" not in markdown

    with page.expect_download() as download:
        page.get_by_role("button", name="Export as EPUB").click()
    assert download.value.suggested_filename == "the-brine-wars.epub"
    book = read_epub(download.value.path().read_bytes())
    assert book.metadata["title"] == ["The Brine Wars"]
    toc = book.toc()
    assert [title for title, _ in toc] == ["Opening", "The harbour", "The calm"]
    assert "Nothing moved all day long." in book.text(toc[2][1])


def test_export_a_world_as_json_and_import_it_as_an_identical_copy(
    signed_in_page: Page, app_url: str, account: Account, tmp_path: Path
) -> None:
    page = signed_in_page
    actor = actor_of(account)
    world_id, _story_id = seed_branching_story(actor)
    page.goto(f"{app_url}/worlds/{world_id}")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export JSON").click()
    assert download.value.suggested_filename == "saltwater.world.json"
    path = tmp_path / "saltwater.world.json"
    download.value.save_as(path)

    page.goto(f"{app_url}/worlds")
    expect(page.locator(".dsf-world-card")).to_have_count(1)
    page.locator("input[type=file]").set_input_files(path)
    expect(page).to_have_url(re.compile(r"/worlds/[0-9a-f-]{36}/?$"))
    copy_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert copy_id != world_id
    expect(page.get_by_role("heading", name="Saltwater", level=1)).to_be_visible()
    page.get_by_role("tab", name=re.compile("Stories")).click()
    expect(page.locator(".dsf-story-link")).to_contain_text("The Brine Wars")

    with session_scope() as session:
        original = exports.export_world(session, actor, uuid.UUID(world_id))
        copy = exports.export_world(session, actor, uuid.UUID(copy_id))
        copied_world = worlds.get_world(session, actor, uuid.UUID(copy_id))
        assert copied_world.visibility == "private" and copied_world.owner_id == actor.user_id

    def content(export: exports.WorldExport):
        stories_out = []
        for story in export.stories:
            index = {segment.id: n for n, segment in enumerate(story.segments)}
            stories_out.append(
                (
                    story.title,
                    story.description,
                    [
                        (
                            s.title,
                            s.content,
                            s.order,
                            s.world_evolution,
                            index.get(s.parent_id) if s.parent_id else None,
                        )
                        for s in story.segments
                    ],
                )
            )
        world = export.world
        return (world.name, world.foundation, world.constraints, world.surface, stories_out)

    assert content(copy) == content(original)
