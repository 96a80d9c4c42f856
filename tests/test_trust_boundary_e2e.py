"""The hostile-content corpus (tests/hostile_content.py) through every surface that shows what an
agent, an author or a file wrote, in Chromium against the app as it ships.

- By the scripted model in a person's chat: assistant text (Markdown), reasoning, tool arguments
  and results, a delegated (nested) turn, canvas components, a suggestion, a stored error, the
  "Lore used" row of Codex entries; then the Codex tab with the entry the model made and the one
  it suggested, the runs page and the run search.
- By an author on a public world, read by a second signed-in person: the explore card, every
  foundation section, the changelog and the diff, the Codex tab and an entry's page (name,
  aliases, tags, summary, body, image, links, "appears in"), a story's segments with their links
  to the entries they mention, notes, branches and saved scene; search by meaning; then the
  world's JSON imported by the reader (its toast and its copy).

For each surface (tests/hostile_page.py): no script ran (no dialog, `window.__pwned` unset, the
title unchanged, no "PWNED" in the console), no CSP violation was even attempted (the renderer
emits nothing the policy would block), nowhere in the whole document an element that markup in
the text made or outside the allow-list, or an attribute with an event handler or a URL the
surface may not use, no request or navigation left for a host but the app and S3, and every
payload's marker is still there to read in the surface.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dsf_app.db import session_scope
from dsf_app.models import Visibility
from dsf_app.services import (
    assets,
    chat,
    codex,
    codex_embeddings,
    codex_links,
    exports,
    stories,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.services.world_updates import WorldUpdate, update_world
from dsf_app.settings import Settings
from dsf_app.storage import asset_key
from tests.accounts import Account, new_account, sign_up_over_http
from tests.canvas_helpers import TURN_TIMEOUT, new_tag, send, turn_done
from tests.e2e_helpers import actor_of, verified
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.hostile_content import MARKERS, PAYLOADS, Payload, chunks, codex_entry, corpus
from tests.hostile_page import Watch
from tests.test_security_headers_e2e import PNG

pytestmark = pytest.mark.usefixtures("dsf_in_process")


def stored_image(actor: Actor, world_id: uuid.UUID) -> str:
    key = asset_key(actor.user_id, world_id, "pixel.png")
    from dsf_app.services.asset_files import asset_storage

    asset_storage().put(key, PNG, "image/png")
    with session_scope() as session:
        asset = assets.record_asset(session, actor, world_id, key, "image/png", len(PNG))
        return f"/assets/{asset.id}"


def label(payload: Payload) -> str:
    return payload.text[:300]


def hostile_entries(
    actor: Actor, world_id: uuid.UUID, numbers: range, image: str | None = None
) -> list[uuid.UUID]:
    """Hostile Codex entries (`codex_entry(n)` for each n) by `actor`; the first pinned, shown
    with `image` and linked to the second under a hostile relation."""
    image_id = uuid.UUID(image.rsplit("/", 1)[-1]) if image else None
    with session_scope() as session:
        ids = [
            codex.create_entry(
                session,
                actor,
                world_id,
                EntryFields(**codex_entry(n), image_asset_id=image_id if n == numbers[0] else None),
                author="person",
                reason=label(PAYLOADS[n + 10]),
            ).id
            for n in numbers
        ]
        codex.set_flags(session, actor, ids[0], pinned=True)
        codex_links.add_link(
            session, actor, ids[0], ids[1], PAYLOADS[5].text[:100], author="person"
        )
        return ids


def hostile_scene(image: str) -> dict[str, Any]:
    """Every payload in a canvas text, and the labels, captions and alts of the other types (a
    Form's inputs among them); images only from our own asset (anything else is refused before
    it is stored)."""
    first, second, third = PAYLOADS[0], PAYLOADS[1], PAYLOADS[2]
    texts = [{"type": "Text", "props": {"content": p.text}} for p in PAYLOADS]
    return {
        "type": "Stack",
        "id": "hostile",
        "children": [
            *texts,
            {
                "type": "Hero",
                "props": {
                    "title": label(first),
                    "subtitle": label(second),
                    "backgroundImage": image,
                    "badge": label(third),
                    "meta": [label(first), label(second)],
                },
            },
            {
                "type": "Card",
                "props": {"title": label(first), "subtitle": label(second), "image": image},
                "children": [{"type": "Badge", "props": {"label": label(third)}}],
            },
            {
                "type": "Image",
                "props": {"src": image, "alt": label(first), "caption": label(second)},
            },
            {
                "type": "Gallery",
                "props": {"images": [{"src": image, "alt": label(third), "caption": label(first)}]},
            },
            {"type": "Callout", "props": {"title": label(first), "content": corpus()[:10_000]}},
            {
                "type": "Timeline",
                "props": {"events": [{"date": label(first), "title": label(second)}]},
            },
            {"type": "Stats", "props": {"items": [{"value": label(first), "label": label(third)}]}},
            {
                "type": "ActionBar",
                "props": {
                    "title": label(second),
                    "actions": [{"id": "go", "label": label(first), "description": label(third)}],
                },
            },
            hostile_form(),
        ],
    }


def hostile_form() -> dict[str, Any]:
    """Every payload as a text box's label and placeholder and as a choice of a Select; some as
    the Select's, the Slider's and the Toggle's labels (all four inputs are labelled by one
    renderer), the Form's title and its button."""
    first, second, third = PAYLOADS[0], PAYLOADS[1], PAYLOADS[2]
    boxes = [
        {
            "type": "TextInput",
            "id": f"box-{n}",
            "props": {"label": label(p), "placeholder": label(p)},
        }
        for n, p in enumerate(PAYLOADS)
    ]
    selects = [
        {
            "type": "Select",
            "id": f"select-{start}",
            "props": {
                "label": label(second),
                "options": [
                    {"id": f"o-{start + n}", "label": label(p)}
                    for n, p in enumerate(PAYLOADS[start : start + 50])
                ],
            },
        }
        for start in range(0, len(PAYLOADS), 50)
    ]
    return {
        "type": "Form",
        "id": "hostile-form",
        "props": {"title": label(first), "submitLabel": label(second)},
        "children": [
            *boxes,
            *selects,
            {"type": "Slider", "id": "slider", "props": {"label": label(third)}},
            {"type": "Toggle", "id": "toggle", "props": {"label": label(first)}},
        ],
    }


