"""Two backend workers sharing page state in Redis, in Chromium: two people whose events land
on different workers see each other's changes to a shared world; a turn started on one worker
is visible on the other after a refresh; the canvas works on both. And Redis killed while idle
and in the middle of a page event: the person reads a clear sentence, and once Redis is back
the same tab works again.

Which worker serves a tab is read from Reflex's own record of the tab's socket (a per-process
owner id, kept in Redis): a test-only look that nothing in the product exposes.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from dsf_app.db import session_scope
from dsf_app.devstack import processes, stack
from dsf_app.models import AgentRun, ChatMessage
from dsf_app.services import worlds
from dsf_app.services.turns import CUT_OFF
from dsf_app.settings import Settings
from dsf_app.state.feedback import PAGE_STORE_DOWN
from dsf_app.storage import AssetStorage
from tests.accounts import new_account, sign_up_over_http, use_session
from tests.canvas_helpers import canvas, node, send, tool_results, turn_done
from tests.e2e_helpers import actor_of, verified
from tests.fakes.gate import Gate
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.harness.stack import make_home, remove_home, running, settings_from

pytestmark = pytest.mark.usefixtures("dsf_in_process")

FOUNDATION = {
    "core_premise": "Two moons pull the tides of one sea.",
    "rules": [{"id": "r-tides", "statement": "High tide comes twice a night."}],
}
# Reflex keeps which worker owns a tab's socket under this key (reflex/utils/token_manager.py),
# and a worker holding a busy tab's state in memory holds this lock (istate/manager/redis.py).
SOCKET_RECORD = "token_manager_socket_record_{token}"
STATE_LOCK = "{token}_lock"


@pytest.fixture(scope="module")
def two_workers(
    test_settings: Settings, database_url: str, storage: AssetStorage, letta_url: str
) -> Iterator[Settings]:
    """The app with two workers and a local Redis, on the test stack's other services (its
    own home, so its frontend build never touches the one-worker app's)."""
    home = make_home()
    settings = settings_from(
        **{
            **test_settings.as_env(),
            "DSF_HOME": str(home),
            "DSF_APP_PORT": str(processes.free_port()),
            "DSF_REDIS_PORT": str(processes.free_port()),
            "DSF_WORKERS": "2",
        },
    )
    try:
        with running(settings, stack.start_redis), running(settings, stack.start_app):
            yield settings
    finally:
        remove_home(home)


