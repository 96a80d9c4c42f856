"""Helpers for the canvas browser tests: a world opened with its agent, a message sent, a turn
waited for, a canvas component found, and the tool results the scripted model was sent."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from playwright.sync_api import Locator, Page, expect

from dsf_app.db import session_scope
from dsf_app.services import worlds
from tests.accounts import Account
from tests.e2e_helpers import actor_of
from tests.fakes.llm_server import ScriptedLLM, ToolCall, message_text

TURN_TIMEOUT = 60_000


def new_tag() -> str:
    """A short unique word, so each test's scripted turns match only its own messages."""
    return uuid.uuid4().hex[:8]


def open_world(page: Page, app_url: str, account: Account, name: str = "Tidewright") -> str:
    """A new world of the signed-in person, opened with its World Agent beside it."""
    with session_scope() as session:
        world = worlds.create_world(
            session, actor_of(account), name, "Fusion failed; the oceans are farmed."
        )
        world_id = str(world.id)
    page.goto(f"{app_url}/worlds/{world_id}")
    expect(page.locator("#chat-input")).to_be_visible()
    return world_id


def send(page: Page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.locator("#chat-input").press("Enter")


def turn_done(page: Page, reply: str, timeout: float = TURN_TIMEOUT) -> None:
    """Wait for the turn to end with `reply` (timeout in milliseconds)."""
    expect(page.locator(".chat-assistant").last).to_contain_text(reply, timeout=timeout)
    expect(page.locator("#chat-cancel")).to_have_count(0, timeout=timeout)


def node(page: Page, component_id: str) -> Locator:
    return page.locator(f"#canvas [data-canvas-id='{component_id}']")


def canvas(target: str, spec: dict[str, Any], **args: Any) -> ToolCall:
    return ToolCall("canvas_ui", {"target": target, "spec": spec, **args})


def _tool_return(message: dict[str, Any]) -> str:
    """A tool message's text; Letta wraps our result as the "message" of a JSON object."""
    text = message_text(message)
    try:
        wrapped = json.loads(text)
    except ValueError:
        return text
    return wrapped.get("message", text) if isinstance(wrapped, dict) else text


def tool_results(llm: ScriptedLLM, needle: str, timeout: float = 30) -> list[str]:
    """The tool results the model was sent that contain `needle` (polled until there is one)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            _tool_return(message)
            for request in list(llm.requests)
            for message in request.get("messages") or []
            if message.get("role") == "tool" and needle in _tool_return(message)
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
