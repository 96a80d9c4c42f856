"""Hostile canvas specs through the real agent loop, in Chromium: script URLs, markup in text,
event-handler-like props, enormous and 1,000-deep specs are refused with an error the agent can
read, or drawn as inert text — and nothing runs in the page (no dialog, no console output,
`window.__pwned` stays undefined)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dsf_app import image_sources
from tests.accounts import Account
from tests.canvas_helpers import (
    TURN_TIMEOUT,
    new_tag,
    node,
    open_world,
    send,
    tool_results,
    turn_done,
)
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall

pytestmark = pytest.mark.usefixtures("dsf_in_process")

PWN = "window.__pwned = 1; console.log('PWNED'); alert('PWNED')"
IMG = f'<img src=x onerror="{PWN}">'
SCRIPT = f"<script>{PWN}</script>"
SVG = "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+PC9zdmc+"
HTML_DATA = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@pytest.fixture
def watched_page(signed_in_page: Page) -> Iterator[tuple[Page, list[str], list[str]]]:
    """The page, with every JavaScript dialog and console message it produces recorded."""
    dialogs: list[str] = []
    console: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    signed_in_page.on("dialog", on_dialog)
    signed_in_page.on("console", lambda message: console.append(message.text))
    yield signed_in_page, dialogs, console


def assert_nothing_ran(page: Page, dialogs: list[str], console: list[str]) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert [text for text in console if "PWNED" in text or "pwned" in text] == []


def text(content: str, **props: Any) -> dict[str, Any]:
    return {"type": "Text", "props": {"content": content, **props}}


def deep_json(depth: int) -> str:
    return (
        '{"target": "canvas-root", "spec": '
        + '{"type": "Stack", "children": [' * depth
        + '{"type": "Text", "props": {"content": "bottom"}}'
        + "]}" * depth
        + "}"
    )


REFUSED: list[tuple[dict[str, Any] | str, str]] = [
    (
        {"type": "Image", "props": {"src": "javascript:alert('PWNED')"}},
        f"spec.props.src: {image_sources.allowed_sources_sentence()}",
    ),
    (
        {"type": "Card", "props": {"title": "t", "image": "JAVASCRIPT:alert(document.cookie)"}},
        f"spec.props.image: {image_sources.allowed_sources_sentence()}",
    ),
    (
        {"type": "Hero", "props": {"title": "t", "backgroundImage": HTML_DATA}},
        "spec.props.backgroundImage: data: URLs must be data:image/(png|jpeg|gif|webp)",
    ),
    (
        {"type": "Gallery", "props": {"images": [{"src": SVG}]}},
        "spec.props.images[0].src: SVG data URLs are not allowed",
    ),
    (
        {"type": "Image", "props": {"src": "java\tscript:alert(1)"}},
        "spec.props.src: image URLs may not contain spaces, control characters or backslashes",
    ),
    (text("hi", onClick=PWN), "spec.props.onClick: unknown field"),
    (
        text("hi", dangerouslySetInnerHTML={"__html": SCRIPT}),
        "spec.props.dangerouslySetInnerHTML: unknown field",
    ),
    (
        {"type": "Button", "props": {"label": "Go"}, "onclick": PWN},
        "spec.onclick: unknown field",
    ),
    (
        {"type": "Card", "props": {"style": "background:url(javascript:alert(1))"}},
        "spec.props.style: unknown field",
    ),
    (
        {"type": "Stack", "children": [text("ok"), {"type": "HTML", "props": {"content": SCRIPT}}]},
        "spec.children[1].type: unknown component type 'HTML'",
    ),
    (
        text("hi", color="red;background:url(javascript:alert(1))"),
        "spec.props.color: String should match pattern",
    ),
    (text("x" * 10_001), "spec.props.content: String should have at most 10000 characters"),
    (
        {"type": "Stack", "children": [text("x") for _ in range(600)]},
        "spec: a spec may hold at most 500 components",
    ),
    (deep_json(1000), "nest"),
]


def test_hostile_specs_are_refused_back_to_the_agent(
    watched_page: tuple[Page, list[str], list[str]],
    app_url: str,
    account: Account,
    llm: ScriptedLLM,
) -> None:
    page, dialogs, console = watched_page
    tag = new_tag()
    open_world(page, app_url, account)
    calls = [
        ToolCall(
            "canvas_ui", spec if isinstance(spec, str) else {"target": "canvas-root", "spec": spec}
        )
        for spec, _ in REFUSED
    ]
    llm.on_user(f"attack {tag}", then=[*calls, Reply(f"All refused {tag}.")])
    send(page, f"attack {tag}")
    # Fourteen calls, some with tens of kilobytes of arguments streamed in small pieces.
    turn_done(page, f"All refused {tag}.", timeout=4 * TURN_TIMEOUT)

    tools = page.locator(".chat-tool[data-tool='canvas_ui']")
    expect(tools).to_have_count(len(REFUSED))
    expect(page.locator(".chat-tool[data-tool='canvas_ui'][data-status='error']")).to_have_count(
        len(REFUSED)
    )
    for _, message in REFUSED:
        assert tool_results(llm, message), f"the agent was not told: {message}"
    deep = tool_results(llm, "Invalid arguments for canvas_ui: the arguments nest too deeply")
    deep += tool_results(llm, "Invalid arguments for canvas_ui: spec: components nest more than 12")
    assert deep, "the 1,000-deep spec was not refused with a depth message"
    expect(page.locator("#canvas [data-canvas-id]")).to_have_count(0)
    assert_nothing_ran(page, dialogs, console)


def inert_scene(tag: str) -> dict[str, Any]:
    """Markup and script in every text field, and ids that would clobber globals as DOM ids."""
    return {
        "type": "Stack",
        "id": "__pwned",
        "children": [
            {
                "type": "Hero",
                "id": "__proto__",
                "props": {
                    "title": SCRIPT,
                    "subtitle": IMG,
                    "badge": "javascript:alert(1)",
                    "meta": [IMG, "{{constructor.constructor('alert(1)')()}}"],
                },
            },
            text(f"{IMG} {tag}", variant="heading"),
            text("${alert(1)} {`jsx`} &lt;b&gt;", variant="caption"),
            {"type": "Button", "id": "btn", "props": {"label": IMG}},
            {
                "type": "Card",
                "id": "card",
                "props": {"title": SCRIPT, "subtitle": IMG, "clickable": True},
                "children": [
                    {"type": "Badge", "id": "badge", "props": {"label": SCRIPT}},
                    {
                        "type": "Image",
                        "id": "img",
                        "props": {
                            "src": PNG,
                            "alt": f'"><img src=x onerror="{PWN}">',
                            "caption": SCRIPT,
                        },
                    },
                ],
            },
            {
                "type": "Callout",
                "props": {"variant": "quote", "title": IMG, "content": SCRIPT},
            },
            {
                "type": "Timeline",
                "props": {"events": [{"date": IMG, "title": SCRIPT, "description": IMG}]},
            },
            {"type": "Stats", "props": {"items": [{"value": SCRIPT, "label": IMG}]}},
            {"type": "Divider", "props": {"label": SCRIPT}},
            {
                "type": "Dialog",
                "id": "dlg",
                "props": {
                    "title": SCRIPT,
                    "description": IMG,
                    "trigger": {"type": "Badge", "id": "dlg-open", "props": {"label": IMG}},
                },
                "children": [text(SCRIPT)],
            },
            {
                "type": "ActionBar",
                "id": "choices",
                "props": {
                    "title": IMG,
                    "actions": [
                        {"id": "evil", "label": f"{SCRIPT} {tag}", "description": IMG},
                    ],
                },
            },
        ],
    }


def test_markup_in_text_fields_is_shown_as_text_and_never_runs(
    watched_page: tuple[Page, list[str], list[str]],
    app_url: str,
    account: Account,
    llm: ScriptedLLM,
) -> None:
    page, dialogs, console = watched_page
    tag = new_tag()
    open_world(page, app_url, account)
    llm.on_user(
        f"inert {tag}",
        then=[
            ToolCall("canvas_ui", {"target": "canvas-root", "spec": inert_scene(tag)}),
            Reply(f"Shown {tag}."),
        ],
    )
    send(page, f"inert {tag}")
    turn_done(page, f"Shown {tag}.")

    canvas = page.locator("#canvas")
    expect(canvas).to_contain_text(f"{IMG} {tag}")
    expect(node(page, "__proto__")).to_contain_text(SCRIPT)
    expect(node(page, "__proto__")).to_contain_text("{{constructor.constructor('alert(1)')()}}")
    expect(canvas).to_contain_text("${alert(1)} {`jsx`} &lt;b&gt;")
    expect(node(page, "btn")).to_have_text(IMG)
    expect(node(page, "img").locator("img")).to_have_attribute(
        "alt", f'"><img src=x onerror="{PWN}">'
    )
    assert canvas.locator("script").count() == 0
    assert canvas.locator("img[src='x'], [onerror], [onload], iframe, object, embed").count() == 0
    assert page.locator("[id='__pwned'], [id='__proto__']").count() == 0

    node(page, "btn").click()
    node(page, "badge").click()
    node(page, "card").click()
    node(page, "dlg").click()
    expect(page.get_by_role("dialog")).to_contain_text(SCRIPT)
    expect(page.get_by_role("dialog")).to_contain_text(IMG)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    llm.on_user(f"The reader chose: .*{tag}", then=[Reply(f"Chosen {tag}.")])
    node(page, "choices").get_by_role("button").click()
    expect(page.locator(".chat-user").last).to_have_text(f"The reader chose: {SCRIPT} {tag}")
    turn_done(page, f"Chosen {tag}.")

    page.reload()
    expect(node(page, "btn")).to_have_text(IMG, timeout=TURN_TIMEOUT)
    assert_nothing_ran(page, dialogs, console)
