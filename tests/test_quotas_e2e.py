"""Budgets in Chromium, against the app as it ships: the message box states its length limit
and keeps to it, a message forged past it is refused by the server with a sentence, the queue
of messages waiting for a turn holds only a few (the one refused stays in the box), a spent
budget refuses a message back into the box, and the account page shows what was used today."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from dsf_app.db import session_scope
from dsf_app.models import Meter
from dsf_app.services import quotas
from dsf_app.settings import Settings
from tests.accounts import Account
from tests.e2e_helpers import actor_of
from tests.fakes.gate import Gate
from tests.fakes.llm_server import Reply, ScriptedLLM


def _tag() -> str:
    return uuid.uuid4().hex[:8]


def _type(page: Page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.locator("#chat-input").press("Enter")


def test_the_box_states_and_keeps_the_length_limit_and_the_server_refuses_a_forged_one(
    signed_in_page: Page, dsf_in_process: Settings
) -> None:
    page, most = signed_in_page, dsf_in_process.prompt_max_chars
    box = page.locator("#chat-input")
    expect(box).to_have_attribute("maxlength", str(most))
    box.fill("kelp")
    expect(page.locator("#chat-length")).to_contain_text(f"4 / {most} characters")

    box.fill("k" * most)
    box.press_sequentially("overflow")  # typing past the limit adds nothing
    expect(box).to_have_value("k" * most)
    expect(page.locator("#chat-length")).to_contain_text(f"{most} / {most} characters")

    # A page that lifts the limit (or a forged socket message) is refused by the server.
    forged = "y" * (most + 1)
    box.evaluate("box => box.removeAttribute('maxlength')")
    box.fill(forged)
    box.press("Enter")
    expect(page.locator("#chat-send-problem")).to_have_text(
        f"A message may have at most {most:,} characters; this one has {most + 1:,}. "
        "Shorten it, or send it in parts."
    )
    expect(page.locator(".chat-user")).to_have_count(0)


def test_the_queue_holds_a_few_messages_and_the_next_stays_in_the_box(
    signed_in_page: Page, llm: ScriptedLLM, dsf_in_process: Settings
) -> None:
    page, tag, gate = signed_in_page, _tag(), Gate()
    most = dsf_in_process.chat_queue_max
    llm.on_user(f"first {tag}", then=[Reply("Thinking it over at length.", hold=gate)])
    llm.on_user(rf"queued \d+ {tag}", then=[Reply("Noted.")])
    _type(page, f"first {tag}")
    gate.wait_reached()
    expect(page.locator("#chat-cancel")).to_be_visible()
    for n in range(most):
        _type(page, f"queued {n} {tag}")
    expect(page.locator(".chat-queued")).to_have_count(most)

    _type(page, f"one too many {tag}")

    expect(page.locator("#chat-send-problem")).to_have_text(
        f"{most} messages already wait for this turn to end (at most {most}); yours is still "
        "in the box: send it once the agent has answered."
    )
    expect(page.locator("#chat-input")).to_have_value(f"one too many {tag}")
    expect(page.locator(".chat-queued")).to_have_count(most)
    gate.open()
    expect(page.locator(".chat-queued")).to_have_count(0, timeout=120_000)
    expect(page.locator("#chat-cancel")).to_have_count(0, timeout=120_000)
    expect(page.locator(".chat-user")).to_have_count(most + 1)
    expect(page.locator("#chat-input")).to_have_value(f"one too many {tag}")


def test_a_spent_budget_keeps_the_message_and_the_account_page_counts_the_day(
    signed_in_page: Page,
    llm: ScriptedLLM,
    app_url: str,
    account: Account,
    dsf_in_process: Settings,
) -> None:
    page, tag = signed_in_page, _tag()
    person = actor_of(account)
    with session_scope() as session:
        quotas.set_limit(session, person, Meter.TURNS, 1)
    llm.on_user(f"hello {tag}", then=[Reply("Hello there.")])
    _type(page, f"hello {tag}")
    expect(page.locator(".chat-assistant").last).to_contain_text("Hello there.")
    expect(page.locator("#chat-cancel")).to_have_count(0)

    _type(page, f"and again {tag}")

    expect(page.locator(".chat-error").last).to_contain_text(
        "You have reached your daily limit of 1 message to agents; it starts again at "
        "midnight UTC (in "
    )
    expect(page.locator("#chat-input")).to_have_value(f"and again {tag}")

    page.goto(f"{app_url}/account")
    usage = page.locator("#account-usage-section")
    turns_row = usage.locator("tr", has_text="messages to agents")
    expect(turns_row).to_contain_text("1 of 1")
    expect(turns_row).to_contain_text("set for you")
    expect(usage.locator("tr", has_text="model steps")).to_contain_text("1 of ")
    expect(usage.locator("tr", has_text="images")).to_contain_text("0 of ")