# --- by the model, in a person's chat ------------------------------------------------------


def test_the_corpus_from_the_model_is_inert_in_chat_canvas_suggestions_and_runs(
    signed_in_page: Page,
    app_url: str,
    account: Account,
    llm: ScriptedLLM,
    test_settings: Settings,
) -> None:
    page, tag = signed_in_page, new_tag()
    watch = Watch.on(page, test_settings)
    actor = actor_of(account)
    with session_scope() as session:
        world = worlds.create_world(
            session, actor, "Hostile Chat", foundation={"core_premise": corpus()}
        )
        world_id = world.id
        # A stored error row, as a failed turn leaves one.
        chat.append_message(session, actor, world_id, "system", corpus(), "error")
    image = stored_image(actor, world_id)
    hostile_entries(actor, world_id, range(3))
    made, suggested = codex_entry(3), codex_entry(4)
    suggested = {key: suggested[key] for key in ("name", "kind", "summary", "aliases")}

    suggestion = {
        "title": label(PAYLOADS[0]),
        "description": corpus()[:10_000],
        "action_id": "hostile",
        "action_label": label(PAYLOADS[1]),
    }
    llm.on_user(
        f"corpus {tag}",
        then=[
            # Reasoning before a tool call: DSF's chat joins text by Letta message id, and Letta
            # gives a step's reasoning and its answer one id (the answer would be appended).
            ToolCall("world_manager", {"operation": "load"}, reasoning=corpus()),
            ToolCall("canvas_ui", {"target": "canvas-root", "spec": hostile_scene(image)}),
            ToolCall("send_suggestion", suggestion),
            ToolCall("codex", {"operation": "create", "entry": made, "reason": label(PAYLOADS[6])}),
            ToolCall("codex", {"operation": "suggest", "suggestions": [suggested]}),
            ToolCall("delegate_to_experience", {"task": f"nested {tag} " + chunks(7000)[0]}),
            Reply(f"{corpus()}\n\nDone {tag}."),
        ],
    )
    llm.on_user(f"nested {tag}", then=[Reply(f"{corpus()}\n\nNested {tag}.")])
    page.goto(f"{app_url}/worlds/{world_id}")
    expect(page.locator("#chat-input")).to_be_visible()
    send(page, f"corpus {tag}\n\n{corpus()}")
    turn_done(page, f"Done {tag}.", timeout=4 * TURN_TIMEOUT)

    def chat_surfaces(when: str) -> None:
        watch.surface("#chat-log .chat-user", MARKERS, f"user message {when}")
        watch.surface("#chat-log .chat-assistant", MARKERS, f"assistant text {when}")
        watch.surface("#chat-log .chat-tool", MARKERS, f"tool arguments and results {when}")
        watch.surface("#chat-log .chat-error", MARKERS, f"error {when}")
        watch.surface("#canvas", MARKERS, f"canvas {when}")
        watch.surface(
            "#suggestions", [PAYLOADS[0].marker, PAYLOADS[1].marker], f"suggestion {when}"
        )
        # The pinned entry is always in front of the agent; the others as the budget allows.
        watch.surface("#chat-log .chat-lore", [PAYLOADS[0].marker], f"lore used {when}")

    chat_surfaces("while streamed")
    watch.surface("#chat-log .chat-reasoning", MARKERS, "reasoning")
    watch.surface("#chat-log .chat-nested .chat-assistant", MARKERS, "delegated turn")
    # Links keep their place as links, and show where they lead.
    assistant = page.locator("#chat-log .chat-row .chat-assistant").last
    expect(assistant.locator("a[href='https://evil.example/phish']").first).to_be_visible()
    expect(assistant).to_contain_text("(evil.example)")
    expect(assistant).to_contain_text("(xn--pple-43d.example)")
    expect(assistant.locator(".dsf-blocked-image").first).to_contain_text("[image: leak]")
    expect(page.locator("#canvas img").first).to_have_attribute("src", image)
    # Placeholders and a Select's choices, as written: attributes and option text, never markup.
    inputs = page.locator("#canvas [data-canvas-id='hostile-form']")
    written = [label(p) for p in PAYLOADS]
    assert (
        inputs.locator("input[placeholder]").evaluate_all("els => els.map((e) => e.placeholder)")
        == written
    )
    assert inputs.locator("option").evaluate_all("els => els.map((e) => e.textContent)") == written

    page.reload()
    expect(page.locator("#chat-log .chat-assistant").last).to_contain_text(f"Done {tag}.")
    chat_surfaces("after a reload")

    page.get_by_role("tab", name=re.compile("Codex")).click()
    expect(page.locator("#codex-suggestions")).to_contain_text(PAYLOADS[4].marker)
    expect(page.locator("#codex .dsf-entry-link", has_text=PAYLOADS[3].marker)).to_be_visible()
    # The entries and suggestions; the tab's own search form and editor are the app's.
    watch.surface(
        "#codex-suggestions, #codex .dsf-codex-group",
        MARKERS,
        "Codex tab with the model's entry and suggestion",
    )

    page.goto(f"{app_url}/runs")
    watch.surface("main .run-row", [PAYLOADS[0].marker], "runs page")
    page.get_by_label("Search your runs by meaning").fill(f"corpus {tag}")
    page.get_by_label("Search your runs by meaning").press("Enter")
    expect(page.locator("#run-search-caption")).to_be_visible()
    watch.surface("main .run-row", [PAYLOADS[0].marker], "run search")