def _tab(browser: Browser, app_url: str, token: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    use_session(context, app_url, token)
    return context.new_page()


def _socket(page: Page, settings: Settings) -> tuple[str, str]:
    """(owning worker, socket id) of the tab's websocket, once the tab is connected."""
    store = redis.Redis.from_url(settings.redis_url)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        token = page.evaluate("() => window.sessionStorage.getItem('token')")
        record = store.get(SOCKET_RECORD.format(token=token)) if token else None
        if isinstance(record, bytes):
            socket = pickle.loads(record)
            return socket.instance_id, socket.sid
        time.sleep(0.1)
    raise AssertionError("the tab never connected its websocket")


def _open(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#chat-input")).to_be_visible()


def _away_from(page: Page, worker: str, settings: Settings) -> str:
    """Reload the tab until its websocket lands on a worker other than `worker`."""
    for _ in range(20):
        owner, sid = _socket(page, settings)
        if owner != worker:
            return owner
        page.reload()
        expect(page.locator("#chat-input")).to_be_visible()
        while _socket(page, settings)[1] == sid:  # the old socket's record, not yet replaced
            time.sleep(0.1)
    raise AssertionError("20 reloads all landed on the same worker")


def _edit_rule(page: Page, statement: str, reason: str) -> None:
    page.locator(".dsf-rule").first.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Statement").fill(statement)
    dialog.get_by_label("Reason for the change").fill(reason)
    dialog.get_by_role("button", name="Save change").click()
    expect(dialog).to_have_count(0)


def test_two_workers_share_worlds_turns_and_the_canvas(
    two_workers: Settings, browser: Browser, llm: ScriptedLLM
) -> None:
    app, tag = two_workers.public_url, uuid.uuid4().hex[:8]
    owner, editor = new_account("Ada"), new_account("Bo")
    owner_token, editor_token = sign_up_over_http(app, owner), sign_up_over_http(app, editor)
    verified(editor)  # takes up the invitation on the next page
    with session_scope() as session:
        world = worlds.create_world(session, actor_of(owner), "Two Moons", foundation=FOUNDATION)
        worlds.add_collaborator(session, actor_of(owner), world.id, editor.email, "editor")
    url = f"{app}/worlds/{world.id}"
    ada, bo = _tab(browser, app, owner_token), _tab(browser, app, editor_token)
    _open(ada, url)
    _open(bo, url)
    ada_worker = _socket(ada, two_workers)[0]
    bo_worker = _away_from(bo, ada_worker, two_workers)

    # Bo's hand edit runs on his worker; Ada, on the other one, sees it after a refresh.
    _edit_rule(bo, f"High tide comes three times a night {tag}.", "A third moon was found")
    ada.reload()
    expect(ada.locator("#chat-input")).to_be_visible()
    ada_worker = _away_from(ada, bo_worker, two_workers)
    expect(ada.locator(".dsf-rule").first).to_contain_text(f"three times a night {tag}")
    expect(ada.locator("#world-version")).to_have_text("Version 2")

    # Ada's turn on her worker changes the world and puts a button on her canvas.
    button = {"type": "Button", "id": f"ask-{tag}", "props": {"label": f"Ask the sea {tag}"}}
    llm.on_user(
        f"moon tides {tag}",
        then=[
            ToolCall(
                "world_manager",
                {
                    "operation": "update",
                    "version": 2,
                    "updates": [
                        {
                            "path": "rules.r-tides.statement",
                            "operation": "update",
                            "value": f"High tide follows the larger moon {tag}.",
                            "reason": "Only one moon is heavy enough.",
                        }
                    ],
                },
            ),
            canvas("canvas-root", button),
            Reply(f"The larger moon rules {tag}."),
        ],
    )
    send(ada, f"moon tides {tag}")
    turn_done(ada, f"The larger moon rules {tag}.")
    expect(node(ada, f"ask-{tag}")).to_be_visible()

    # Bo, on the other worker, sees the change the agent made.
    bo.reload()
    expect(bo.locator("#chat-input")).to_be_visible()
    _away_from(bo, ada_worker, two_workers)
    expect(bo.locator(".dsf-rule").first).to_contain_text(f"follows the larger moon {tag}")

    # Ada's second tab on the other worker shows the turn and the canvas; a click there
    # reaches the agent in a turn run by that worker.
    again = _tab(browser, app, owner_token)
    _open(again, url)
    _away_from(again, ada_worker, two_workers)
    expect(again.locator(".chat-assistant").last).to_contain_text(f"The larger moon rules {tag}.")
    node(again, f"ask-{tag}").click()
    llm.on_user(
        f"what did I press {tag}",
        then=[ToolCall("get_canvas_interactions", {}), Reply(f"You asked the sea {tag}.")],
    )
    send(again, f"what did I press {tag}")
    turn_done(again, f"You asked the sea {tag}.")
    assert tool_results(llm, f'"componentId": "ask-{tag}"'), "the click never reached the agent"
    for page in (ada, bo, again):
        page.context.close()


def _written_back(page: Page, settings: Settings) -> None:
    """Wait until no worker holds the tab's state in memory (it keeps a busy tab's state for a
    few seconds), so the tab's next event must read it from Redis."""
    store = redis.Redis.from_url(settings.redis_url)
    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    deadline = time.monotonic() + 30
    while store.exists(STATE_LOCK.format(token=token)):
        assert time.monotonic() < deadline, "the worker kept the tab's state for 30 s"
        time.sleep(0.1)


def _redis_pid(settings: Settings) -> int:
    pid = processes.recorded_pid(stack.process_files(settings, "redis"))
    assert pid is not None, "the local Redis is not running"
    return pid


def _unread_redis_commands(port: int) -> bool:
    """Whether a command sent to Redis waits unread (Redis is stopped): an event in flight."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            unread = int(fields[4].split(":")[1], 16)
            if local_port == port and unread > 0:
                return True
    return False


def test_redis_killed_while_idle_and_during_an_event(
    two_workers: Settings, browser: Browser
) -> None:
    app, tag = two_workers.public_url, uuid.uuid4().hex[:8]
    owner = new_account("Ada")
    token = sign_up_over_http(app, owner)
    with session_scope() as session:
        world = worlds.create_world(session, actor_of(owner), "Low Sea", foundation=FOUNDATION)
    page = _tab(browser, app, token)
    _open(page, f"{app}/worlds/{world.id}")
    toast = page.get_by_text(PAGE_STORE_DOWN)

    # Killed while the tab is idle: the next click says what happened.
    _written_back(page, two_workers)
    os.kill(_redis_pid(two_workers), signal.SIGKILL)
    page.locator(".dsf-rule").first.get_by_role("button", name="Edit").click()
    expect(toast).to_be_visible(timeout=5_000)
    expect(page.get_by_role("dialog")).to_have_count(0)
    stack.start_redis(two_workers)
    expect(toast).to_have_count(0, timeout=15_000)
    page.locator(".dsf-rule").first.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Statement").fill(f"The sea stays low {tag}.")
    dialog.get_by_label("Reason for the change").fill("The moons drifted apart")

    # Killed while the save is in flight (Redis stopped, the event waiting on it): nothing is
    # saved, the dialog keeps what the person typed, and the same click works once it is back.
    _written_back(page, two_workers)
    redis_pid = _redis_pid(two_workers)
    os.kill(redis_pid, signal.SIGSTOP)
    try:
        dialog.get_by_role("button", name="Save change").click()
        deadline = time.monotonic() + 10
        while not _unread_redis_commands(two_workers.redis_port):
            assert time.monotonic() < deadline, "the save never reached Redis"
            time.sleep(0.05)
    finally:
        os.kill(redis_pid, signal.SIGKILL)
    expect(toast).to_be_visible(timeout=5_000)
    expect(dialog.get_by_label("Statement")).to_have_value(f"The sea stays low {tag}.")
    expect(page.locator("#world-version")).to_have_text("Version 1")
    stack.start_redis(two_workers)
    dialog.get_by_role("button", name="Save change").click()
    expect(dialog).to_have_count(0)
    expect(page.locator(".dsf-rule").first).to_contain_text(f"The sea stays low {tag}.")
    expect(page.locator("#world-version")).to_have_text("Version 2")
    page.context.close()


def _children(pid: int) -> set[int]:
    """The processes `pid` started: the app's supervisor starts one per backend worker."""
    children: set[int] = set()
    for entry in Path("/proc").iterdir():
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        if int(ppid) == pid and state != "Z":
            children.add(int(entry.name))
    return children


@dataclass
class ReadinessProbe:
    """Asks /readyz over a new connection every tenth of a second, as a load balancer would,
    and keeps every answer that was not a 200."""

    url: str
    answers: int = 0
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            try:
                status = httpx.get(f"{self.url}/readyz", timeout=5).status_code
                if status != 200:
                    self.failures.append(f"HTTP {status}")
            except httpx.HTTPError as exc:
                self.failures.append(repr(exc))
            self.answers += 1

    @contextmanager
    def polling(self) -> Iterator[ReadinessProbe]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()


def _streamed_text_saved(run_id: uuid.UUID, text: str) -> None:
    """Wait for the turn's heartbeat to save the reply so far (about once a second): a worker
    killed before that loses only the last second of text."""
    deadline = time.monotonic() + 10
    while True:
        with session_scope() as session:
            saved = session.exec(
                select(ChatMessage.content).where(
                    ChatMessage.run_id == run_id, ChatMessage.stream_status == "streaming"
                )
            ).all()
        if any(text in content for content in saved):
            return
        assert time.monotonic() < deadline, "the streamed text was not saved within 10 s"
        time.sleep(0.1)


def test_a_worker_killed_mid_reply_is_replaced_while_the_other_serves(
    two_workers: Settings, browser: Browser, llm: ScriptedLLM
) -> None:
    app, tag = two_workers.public_url, uuid.uuid4().hex[:8]
    supervisor = processes.recorded_pid(stack.process_files(two_workers, "app"))
    assert supervisor is not None, "the app is not running"
    owner = new_account("Ada")
    token = sign_up_over_http(app, owner)
    with session_scope() as session:
        world = worlds.create_world(session, actor_of(owner), "Slack Tide", foundation=FOUNDATION)
    page = _tab(browser, app, token)
    _open(page, f"{app}/worlds/{world.id}")

    # A reply held halfway: the worker holding the tab's socket is driving the turn.
    gate = Gate()
    llm.on_user(
        f"the slack tide {tag}",
        then=[
            Reply(
                f"At slack tide the sea holds its breath and waits {tag} for the moons.", hold=gate
            )
        ],
    )
    send(page, f"the slack tide {tag}")
    gate.wait_reached()
    expect(page.locator(".chat-assistant").last).to_contain_text("At slack tide")
    with session_scope() as session:
        run = session.exec(
            select(AgentRun).where(AgentRun.world_id == world.id, col(AgentRun.ended_at).is_(None))
        ).one()
    _streamed_text_saved(run.id, "At slack tide")
    driving = int((run.worker or "").split(":")[2])
    workers_before = _children(supervisor)
    assert driving in workers_before, f"the run's worker {driving} is not one of the app's"

    with ReadinessProbe(app).polling() as probe:
        os.kill(driving, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while len(_children(supervisor) - workers_before) < 1:
            assert time.monotonic() < deadline, "no new worker within 30 s of the kill"
            time.sleep(0.1)
        # The tab reconnects to a live worker: the reply so far is kept, marked as interrupted,
        # with the sentence saying what happened and Retry.
        expect(page.locator(".chat-assistant").last).to_contain_text(
            "At slack tide", timeout=30_000
        )
        expect(page.locator(".chat-assistant .chat-interrupted").last).to_be_visible()
        expect(page.locator(".chat-error").last).to_contain_text(CUT_OFF)
        expect(page.locator("#chat-interrupted")).to_contain_text("The last turn did not finish.")
        expect(page.locator("#chat-cancel")).to_have_count(0)
    gate.open()
    assert probe.answers > 0 and not probe.failures, f"/readyz failed: {probe.failures}"
    assert processes.pid_alive(supervisor), "the whole app stopped"
    respawned = _children(supervisor) - workers_before
    assert len(_children(supervisor)) == len(workers_before) and respawned

    # The same tab works again: a new turn completes.
    llm.on_user(f"and now {tag}", then=[Reply(f"The tide turns again {tag}.")])
    send(page, f"and now {tag}")
    turn_done(page, f"The tide turns again {tag}.")
    page.context.close()
