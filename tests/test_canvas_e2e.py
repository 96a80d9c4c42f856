"""The canvas in Chromium, against the app as it ships, the real Letta server and the scripted
model: scenes an agent composes appear while its turn runs, clicks reach the agent, an ActionBar
choice continues the story, components are updated and removed by id, suggestions are accepted
and dismissed, and a scene is saved with a story segment."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dsf_app.canvas.specs import COMPONENT_TYPES
from dsf_app.db import session_scope
from dsf_app.services import stories
from tests.accounts import Account
from tests.canvas_helpers import (
    TURN_TIMEOUT,
    canvas,
    new_tag,
    node,
    open_world,
    send,
    tool_results,
    turn_done,
)
from tests.e2e_helpers import actor_of
from tests.fakes.gate import Gate
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall

pytestmark = pytest.mark.usefixtures("dsf_in_process")

PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAC"
    "hwGA60e6kgAAAABJRU5ErkJggg=="
)


def reloaded(page: Page) -> None:
    """Reload the tab and wait until the canvas and the suggestions show what they loaded for it:
    until then they show what the tab's state kept from before, so an absence proves nothing."""
    page.reload()
    expect(page.locator("#canvas")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#suggestions")).to_have_attribute("data-loaded", "true")


def every_type(tag: str) -> dict[str, Any]:
    """A scene using every component type, with a 5-deep nested branch."""
    return {
        "type": "Stack",
        "id": f"scene-{tag}",
        "props": {"spacing": "lg"},
        "children": [
            {
                "type": "ProgressBar",
                "id": "progress",
                "props": {"position": "top", "showLabel": True},
            },
            {
                "type": "Hero",
                "id": "hero",
                "props": {
                    "title": f"Tidewright {tag}",
                    "subtitle": "A story of the kelp farms",
                    "backgroundImage": PNG,
                    "badge": "Chapter 1",
                    "meta": ["12 min read", "Year 2203"],
                    "height": "medium",
                },
            },
            {
                "type": "Text",
                "id": "intro",
                "props": {
                    "content": "The tide came in red.",
                    "variant": "heading",
                    "color": "crimson",
                },
            },
            {
                "type": "Timeline",
                "id": "history",
                "props": {
                    "events": [
                        {"year": 2031, "title": "Fusion fails", "status": "completed"},
                        {"date": "Spring 2147", "title": "The kelp grid", "status": "current"},
                        {"title": "Landfall", "status": "upcoming"},
                    ]
                },
            },
            {
                "type": "Grid",
                "id": "people",
                "props": {"columns": 2, "gap": "md"},
                "children": [
                    {
                        "type": "Card",
                        "id": "mara",
                        "props": {
                            "title": "Mara",
                            "subtitle": "Diver",
                            "image": PNG,
                            "clickable": True,
                        },
                        "children": [{"type": "Text", "props": {"content": "Forty dives deep."}}],
                    },
                    {
                        "type": "Card",
                        "id": "oren",
                        "props": {"title": "Oren", "imagePosition": "left", "image": PNG},
                        "children": [
                            {"type": "Badge", "id": "oren-badge", "props": {"label": "Engineer"}}
                        ],
                    },
                ],
            },
            {
                "type": "Image",
                "id": "coast",
                "props": {"src": PNG, "alt": "The coast", "caption": "Low tide", "lightbox": True},
            },
            {
                "type": "Gallery",
                "id": "gallery",
                "props": {"images": [{"src": PNG, "alt": "Dawn"}, {"src": PNG, "caption": "Dusk"}]},
            },
            {
                "type": "Stats",
                "id": "stats",
                "props": {
                    "items": [{"value": "8.2 billion", "label": "Population", "trend": "down"}]
                },
            },
            {"type": "Divider", "id": "divider", "props": {"label": "Part II", "variant": "fade"}},
            {"type": "Button", "id": "continue", "props": {"label": "Continue"}},
            {
                "type": "Dialog",
                "id": "log",
                "props": {
                    "title": "Ship's log",
                    "trigger": {
                        "type": "Button",
                        "id": "log-open",
                        "props": {"label": "Read the log"},
                    },
                },
                "children": [
                    {"type": "Text", "id": "log-entry", "props": {"content": "Day 1: all quiet."}}
                ],
            },
            {
                "type": "Stack",
                "id": "deep-1",
                "children": [
                    {
                        "type": "Card",
                        "id": "deep-2",
                        "props": {"title": "Outer"},
                        "children": [
                            {
                                "type": "Callout",
                                "id": "deep-3",
                                "props": {"variant": "tech", "title": "Kelp reactors"},
                                "children": [
                                    {
                                        "type": "ScrollSection",
                                        "id": "deep-4",
                                        "props": {"animation": "fade-up"},
                                        "children": [
                                            {
                                                "type": "Grid",
                                                "id": "deep-5",
                                                "props": {"columns": 2},
                                                "children": [
                                                    {
                                                        "type": "Text",
                                                        "id": "deep-6",
                                                        "props": {"content": f"deep {tag}"},
                                                    }
                                                ],
                                            }
                                        ],
                                    }
                                ],
                            }
                        ],
                    }
                ],
            },
            {
                "type": "Form",
                "id": "launch",
                "props": {"title": "Before you launch", "submitLabel": "Launch"},
                "children": [
                    {"type": "TextInput", "id": "ship", "props": {"label": "Name your ship"}},
                    {
                        "type": "Select",
                        "id": "route",
                        "props": {"label": "Route", "options": [{"id": "outer", "label": "Outer"}]},
                    },
                    {"type": "Slider", "id": "fuel", "props": {"label": "Fuel", "max": 10}},
                    {"type": "Toggle", "id": "lights", "props": {"label": "Running lights"}},
                ],
            },
            {
                "type": "ActionBar",
                "id": "next",
                "props": {
                    "title": "What happens next?",
                    "actions": [
                        {"id": "hatch", "label": f"Open the hatch {tag}", "variant": "primary"},
                        {
                            "id": "wait",
                            "label": "Wait for dawn",
                            "variant": "branch",
                            "description": "Safer.",
                        },
                    ],
                },
            },
        ],
    }


def test_every_type_renders_live_while_the_turn_runs(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, tag, answering = signed_in_page, new_tag(), Gate()
    open_world(page, app_url, account)
    llm.on_user(
        f"show the scene {tag}",
        then=[
            canvas("canvas-root", every_type(tag)),
            Reply(f"Your scene is ready {tag}.", hold=answering),
        ],
    )
    send(page, f"show the scene {tag}")
    answering.wait_reached(timeout=TURN_TIMEOUT / 1000)

    # The scene is on screen while the model is still composing its answer.
    expect(node(page, "hero")).to_contain_text(f"Tidewright {tag}", timeout=TURN_TIMEOUT)
    expect(page.locator("#chat-cancel")).to_be_visible()
    expect(page.locator(".chat-assistant", has_text=f"Your scene is ready {tag}")).to_have_count(0)

    types = page.locator("#canvas [data-canvas-type]").evaluate_all(
        "nodes => [...new Set(nodes.map(n => n.dataset.canvasType))]"
    )
    assert set(types) == set(COMPONENT_TYPES)
    for kind in sorted(COMPONENT_TYPES):
        expect(page.locator(f"#canvas [data-canvas-type='{kind}']").first).to_be_visible()

    chain = page.locator("#canvas")
    for depth, kind in enumerate(["Stack", "Card", "Callout", "ScrollSection", "Grid", "Text"], 1):
        chain = chain.locator(f"[data-canvas-id='deep-{depth}'][data-canvas-type='{kind}']")
    expect(chain).to_have_text(f"deep {tag}")

    expect(node(page, "intro")).to_have_text("The tide came in red.")
    expect(node(page, "history")).to_contain_text("Spring 2147")
    expect(node(page, "history")).to_contain_text("2031")
    expect(node(page, "stats")).to_contain_text("8.2 billion")
    expect(node(page, "mara").locator("img")).to_have_attribute("src", PNG)
    expect(node(page, "gallery").locator("img")).to_have_count(2)
    expect(node(page, "next").get_by_role("button")).to_have_count(2)
    expect(node(page, "progress")).to_have_attribute("role", "progressbar")

    zoom = node(page, "coast").get_by_role("button")
    zoom.focus()
    page.keyboard.press("Enter")
    lightbox = page.get_by_role("dialog")
    expect(lightbox.locator("img")).to_have_attribute("src", PNG)
    expect(lightbox).to_contain_text("Low tide")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    answering.open()
    turn_done(page, f"Your scene is ready {tag}.")
    page.reload()
    expect(node(page, "deep-6")).to_have_text(f"deep {tag}")


def test_clicks_reach_the_agent_and_a_choice_continues_the_story(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, tag = signed_in_page, new_tag()
    open_world(page, app_url, account)
    llm.on_user(
        f"set the scene {tag}",
        then=[canvas("canvas-root", every_type(tag)), Reply(f"Scene set {tag}.")],
    )
    send(page, f"set the scene {tag}")
    turn_done(page, f"Scene set {tag}.")

    node(page, "continue").click()
    # The clickable card and the badges answer the keyboard as buttons do.
    for element, key in [
        (node(page, "mara"), "Enter"),
        (node(page, "oren-badge"), " "),
        (node(page, "hero").locator("[data-canvas-part='badge']"), "Enter"),
    ]:
        element.focus()
        expect(element).to_be_focused()
        page.keyboard.press(key)
    node(page, "log").get_by_role("button", name="Read the log").click()
    expect(page.get_by_role("dialog")).to_contain_text("Day 1: all quiet.")
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # An ActionBar choice starts the next turn by itself.
    llm.on_user(
        f"The reader chose: Open the hatch {tag}", then=[Reply(f"The hatch groans open {tag}.")]
    )
    node(page, "next").get_by_role("button", name=re.compile(f"Open the hatch {tag}")).click()
    expect(page.locator(".chat-user").last).to_have_text(f"The reader chose: Open the hatch {tag}")
    turn_done(page, f"The hatch groans open {tag}.")

    llm.on_user(
        f"what did I touch {tag}",
        then=[ToolCall("get_canvas_interactions", {}), Reply(f"I saw your clicks {tag}.")],
    )
    send(page, f"what did I touch {tag}")
    turn_done(page, f"I saw your clicks {tag}.")

    results = tool_results(llm, '"componentId": "continue"')
    assert results, f"the clicks never reached the model: {tool_results(llm, '', 0)[-3:]}"
    payload = results[-1]
    seen = re.findall(r'"componentId": "([^"]+)", "interactionType": "([^"]+)"', payload)
    assert seen == [
        ("continue", "click"),
        ("mara", "click"),
        ("oren-badge", "click"),
        ("hero", "click"),
        ("log", "open"),
        ("log", "close"),
        ("next", "action"),
    ]
    assert '"part": "badge"' in payload
    assert '"actionId": "hatch"' in payload and f'"label": "Open the hatch {tag}"' in payload


def test_update_and_remove_by_id(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, tag = signed_in_page, new_tag()
    open_world(page, app_url, account)
    scene = {
        "type": "Stack",
        "id": "root",
        "children": [
            {
                "type": "Text",
                "id": "title",
                "props": {"content": f"Old title {tag}", "variant": "heading"},
            },
            {
                "type": "Card",
                "id": "card",
                "props": {"title": "Mara"},
                "children": [{"type": "Text", "id": "bio", "props": {"content": "A diver."}}],
            },
            {"type": "Badge", "id": "badge", "props": {"label": "Hard SF"}},
        ],
    }
    llm.on_user(f"draw {tag}", then=[canvas("canvas-root", scene), Reply(f"Drawn {tag}.")])
    send(page, f"draw {tag}")
    turn_done(page, f"Drawn {tag}.")
    expect(node(page, "title")).to_have_text(f"Old title {tag}")

    new_bio = {
        "type": "Callout",
        "id": "bio",
        "props": {"variant": "quote", "content": f"A pilot now {tag}."},
    }
    llm.on_user(
        f"change {tag}",
        then=[
            canvas("canvas-root", new_bio, action="update", component_id="bio"),
            canvas(
                "canvas-root",
                {"type": "Text", "id": "title", "props": {"content": f"New title {tag}"}},
                action="update",
                component_id="title",
            ),
            Reply(f"Changed {tag}."),
        ],
    )
    send(page, f"change {tag}")
    turn_done(page, f"Changed {tag}.")
    expect(node(page, "title")).to_have_text(f"New title {tag}")
    expect(node(page, "card").locator("[data-canvas-id='bio']")).to_have_attribute(
        "data-canvas-type", "Callout"
    )
    expect(node(page, "bio")).to_contain_text(f"A pilot now {tag}.")
    expect(node(page, "badge")).to_be_visible()

    llm.on_user(
        f"drop the card {tag}",
        then=[
            ToolCall(
                "canvas_ui", {"target": "canvas-root", "action": "remove", "component_id": "card"}
            ),
            Reply(f"Dropped {tag}."),
        ],
    )
    send(page, f"drop the card {tag}")
    turn_done(page, f"Dropped {tag}.")
    expect(node(page, "card")).to_have_count(0)
    expect(node(page, "bio")).to_have_count(0)
    expect(node(page, "title")).to_have_text(f"New title {tag}")

    llm.on_user(
        f"clear it {tag}",
        then=[
            ToolCall("canvas_ui", {"target": "canvas-root", "action": "remove"}),
            Reply(f"Cleared {tag}."),
        ],
    )
    send(page, f"clear it {tag}")
    turn_done(page, f"Cleared {tag}.")
    expect(page.locator("#canvas [data-canvas-id]")).to_have_count(0)
    reloaded(page)
    expect(page.locator("#canvas [data-canvas-id]")).to_have_count(0)


def test_overlay_fullscreen_and_inline_can_be_closed_by_the_person(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, tag = signed_in_page, new_tag()
    open_world(page, app_url, account)
    llm.on_user(
        f"layers {tag}",
        then=[
            canvas(
                "canvas-root", {"type": "Text", "id": "inline-text", "props": {"content": "inline"}}
            ),
            canvas(
                "story-reader",
                {"type": "Text", "id": "overlay-text", "props": {"content": f"overlay {tag}"}},
                mode="overlay",
            ),
            Reply(f"Layered {tag}."),
        ],
    )
    send(page, f"layers {tag}")
    turn_done(page, f"Layered {tag}.")
    overlay = page.get_by_role("dialog")
    expect(overlay).to_contain_text(f"overlay {tag}")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(node(page, "inline-text")).to_have_text("inline")

    llm.on_user(
        f"go big {tag}",
        then=[
            canvas(
                "world-gallery",
                {
                    "type": "Hero",
                    "id": "big",
                    "props": {"title": f"Fullscreen {tag}", "height": "full"},
                },
                mode="fullscreen",
            ),
            Reply(f"Big {tag}."),
        ],
    )
    send(page, f"go big {tag}")
    layer = page.locator(".dsf-fullscreen")
    expect(layer).to_contain_text(f"Fullscreen {tag}", timeout=TURN_TIMEOUT)
    box = layer.bounding_box()
    assert box is not None and box["width"] >= 1270 and box["height"] >= 790
    layer.locator(".dsf-fullscreen-close").click()
    expect(layer).to_have_count(0)
    turn_done(page, f"Big {tag}.")

    page.locator("[data-canvas-target='canvas-root'] .dsf-canvas-close").click()
    expect(node(page, "inline-text")).to_have_count(0)
    reloaded(page)
    expect(page.locator("#canvas [data-canvas-id]")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_a_suggestion_is_accepted_and_another_dismissed(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, tag = signed_in_page, new_tag()
    open_world(page, app_url, account)
    llm.on_user(
        f"any ideas {tag}",
        then=[
            ToolCall(
                "send_suggestion",
                {
                    "title": f"Visit the ring {tag}",
                    "description": "See Kepler Station up close.",
                    "action_id": "visit-ring",
                    "priority": "high",
                    "action_label": "Take me there",
                    "action_data": {"deck": 3},
                },
            ),
            ToolCall(
                "send_suggestion",
                {
                    "title": f"Map the coast {tag}",
                    "description": "Chart the drowned shore.",
                    "action_id": "map",
                },
            ),
            Reply(f"Two ideas {tag}."),
        ],
    )
    send(page, f"any ideas {tag}")
    turn_done(page, f"Two ideas {tag}.")
    cards = page.locator("#suggestions .suggestion")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text(f"Visit the ring {tag}")  # high priority first

    cards.filter(has_text=f"Map the coast {tag}").locator(".suggestion-dismiss").click()
    expect(cards).to_have_count(1)

    llm.on_user(
        rf"I accept your suggestion “Visit the ring {tag}”",
        then=[Reply(f"To the ring, then {tag}.")],
    )
    cards.first.get_by_role("button", name="Take me there").click()
    expect(page.locator(".chat-user").last).to_have_text(
        f'I accept your suggestion “Visit the ring {tag}” (action_id: visit-ring) with action_data {{"deck": 3}}.'
    )
    turn_done(page, f"To the ring, then {tag}.")
    expect(cards).to_have_count(0)
    reloaded(page)
    expect(page.locator("#suggestions .suggestion")).to_have_count(0)


def test_a_saved_segment_keeps_the_scene(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, tag = signed_in_page, new_tag()
    world_id = open_world(page, app_url, account)
    with session_scope() as session:
        story = stories.create_story(session, actor_of(account), uuid.UUID(world_id), "Low Tide")
        story_id = str(story.id)
    scene = {"type": "Hero", "id": f"hero-{tag}", "props": {"title": "Low Tide"}}
    llm.on_user(
        f"write it {tag}",
        then=[
            canvas("story-reader", scene),
            ToolCall(
                "story_manager",
                {
                    "operation": "save_segment",
                    "story_id": story_id,
                    "segment": {"title": "Opening", "content": "The sea came back."},
                },
            ),
            Reply(f"Written {tag}."),
        ],
    )
    send(page, f"write it {tag}")
    turn_done(page, f"Written {tag}.")
    with session_scope() as session:
        segments = stories.list_segments(session, actor_of(account), uuid.UUID(story_id))
    assert [s.ui_components for s in segments] == [[scene]]
