"""The chat panel in Chromium, against the app as it ships, the real Letta server and the
scripted model: what a person sees while their agents work."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from dsf_app.db import session_scope
from dsf_app.services import worlds
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings
from tests.accounts import Account
from tests.e2e_helpers import actor_of
from tests.fakes.gate import Gate
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall, message_text

WORLD = {
    "operation": "create",
    "name": "Tidewright",
    "description": "Fusion failed; the oceans are farmed.",
    "foundation": {
        "core_premise": "Fusion power failed, so the oceans are farmed for energy and food.",
        "rules": [{"id": "r-kelp", "statement": "Tidal kelp farms supply most electricity."}],
    },
}


def _send(page: Page, text: str) -> None:
    # As a person would: wait until the agent's last turn is over (the panel ignores a send
    # while it is busy), then type.
    expect(page.locator("#chat-cancel")).to_have_count(0)
    page.locator("#chat-input").fill(text)
    page.locator("#chat-input").press("Enter")


def _tag() -> str:
    return uuid.uuid4().hex[:8]


def test_user_agent_drafts_a_world_in_the_chat(signed_in_page: Page, llm: ScriptedLLM) -> None:
    page, tag = signed_in_page, _tag()
    llm.on_user(
        tag, then=[ToolCall("world_manager", WORLD), Reply("I drafted **Tidewright** for you.")]
    )
    _send(page, f"make me a world where fusion power failed and the oceans are farmed {tag}")

    expect(page.locator(".chat-user").last).to_contain_text(tag)
    tool = page.locator(".chat-tool[data-tool='world_manager']")
    expect(tool).to_have_attribute("data-status", "success")
    expect(page.locator(".chat-assistant").last).to_contain_text("I drafted Tidewright for you.")
    expect(page.locator(".chat-assistant strong").last).to_have_text("Tidewright")
    expect(page.locator("#world-cards .dsf-world-card")).to_contain_text("Tidewright")
    expect(page.locator("#world-cards")).to_contain_text("Fusion power failed")

    tool.locator("summary").click()
    expect(tool).to_contain_text('"core_premise"')
    expect(tool).to_contain_text('"world_id"')

    page.reload()
    expect(page.locator(".chat-user").last).to_contain_text(tag)
    expect(page.locator(".chat-assistant").last).to_contain_text("I drafted Tidewright")


def test_a_malformed_tool_call_shows_as_an_error(signed_in_page: Page, llm: ScriptedLLM) -> None:
    page, tag = signed_in_page, _tag()
    llm.on_user(
        tag,
        then=[
            ToolCall("world_manager", '{"operation": "crea'),
            Reply("That went wrong; retrying later."),
        ],
    )
    _send(page, f"draft something {tag}")
    tool = page.locator(".chat-tool[data-tool='world_manager']")
    expect(tool).to_have_attribute("data-status", "error")
    tool.locator("summary").click()
    expect(tool).to_contain_text("Invalid arguments for world_manager")
    expect(page.locator(".chat-assistant").last).to_contain_text("That went wrong")


def test_reload_mid_turn_keeps_the_conversation(signed_in_page: Page, llm: ScriptedLLM) -> None:
    page, tag, answering = signed_in_page, _tag(), Gate()
    llm.on_user(tag, then=[Reply("A slow, careful answer.", hold=answering)])
    _send(page, f"think slowly {tag}")
    answering.wait_reached()
    expect(page.locator("#chat-cancel")).to_be_visible()
    page.reload()
    expect(page.locator(".chat-user").last).to_contain_text(tag)
    expect(page.locator("#chat-cancel")).to_be_visible()
    answering.open()
    expect(page.locator(".chat-assistant").last).to_have_text(
        "A slow, careful answer.", timeout=30_000
    )
    expect(page.locator("#chat-cancel")).to_have_count(0)


def test_cancel_a_running_turn(signed_in_page: Page, llm: ScriptedLLM) -> None:
    page, tag, answering = signed_in_page, _tag(), Gate()
    llm.on_user(tag, then=[Reply("Half of it, and you should never see the rest.", hold=answering)])
    _send(page, f"take your time {tag}")
    answering.wait_reached()
    expect(page.locator(".chat-assistant").last).to_contain_text("Half of it")
    page.locator("#chat-cancel").click()
    expect(page.locator(".chat-error").last).to_contain_text("You cancelled this turn")
    expect(page.locator("#chat-cancel")).to_have_count(0)
    answering.open()

    follow = _tag()
    llm.on_user(follow, then=[Reply("Back with you.")])
    _send(page, f"are you there {follow}")
    expect(page.locator(".chat-assistant").last).to_contain_text("Back with you.", timeout=30_000)
    # What streamed before the cancel is kept as it was; the rest never came.
    cancelled = page.locator(".chat-assistant", has_text="Half of it")
    expect(cancelled).to_have_count(1)
    expect(cancelled).not_to_contain_text("the rest")


def test_runs_page_lists_the_turn_with_its_tool_calls(
    signed_in_page: Page, llm: ScriptedLLM, app_url: str
) -> None:
    page, tag = signed_in_page, _tag()
    llm.on_user(tag, then=[ToolCall("world_manager", WORLD), Reply("Drafted.")])
    _send(page, f"draft a world {tag}")
    expect(page.locator(".chat-assistant").last).to_contain_text("Drafted.")
    expect(page.locator("#chat-cancel")).to_have_count(0)
    page.goto(f"{app_url}/runs")
    run = page.locator(".run-row").first
    expect(run).to_contain_text("end_turn")
    expect(run).to_contain_text("1 tool call")
    expect(run).not_to_contain_text("1 tool calls")
    run.locator("summary").click()
    expect(run).to_contain_text("world_manager")
    expect(run).to_contain_text("success")


def test_delegation_shows_as_a_nested_row(signed_in_page: Page, llm: ScriptedLLM) -> None:
    page, tag = signed_in_page, _tag()
    llm.on_user(
        f"picture {tag}",
        then=[
            ToolCall("delegate_to_experience", {"task": f"paint the tide farms {tag}"}),
            Reply("The picture is ready."),
        ],
    )
    llm.on_user(f"paint the tide farms {tag}", then=[Reply("Painted the farms at dusk.")])
    _send(page, f"show me a picture {tag}")

    delegation = page.locator(".chat-tool[data-tool='delegate_to_experience']")
    expect(delegation).to_have_attribute("data-status", "success")
    expect(page.locator(".chat-nested .chat-assistant")).to_contain_text(
        "Painted the farms at dusk."
    )
    expect(page.locator(".chat-row .chat-assistant").last).to_contain_text("The picture is ready.")


def test_world_agent_writes_a_story_and_changes_a_rule_on_the_world_page(
    signed_in_page: Page, llm: ScriptedLLM, app_url: str
) -> None:
    page, tag = signed_in_page, _tag()
    llm.on_user(tag, then=[ToolCall("world_manager", WORLD), Reply("Drafted.")])
    _send(page, f"draft {tag}")
    expect(page.locator(".chat-assistant").last).to_contain_text("Drafted.")
    page.locator("#world-cards .dsf-world-link").first.click()
    expect(page.locator("#world-name")).to_have_text("Tidewright")
    expect(page.locator("#world-version")).to_have_text("Version 1")
    expect(page.locator("#chat-empty")).to_be_visible()

    story_tag = _tag()
    llm.on_user(
        story_tag,
        then=[
            ToolCall("story_manager", {"operation": "create", "title": "Low Tide"}),
            Reply("Story created; writing the opening."),
        ],
    )
    _send(page, f"start a story called Low Tide {story_tag}")
    expect(page.locator(".chat-assistant").last).to_contain_text("Story created")
    page.get_by_role("tab", name="Stories (1)").click()
    expect(page.locator(".dsf-story-link")).to_contain_text("Low Tide")
    page.get_by_role("tab", name="Foundation").click()

    rule_tag = _tag()
    llm.on_user(
        rule_tag,
        then=[
            ToolCall(
                "world_manager",
                {
                    "operation": "update",
                    "version": 1,
                    "updates": [
                        {
                            "path": "rules.r-kelp.statement",
                            "operation": "update",
                            "value": "Tidal kelp farms supply half the electricity.",
                            "reason": "Solar recovered after the storm decade.",
                        }
                    ],
                },
            ),
            Reply("Rule updated."),
        ],
    )
    _send(page, f"solar came back, change the rule {rule_tag}")
    expect(page.locator("#world-version")).to_have_text("Version 2")
    expect(page.get_by_text("Tidal kelp farms supply half the electricity.").first).to_be_visible()
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#changelog")).to_contain_text("Solar recovered after the storm decade.")


def test_a_forged_world_id_is_refused_and_shown(
    signed_in_page: Page, llm: ScriptedLLM, dsf_in_process: Settings
) -> None:
    with session_scope() as session:
        victim = Actor(create_user(session, f"{_tag()}@example.test", "Victim").id)
        theirs = worlds.create_world(session, victim, "Sunken Archive", "Not yours.").id
    page, tag = signed_in_page, _tag()
    forged = {
        "operation": "update",
        "world_id": str(theirs),
        "version": 1,
        "updates": [
            {"path": "core_premise", "operation": "update", "value": "Mine now", "reason": "x"}
        ],
    }
    llm.on_user(
        tag, then=[ToolCall("world_manager", forged), Reply("I could not change that world.")]
    )
    _send(page, f"take over the archive {tag}")

    tool = page.locator(".chat-tool[data-tool='world_manager']")
    expect(tool).to_have_attribute("data-status", "error")
    tool.locator("summary").click()
    expect(tool).to_contain_text(f"No world with id {theirs}")
    expect(tool).not_to_contain_text("Sunken Archive")
    expect(page.locator(".chat-assistant").last).to_contain_text("I could not change that world.")
    with session_scope() as session:
        untouched = worlds.get_world(session, victim, theirs)
    assert (untouched.version, untouched.foundation) == (1, {})


def test_a_suggestion_accepted_mid_turn_is_queued_and_sent_after_it(
    signed_in_page: Page,
    llm: ScriptedLLM,
    app_url: str,
    account: Account,
    dsf_in_process: Settings,
) -> None:
    page, tag, gate = signed_in_page, _tag(), Gate()
    with session_scope() as session:
        world_id = worlds.create_world(session, actor_of(account), "Kepler Station").id
    suggestion = {
        "title": "Visit the ring",
        "description": "See the station's ring up close.",
        "action_id": f"visit-ring-{tag}",
    }
    llm.on_user(
        f"what next {tag}",
        then=[
            ToolCall("send_suggestion", suggestion),
            Reply("While you decide, let me describe the docking bay and its cranes.", hold=gate),
        ],
    )
    llm.on_user(f"action_id: visit-ring-{tag}", then=[Reply("Off to the ring we go.")])
    page.goto(f"{app_url}/worlds/{world_id}")
    _send(page, f"what next {tag}")
    gate.wait_reached()

    page.locator(".suggestion-accept").click()
    queued = page.locator(".chat-queued")
    expect(queued).to_contain_text(f"visit-ring-{tag}")
    gate.open()

    expect(page.locator(".chat-assistant").last).to_contain_text("Off to the ring we go.")
    expect(queued).to_have_count(0)
    expect(page.locator(".chat-user").last).to_contain_text(f"visit-ring-{tag}")
    texts = [row.text_content() or "" for row in page.locator(".chat-row").all()]
    docking = next(i for i, text in enumerate(texts) if "docking bay" in text)
    accepted = next(i for i, text in enumerate(texts) if "I accept your suggestion" in text)
    assert docking < accepted  # sent after the turn it waited for


def _context_of_last_request(llm: ScriptedLLM) -> str:
    """What the agent had in its context on Letta, as the model last received it."""
    return "\n".join(
        message_text(m)
        for m in llm.requests[-1]["messages"]
        if m.get("role") in ("user", "assistant")
    )


def test_regenerate_edit_and_a_new_conversation(signed_in_page: Page, llm: ScriptedLLM) -> None:
    page, tag = signed_in_page, _tag()
    replies = page.locator(".chat-assistant")
    llm.on_user(f"kelp {tag}", then=[Reply(f"Kelp noted {tag}.")])
    _send(page, f"remember the kelp {tag}")
    expect(replies.last).to_contain_text(f"Kelp noted {tag}.")

    # Regenerate: another reply, the first one still shown above it.
    llm.reset()
    llm.on_user(f"kelp {tag}", then=[Reply("A second thought.")])
    page.locator("#chat-regenerate").click()
    expect(replies.last).to_contain_text("A second thought.")
    expect(page.locator(".chat-regenerated")).to_have_count(1)
    expect(replies).to_have_count(2)
    context = _context_of_last_request(llm)
    assert context.count(f"remember the kelp {tag}") == 1 and "Kelp noted" not in context

    # Edit and send again: a new turn; the old one stays.
    llm.on_user(f"tides {tag}", then=[Reply("Tides noted.")])
    page.locator("#chat-edit").click()
    expect(page.locator("#chat-input")).to_have_value(f"remember the kelp {tag}")
    _send(page, f"remember the tides {tag}")
    expect(page.locator(".chat-edited")).to_contain_text(f"remember the tides {tag}")
    expect(replies.last).to_contain_text("Tides noted.")
    expect(replies).to_have_count(3)
    assert "kelp" not in _context_of_last_request(llm)

    # A new conversation: the old messages leave the page and the agent's context.
    page.locator("#chat-new").click()
    expect(page.locator("#chat-empty")).to_be_visible()
    llm.on_user(f"fresh start {tag}", then=[Reply("Nothing in mind yet.")])
    _send(page, f"fresh start {tag}")
    expect(replies).to_have_count(1)
    expect(replies.last).to_contain_text("Nothing in mind yet.")
    context = _context_of_last_request(llm)
    assert f"fresh start {tag}" in context
    assert "kelp" not in context and "tides" not in context

    # The earlier conversation is still there to read.
    page.locator("#chat-conversations").click()
    page.locator(".chat-conversation-option", has_text=f"remember the kelp {tag}").click()
    expect(page.locator("#chat-earlier")).to_be_visible()
    expect(replies).to_have_count(3)
    expect(replies.first).to_contain_text(f"Kelp noted {tag}.")
    expect(page.locator("#chat-input")).to_have_count(0)
    page.locator("#chat-back").click()
    expect(replies).to_have_count(1)
    expect(replies.last).to_contain_text("Nothing in mind yet.")
