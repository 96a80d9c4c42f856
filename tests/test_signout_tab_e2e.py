"""One browser tab, two people: Ada signs out and Bo signs in. The tab keeps its Reflex state
(under a token in sessionStorage) across both, yet Bo is shown and sent nothing of Ada's — not
her search, her unsent draft, her chat, her canvas, the turn she left running or the message
she queued behind it — and what she queued is never sent, under anyone's name."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from playwright.sync_api import Page, WebSocket, expect
from sqlmodel import col, select

from dsf_app.db import session_scope
from dsf_app.models import AgentRun, ChatMessage
from dsf_app.settings import Settings
from tests.accounts import fill_sign_in, new_account, path_is, sign_up_over_http, signed_up
from tests.canvas_helpers import canvas, new_tag, node, open_world, send, turn_done
from tests.e2e_helpers import actor_of
from tests.fakes.gate import Gate
from tests.fakes.llm_server import Reply, ScriptedLLM, message_text


class Frames:
    """Everything the app sends the tab over its event sockets, socket by socket, from the
    moment this is made."""

    def __init__(self, page: Page) -> None:
        self.sockets: list[list[str]] = []
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        received: list[str] = []
        self.sockets.append(received)
        socket.on(
            "framereceived",
            lambda payload: received.append(
                payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            ),
        )

    def opened(self) -> int:
        return len(self.sockets)

    def on_sockets_from(self, first: int) -> list[str]:
        """What came over the sockets opened after the first `first`."""
        return [frame for socket in self.sockets[first:] for frame in socket]

    def any_contain(self, text: str) -> bool:
        return any(text in frame for frame in self.on_sockets_from(0))


def _eventually(page: Page, check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """Poll `check` (letting Playwright deliver its events meanwhile) until it holds."""
    for _ in range(int(seconds * 5)):
        if check():
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"{what} did not happen within {seconds:.0f} s")


def _requests_mention(llm: ScriptedLLM, text: str) -> bool:
    return any(
        text in message_text(message)
        for request in list(llm.requests)
        for message in request.get("messages") or []
    )


def test_the_next_person_in_a_tab_is_shown_and_sent_nothing_of_the_last(
    page: Page, app_url: str, llm: ScriptedLLM, dsf_in_process: Settings
) -> None:
    tag, gate = new_tag(), Gate()
    ada, bo = new_account("Ada Lovelace"), new_account("Bo Chen")
    frames = Frames(page)
    world_name = f"Quietwater {tag}"
    queued, draft = f"queued after the harbour {tag}", f"unsent draft {tag}"
    llm.on_user(
        f"plan the harbour {tag}",
        then=[
            canvas(
                "canvas-root",
                {"type": "Text", "id": "plan", "props": {"content": f"Harbour plan {tag}"}},
            ),
            Reply(
                f"The harbour of {world_name} turns with the tides, twice a day, and its "
                "engines hum under the water while the town sleeps.",
                hold=gate,
            ),
        ],
    )

    signed_up(page, app_url, ada)
    world_id = open_world(page, app_url, ada, world_name)
    page.goto(f"{app_url}/search")
    page.get_by_label("Search by meaning").fill(world_name)
    page.get_by_label("Search by meaning").press("Enter")
    expect(page.locator("#search-worlds")).to_contain_text(world_name)

    page.goto(f"{app_url}/worlds/{world_id}")
    try:
        send(page, f"plan the harbour {tag}")
        gate.wait_reached()
        expect(node(page, "plan")).to_have_text(f"Harbour plan {tag}")
        expect(page.locator(".chat-assistant").last).to_contain_text(f"harbour of {world_name}")
        send(page, queued)
        expect(page.locator(".chat-queued")).to_contain_text(queued)
        page.locator("#chat-input").fill(draft)
        _eventually(page, lambda: frames.any_contain(draft), "Ada's draft reaching the server")

        before_sign_out = frames.opened()
        page.locator("#sign-out").click()
        expect(page).to_have_url(path_is(app_url, "/signin"))
        sign_up_over_http(app_url, bo)  # Bo's account; this tab stays signed out
        fill_sign_in(page, bo.email, bo.password)
        expect(page.locator("#account-name")).to_have_text(bo.name)

        # Bo's page: no chat, queue, draft, running turn or canvas of Ada's.
        expect(page.locator("#chat-empty")).to_be_visible()
        expect(page.locator(".chat-queued")).to_have_count(0)
        expect(page.locator("#chat-input")).to_have_value("")
        expect(page.locator("#chat-cancel")).to_have_count(0)
        expect(page.locator("#canvas")).not_to_contain_text(tag)
        # Her search, reached without a page load (the tab's state as it stands).
        page.get_by_role("link", name="Search", exact=True).click()
        expect(page).to_have_url(path_is(app_url, "/search"))
        expect(page.get_by_label("Search by meaning")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text(tag)
    finally:
        gate.open()

    # Ada's turn has ended, and what she queued behind it went nowhere.
    ada_id, bo_id = actor_of(ada).user_id, actor_of(bo).user_id

    def adas_turn() -> list[tuple[str | None, bool]]:
        with session_scope() as session:
            runs = session.exec(select(AgentRun).where(AgentRun.user_id == ada_id)).all()
        return [(run.stop_reason, run.ended_at is not None) for run in runs]

    _eventually(page, lambda: adas_turn()[-1][1], "Ada's turn ending")
    # Stopped when the tab became Bo's, not streamed on to its end once the model went on.
    assert adas_turn() == [("cancelled", True)]
    hello = f"hello from Bo {uuid.uuid4().hex[:8]}"
    llm.on_user(hello, then=[Reply("Hello, Bo.")])
    page.get_by_role("link", name="Worlds", exact=True).click()
    send(page, hello)
    turn_done(page, "Hello, Bo.")

    with session_scope() as session:
        said = {
            user: [
                m.content
                for m in session.exec(
                    select(ChatMessage)
                    .where(ChatMessage.user_id == user)
                    .order_by(col(ChatMessage.created_at))
                )
            ]
            for user in (ada_id, bo_id)
        }
    assert said[bo_id] == [hello, "Hello, Bo."]
    assert not any(queued in text for text in said[ada_id])
    assert not _requests_mention(llm, queued)
    assert not [frame for frame in frames.on_sockets_from(before_sign_out) if tag in frame]
    expect(page.locator("main")).not_to_contain_text(tag)
