"""Bytes the server sends over the websocket while a reply streams into the chat, in Chromium,
after a short and a long conversation: what a person on a slow connection waits for.

    python -m bench.stream_bytes [--reply-chars 1700] [--items 25,200] [--repeats 3]

Starts a throwaway stack (PostgreSQL, S3, Letta, the app as it ships) and a scripted model,
signs a person up and, for each conversation length, gives them a world whose World Agent chat
already holds that many items (a third each: their messages, tool calls with arguments and
results, the agent's replies), opens the world page, and sends one message that the model
answers with a reply of `--reply-chars` characters, streamed word by word. Every websocket frame
the page receives from sending the message until the reply is complete is counted (Playwright's
own websocket events). The baseline, measured in the same run, is the reply's text itself: the
least any transport could send. The target (issue 24) is at most 10 bytes per character of the
reply, the same after 25 and after 200 items.
"""

from __future__ import annotations

import argparse
import statistics
import uuid
from dataclasses import dataclass

from playwright.sync_api import Page, WebSocket, expect, sync_playwright

from bench.throwaway import app_on_scripted_model, signed_in_tab, signed_up_person
from dsf_app.db import session_scope
from dsf_app.services import chat, worlds
from dsf_app.services.actor import Actor
from tests.fakes.llm_server import Reply, ScriptedLLM

SENTENCE = "The tide engines hum under the harbour while the night shift counts the moons. "


@dataclass
class Wire:
    """The frames a page received while `counting`."""

    counting: bool = False
    frames: int = 0
    bytes: int = 0

    def watch(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._received)

    def _received(self, payload: str | bytes) -> None:
        if self.counting:
            self.frames += 1
            self.bytes += len(payload.encode() if isinstance(payload, str) else payload)


def reply_text(chars: int, tag: str) -> str:
    """`chars` characters of prose ending in `tag`, so each reply is told from the last."""
    ending = f" Signed {tag}."
    body = (SENTENCE * (chars // len(SENTENCE) + 1))[: chars - len(ending)]
    return body + ending


def world_with_history(actor: Actor, items: int) -> uuid.UUID:
    """A world whose World Agent conversation holds `items` messages, as a long chat would."""
    with session_scope() as session:
        world_id = worlds.create_world(session, actor, f"Bench {items}", "Tides.").id
        for n in range(items):
            if n % 3 == 0:
                chat.append_message(session, actor, world_id, "user", f"Question {n}: {SENTENCE}")
            elif n % 3 == 1:
                chat.append_message(
                    session,
                    actor,
                    world_id,
                    "tool",
                    "",
                    "tool_call",
                    tool_call_id=f"call-{uuid.uuid4().hex}",
                    tool_name="world_manager",
                    tool_args={"operation": "get", "fields": ["foundation", "rules"], "n": n},
                    tool_result=SENTENCE * 4,
                    tool_status="success",
                )
            else:
                chat.append_message(session, actor, world_id, "assistant", SENTENCE * 3)
    return world_id


def one_reply(page: Page, wire: Wire, llm: ScriptedLLM, chars: int) -> tuple[int, int]:
    """(frames, bytes) received from sending a message until its reply of `chars` characters
    is complete."""
    tag = uuid.uuid4().hex[:8]
    ask = f"bench stream {tag}"
    text = reply_text(chars, tag)
    llm.on_user(ask, then=[Reply(text)])
    wire.frames = wire.bytes = 0
    wire.counting = True
    page.locator("#chat-input").fill(ask)
    page.locator("#chat-input").press("Enter")
    expect(page.get_by_text(f"Signed {tag}.", exact=False).first).to_be_visible()
    expect(page.locator("#chat-cancel")).to_have_count(0)
    wire.counting = False
    return wire.frames, wire.bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reply-chars", type=int, default=1700)
    parser.add_argument("--items", default="25,200", help="conversation lengths, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.items.split(",")]
    chars = args.reply_chars

    with (
        ScriptedLLM() as llm,
        app_on_scripted_model(llm) as settings,
        sync_playwright() as playwright,
    ):
        app_url = settings.public_url
        token, actor = signed_up_person(app_url)
        page = signed_in_tab(playwright, app_url, token)
        wire = Wire()
        page.on("websocket", wire.watch)
        print(
            f"Reply of {chars} characters (the baseline: {chars} bytes of text), "
            f"streamed into the chat in Chromium; median of {args.repeats} (min-max):"
        )
        for size in sizes:
            world_id = world_with_history(actor, size)
            page.goto(f"{app_url}/worlds/{world_id}")
            expect(page.locator("#chat-input")).to_be_enabled()
            one_reply(page, wire, llm, chars)  # warm-up: creates the World Agent
            runs = [one_reply(page, wire, llm, chars) for _ in range(args.repeats)]
            sent = [wire_bytes for _frames, wire_bytes in runs]
            frames = statistics.median(count for count, _bytes in runs)
            middle = statistics.median(sent)
            print(
                f"  after {size:>3} items (+{len(runs) * 2} from the runs): {middle:,.0f} bytes in "
                f"{frames:.0f} frames ({min(sent):,}-{max(sent):,}), "
                f"{middle / chars:.1f} x the reply's text (target <= 10 x)"
            )


if __name__ == "__main__":
    main()