# --- by an author, on a public world read by someone else ----------------------------------


def hostile_world(author: Actor) -> tuple[uuid.UUID, uuid.UUID, str, list[uuid.UUID]]:
    """A public world whose every text is hostile, changed by its author with hostile reasons,
    with a branching story and a Codex; (world id, story id, the image asset URL, entry ids)."""
    reasons = chunks(1000)
    items = chunks(1000)
    foundation = {
        "core_premise": corpus(),
        "deep_focus_areas": items,
        "rules": [
            {"statement": text, "implications": [text], "exceptions": [text]} for text in items
        ],
        "technology": [
            {"name": label(PAYLOADS[n])[:200], "how_it_works": text, "limits": [text]}
            for n, text in enumerate(chunks(4000))
        ],
        "history": {
            "timeline": [
                {"event": text, "when": PAYLOADS[n].text[:100], "significance": text}
                for n, text in enumerate(items)
            ]
        },
        "geography": corpus(),
        "culture": corpus(),
        "working_notes": {"contradictions": items, "open_questions": items},
    }
    with session_scope() as session:
        world = worlds.create_world(session, author, label(PAYLOADS[0])[:200], "An opening.")
        world_id = world.id
        updates = [
            WorldUpdate(path=path, operation="add", value=value, reason=reasons[0])
            for path, value in foundation.items()
        ]
        updates += [
            WorldUpdate(path="constraints", operation="add", value=reason, reason=reason)
            for reason in reasons
        ]
        update_world(session, author, world_id, updates, author="person")
        worlds.set_visibility(session, author, world_id, Visibility.PUBLIC)
    image = stored_image(author, world_id)
    notes = {
        "elements_introduced": items,
        "rules_applied": items,
        "rules_challenged": items,
        "new_questions": items,
    }
    with session_scope() as session:
        story = stories.create_story(session, author, world_id, label(PAYLOADS[1]), corpus())
        opening = stories.add_segment(
            session,
            author,
            story.id,
            label(PAYLOADS[2]),
            corpus(),
            world_evolution=notes,
            ui_components=[hostile_scene(image)],
        )
        session.flush()
        for n in (3, 4):
            stories.add_segment(
                session, author, story.id, label(PAYLOADS[n]), corpus(), parent_id=opening.id
            )
        story_id = story.id
    entry_ids = hostile_entries(author, world_id, range(5), image)
    codex_embeddings.embed_missing(author, world_id)
    return world_id, story_id, image, entry_ids


