"""A canvas Form in Chromium, against the app as it ships, the real Letta server and the scripted
model: the agent draws a Form with a TextInput, a Select, a Slider and a Toggle; the person fills
it with the keyboard and sends it with Enter; the story goes on with their answers, and the
agent's next get_canvas_interactions carries exactly those values. A value forged over the
websocket is refused by the server with a sentence and nothing is queued; axe-core finds nothing
to fault on the scene."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from dsf_app.canvas.form_values import field_name
from dsf_app.db import session_scope
from dsf_app.services import interactions
from dsf_app.settings import Settings
from dsf_app.state.canvas import CanvasState
from tests.accounts import Account, sign_up_over_http, use_session
from tests.canvas_helpers import canvas, new_tag, node, open_world, send, tool_results, turn_done
from tests.e2e_helpers import actor_of
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.harness.axe import LAPTOP, axe_script, check
from tests.reflex_socket import reflex_socket

pytestmark = pytest.mark.usefixtures("dsf_in_process")


@pytest.fixture
def axe_js(test_settings: Settings) -> Path:
    return axe_script(test_settings.tools_dir)


@pytest.fixture
def signed_in(
    browser: Browser, app_url: str, account: Account, axe_js: Path
) -> Iterator[tuple[Page, str]]:
    """A page with axe-core loaded, signed in as `account`; and the session's token, for a
    second connection that sends what the page never would."""
    token = sign_up_over_http(app_url, account)
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(20_000)
    context.add_init_script(path=str(axe_js))
    use_session(context, app_url, token)
    yield context.new_page(), token
    context.close()


def launch_form(tag: str) -> dict[str, object]:
    return {
        "type": "Form",
        "id": "launch",
        "props": {
            "title": f"Before you launch {tag}",
            "submitLabel": "Launch",
            "continueStory": True,
        },
        "children": [
            {
                "type": "TextInput",
                "id": "ship",
                "props": {
                    "label": "Name your ship",
                    "placeholder": "e.g. Aurora",
                    "maxLength": 40,
                    "required": True,
                },
            },
            {
                "type": "Select",
                "id": "route",
                "props": {
                    "label": "Route",
                    "options": [
                        {"id": "inner", "label": "Inner ring"},
                        {"id": "outer", "label": "Outer belt"},
                    ],
                },
            },
            {
                "type": "Slider",
                "id": "fuel",
                "props": {"label": "Fuel to burn", "min": 0, "max": 100, "step": 5, "default": 20},
            },
            {"type": "Toggle", "id": "lights", "props": {"label": "Running lights"}},
        ],
    }


def test_a_form_is_filled_by_keyboard_sent_checked_and_read_by_the_agent(
    signed_in: tuple[Page, str], app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, token = signed_in
    tag = new_tag()
    world_id = open_world(page, app_url, account)
    llm.on_user(
        f"ask me {tag}",
        then=[canvas("canvas-root", launch_form(tag)), Reply(f"Fill it in {tag}.")],
    )
    send(page, f"ask me {tag}")
    turn_done(page, f"Fill it in {tag}.")

    form = node(page, "launch")
    expect(form.get_by_role("heading")).to_have_text(f"Before you launch {tag}")
    serious = [str(v) for v in check(page, "a canvas form") if v.fails]
    assert not serious, "\n".join(serious)

    # Labelled for screen readers, and worked with the keyboard alone.
    name = form.get_by_label("Name your ship")
    expect(name).to_have_attribute("placeholder", "e.g. Aurora")
    expect(name).to_have_attribute("maxlength", "40")
    name.focus()
    page.keyboard.type("Aurora")
    page.keyboard.press("Tab")
    expect(form.get_by_label("Route")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(form.get_by_label("Route")).to_have_value("outer")
    page.keyboard.press("Tab")
    fuel = form.get_by_role("slider", name="Fuel to burn")
    expect(fuel).to_be_focused()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(fuel).to_have_value("40")
    expect(node(page, "fuel").locator("output")).to_have_text("40")
    page.keyboard.press("Tab")
    lights = form.get_by_role("switch", name="Running lights")
    expect(lights).to_be_focused()
    page.keyboard.press(" ")
    expect(lights).to_be_checked()

    llm.on_user(
        f'The reader answered "Before you launch {tag}"',
        then=[ToolCall("get_canvas_interactions", {}), Reply(f"Aurora it is {tag}.")],
    )
    name.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".chat-user").last).to_have_text(
        f'The reader answered "Before you launch {tag}": "Name your ship": "Aurora"; '
        '"Route": "Outer belt"; "Fuel to burn": 40; "Running lights": on.'
    )
    turn_done(page, f"Aurora it is {tag}.")
    [result] = tool_results(llm, '"interactionType": "submit"')
    [submitted] = json.loads(result)["interactions"]
    assert submitted["componentId"] == "launch"
    assert submitted["data"]["values"] == {
        "ship": "Aurora",
        "route": "outer",
        "fuel": 40,
        "lights": True,
    }

    # The same form, sent over the socket with a value the slider cannot take: refused by the
    # server, which reads the limits from the stored Form, and nothing reaches the agent.
    forged = {field_name("ship"): "Aurora", field_name("route"): "outer", field_name("fuel"): "900"}
    with reflex_socket(app_url, token) as tab:
        sent = tab.send(
            CanvasState.interact,
            f"/worlds/{world_id}",
            target="canvas-root",
            component_id="launch",
            interaction_type="submit",
            data={"values": forged},
        )
    assert "“Fuel to burn” takes a number from 0 to 100 in steps of 5." in sent.notices
    with session_scope() as session:
        queued = interactions.take(session, actor_of(account), uuid.UUID(world_id), peek=True)
    assert queued == []