def test_an_authors_hostile_public_world_is_inert_for_its_readers(
    signed_in_page: Page,
    app_url: str,
    test_settings: Settings,
    tmp_path: Path,
) -> None:
    page = signed_in_page
    watch = Watch.on(page, test_settings)
    author_account = new_account("Mallory")
    sign_up_over_http(app_url, author_account)
    author = verified(author_account)  # publishes the world
    world_id, story_id, image, entry_ids = hostile_world(author)
    name_marker = PAYLOADS[0].marker

    page.goto(f"{app_url}/worlds")
    page.get_by_role("tab", name="Explore").click()
    page.get_by_label("Search worlds by name").fill(name_marker)
    # Other tests on this stack may have public worlds under the same hostile name.
    cards = page.locator("#world-cards .dsf-world-card")
    expect(cards.filter(has=page.locator(f"a[href='/worlds/{world_id}']"))).to_have_count(1)
    watch.surface("#world-cards", [name_marker], "explore card")

    page.goto(f"{app_url}/worlds/{world_id}")
    expect(page.locator("#premise-text")).to_contain_text(MARKERS[-1])
    watch.surface("main", MARKERS, "world page: foundation")
    page.get_by_role("tab", name="History").click()
    expect(page.locator(".dsf-change").first).to_be_visible()
    watch.surface("main", MARKERS, "world page: changelog and diff")
    expect(page.locator("#version-diff .dsf-diff-row").first).to_be_visible()
    page.get_by_role("tab", name=re.compile("Codex")).click()
    expect(page.locator("#codex .dsf-codex-entry").first).to_be_visible()
    watch.surface("#codex .dsf-codex-group", MARKERS, "Codex tab")

    page.goto(f"{app_url}/worlds/{world_id}/codex/{entry_ids[0]}")
    expect(page.locator("#entry-body")).to_contain_text(MARKERS[-1])
    expect(page.locator(".dsf-entry-link-row")).to_contain_text(PAYLOADS[1].marker)
    expect(page.locator("#appears-in .dsf-appears-segment").first).to_be_visible()
    expect(page.locator(f"main img[src='{image}']")).to_be_visible()
    watch.surface("main", MARKERS, "Codex entry page")

    page.goto(f"{app_url}/worlds/{world_id}/stories/{story_id}")
    expect(page.locator(".dsf-segment-scene [data-canvas-id='hostile']")).to_be_visible()
    # Each entry's name is one payload, which the segments hold: a link to the entry.
    expect(page.locator(".dsf-segment-text .dsf-mention").first).to_be_visible()
    watch.surface("main", MARKERS, "story reader")
    expect(page.locator(".dsf-fork")).to_contain_text(PAYLOADS[2].marker)
    expect(page.locator(".dsf-branch-option").first).to_contain_text(PAYLOADS[3].marker)

    page.goto(f"{app_url}/search")
    page.get_by_label("Search by meaning").fill(label(PAYLOADS[0]))
    page.get_by_label("Search by meaning").press("Enter")
    expect(page.locator("#search-entries")).to_contain_text(name_marker)
    watch.surface("#search-results", [name_marker], "search by meaning")

    # The world's JSON (as the author exported it) imported by the reader.
    with session_scope() as session:
        name, text = exports.world_json(session, author, world_id)
    assert "<" not in text and json.loads(text)["world"]["name"] == label(PAYLOADS[0])[:200]
    path = tmp_path / name
    path.write_text(text)
    page.goto(f"{app_url}/worlds")
    page.locator("input[type=file]").set_input_files(path)
    expect(page).to_have_url(re.compile(r"/worlds/[0-9a-f-]{36}/?$"))
    toast = page.locator("[data-sonner-toast]").filter(has_text="Imported")
    toast.hover()  # a toast stays while the pointer is on it
    watch.surface("[data-sonner-toast]", [name_marker], "import toast")
    expect(page.locator("#premise-text")).to_contain_text(MARKERS[-1])
    watch.surface("main", MARKERS, "imported world")
