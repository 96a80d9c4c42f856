"""Load on the app as it ships: idle tabs, page events and chat turns, with one worker and with
two workers sharing page state in Redis, printed side by side.

    .venv/bin/python -m bench.load [--clients 1,10,50] [--events 100] [--idle 200] [--turns 10]

One throwaway stack (PostgreSQL, S3, Letta, the scripted model) serves both runs; the app is
started the way ./start.sh starts it, once with DSF_WORKERS=1 and once with DSF_WORKERS=2 and
a local Redis. Each run signs people up over HTTP and opens websocket tabs the way the browser
does (socket.io on /_event with the session cookie, then the page's hydrate and on_load
events), and measures:
- idle memory per tab: RSS of the app's processes (and of Redis) before and after opening the
  idle tabs, divided by their number;
- page-event latency (p50/p95/p99) and throughput: each client sends a cheap event (the chat
  draft) and waits for its answer before sending the next, at each client count;
- K chat turns at once against the scripted model (after one warm-up turn each, which creates
  the agents): every person must get their own reply, stored; time to reply.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
import socketio

from dsf_app import db
from dsf_app.db import session_scope
from dsf_app.devstack import processes, stack
from dsf_app.services import chat, users
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings
from dsf_app.state.chat import ChatState
from tests.accounts import SESSION_COOKIE, new_account
from tests.fakes.llm_server import Reply, ScriptedLLM
from tests.harness.stack import make_home, remove_home, running, settings_for, settings_from
from tests.reflex_socket import EVENT_PATH, PROBE, event_message, event_name

PAGE = "/worlds"
HYDRATE = "reflex___state____state.hydrate_and_load"
HYDRATED = '"is_hydrated_rx_state_": true'
IDLE = '"busy_rx_state_": false'  # the chat takes the next message
SEND = event_name(ChatState.send)
DRAFT = event_name(PROBE)
TIMEOUT = 120.0


class Tab:
    """One browser tab on PAGE: a socket.io client carrying the person's session cookie, which
    sends one event at a time and waits for the update that answers it."""

    def __init__(self, app_url: str, session_token: str) -> None:
        self.app_url = app_url
        # Given as a websocket header: engine.io would move a Cookie header into aiohttp's
        # cookie jar, which refuses cookies for an IP address such as 127.0.0.1.
        self.client = socketio.AsyncClient(
            reconnection=False,
            websocket_extra_options={"headers": {"Cookie": f"{SESSION_COOKIE}={session_token}"}},
        )
        self.client.on("event", self._received, namespace=EVENT_PATH)
        self.seen: list[str] = []  # every update, as text (kept only when `keep`)
        self.keep = False
        self.last = ""
        self._waiting: tuple[list[str], asyncio.Future[None]] | None = None

    async def open(self) -> None:
        await self.client.connect(
            f"{self.app_url}?token={uuid.uuid4()}",
            socketio_path=EVENT_PATH,
            namespaces=[EVENT_PATH],
            transports=["websocket"],
            wait_timeout=60,
        )
        await self.call(HYDRATE, {}, until=HYDRATED)

    async def call(self, name: str, payload: dict[str, Any], *, until: str | list[str]) -> float:
        """Send the event; seconds until updates containing each of `until`, in that order,
        have arrived."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting = ([until] if isinstance(until, str) else list(until), future)
        started = time.perf_counter()
        await self.client.emit("event", event_message(name, payload, PAGE), namespace=EVENT_PATH)
        try:
            await asyncio.wait_for(future, TIMEOUT)
        except TimeoutError:
            raise AssertionError(
                f"no answer to {name} in {TIMEOUT:.0f} s; last updates: {self.seen[-4:] or self.last}"
            ) from None
        return time.perf_counter() - started

    async def _received(self, update: Any) -> None:
        text = self.last = update if isinstance(update, str) else json.dumps(update)
        if self.keep:
            self.seen.append(text)
        if self._waiting and not self._waiting[1].done():
            markers, future = self._waiting
            if markers[0] in text:
                markers.pop(0)
            if not markers:
                future.set_result(None)

    async def close(self) -> None:
        await self.client.disconnect()


@dataclass
class Run:
    """What one app configuration measured."""

    app_mb_per_tab: float = 0.0
    redis_mb_per_tab: float | None = None
    latency_ms: dict[int, tuple[float, float, float]] = field(default_factory=dict)
    throughput: dict[int, float] = field(default_factory=dict)
    turns_correct: str = ""
    turn_seconds: tuple[float, float] = (0.0, 0.0)


async def sign_up(app_url: str, count: int) -> list[tuple[str, str]]:
    """`count` new people over POST /auth/signup: (email, session token) each."""
    gate = asyncio.Semaphore(4)

    async def one() -> tuple[str, str]:
        account = new_account("Bench")
        # A client of its own: a shared one would send the previous person's session along.
        async with gate, httpx.AsyncClient(timeout=60) as client:
            response = await client.post(
                f"{app_url}/auth/signup",
                data={"name": account.name, "email": account.email, "password": account.password},
                headers={"Origin": app_url},
            )
        assert response.status_code == 303, response.text
        return account.email, response.cookies[SESSION_COOKIE]

    return await asyncio.gather(*(one() for _ in range(count)))


async def open_tabs(app_url: str, tokens: list[str]) -> list[Tab]:
    gate = asyncio.Semaphore(10)

    async def one(token: str) -> Tab:
        tab = Tab(app_url, token)
        async with gate:
            await tab.open()
        return tab

    return await asyncio.gather(*(one(token) for token in tokens))


def mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def app_pids(settings: Settings) -> list[int]:
    main = processes.recorded_pid(stack.process_files(settings, "app"))
    assert main is not None, "the app is not running"
    return [main, *(child.pid for child in psutil.Process(main).children(recursive=True))]


def redis_pids(settings: Settings) -> list[int]:
    pid = processes.recorded_pid(stack.process_files(settings, "redis"))
    return [pid] if pid else []


async def settle() -> None:
    """Let the server finish what the last events started before reading its memory."""
    await asyncio.sleep(3)


async def idle_memory(settings: Settings, tokens: list[str], idle: int, run: Run) -> None:
    warm = await open_tabs(settings.public_url, tokens[:5])
    await asyncio.gather(*(tab.close() for tab in warm))
    await settle()
    app_before, redis_before = mb(app_pids(settings)), mb(redis_pids(settings))
    tabs = await open_tabs(settings.public_url, [tokens[i % len(tokens)] for i in range(idle)])
    await settle()
    run.app_mb_per_tab = (mb(app_pids(settings)) - app_before) / idle
    if settings.uses_redis:
        run.redis_mb_per_tab = (mb(redis_pids(settings)) - redis_before) / idle
    await asyncio.gather(*(tab.close() for tab in tabs))


async def page_events(tabs: list[Tab], clients: int, events: int, run: Run) -> None:
    latencies: list[float] = []

    async def client(tab: Tab) -> None:
        for _ in range(events):
            marker = f"draft-{uuid.uuid4().hex}"
            latencies.append(await tab.call(DRAFT, {"value": marker}, until=marker))

    started = time.perf_counter()
    await asyncio.gather(*(client(tab) for tab in tabs[:clients]))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    run.latency_ms[clients] = (cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000)
    run.throughput[clients] = len(latencies) / elapsed


async def chat_turns(
    tabs: list[Tab], people: list[str], llm: ScriptedLLM, turns: int, run: Run
) -> None:
    """K people each send a message at once; each must get (and have stored) its own reply."""

    async def round_of_turns() -> tuple[list[float], list[str]]:
        tags = [uuid.uuid4().hex[:10] for _ in range(turns)]
        for tag in tags:
            llm.on_user(f"load {tag}", then=[Reply(f"Answer {tag}.")])
        for tab in tabs[:turns]:
            tab.keep, tab.seen = True, []
        times = await asyncio.gather(
            *(
                tab.call(
                    SEND, {"form_data": {"message": f"load {tag}"}}, until=[f"Answer {tag}.", IDLE]
                )
                for tab, tag in zip(tabs, tags, strict=False)
            )
        )
        return list(times), tags

    await round_of_turns()  # creates each person's User Agent
    times, tags = await round_of_turns()
    mixed = [
        tag
        for tab, tag in zip(tabs, tags, strict=False)
        for other in tags
        if other != tag and any(f"Answer {other}" in text for text in tab.seen)
    ]
    stored = await asyncio.to_thread(_stored_replies, people[:turns], tags)
    correct = not mixed and stored == turns
    run.turns_correct = f"{stored}/{turns} stored" + ("" if correct else f", mixed: {mixed}")
    run.turn_seconds = (statistics.median(times), max(times))


def _stored_replies(emails: list[str], tags: list[str]) -> int:
    found = 0
    with session_scope() as session:
        for email, tag in zip(emails, tags, strict=True):
            user = users.get_by_email(session, email)
            assert user is not None
            texts = [m.content for m in chat.list_messages(session, Actor.of(user), None)]
            found += f"Answer {tag}." in texts
    return found


async def measure(settings: Settings, llm: ScriptedLLM, args: argparse.Namespace) -> Run:
    run = Run()
    people = await sign_up(settings.public_url, max(args.clients))
    emails, tokens = [email for email, _ in people], [token for _, token in people]
    await idle_memory(settings, tokens, args.idle, run)
    tabs = await open_tabs(settings.public_url, tokens)
    for clients in args.clients:
        await page_events(tabs, clients, args.events, run)
    await chat_turns(tabs, emails, llm, args.turns, run)
    await asyncio.gather(*(tab.close() for tab in tabs))
    return run


def report(runs: dict[str, Run], args: argparse.Namespace) -> None:
    names = list(runs)
    width = 38

    def row(label: str, values: list[str]) -> None:
        print(f"{label:<{width}}" + "".join(f"{value:>24}" for value in values))

    row("", names)
    row("idle tab, app RSS (MB/tab)", [f"{r.app_mb_per_tab:.3f}" for r in runs.values()])
    row(
        "idle tab, Redis RSS (MB/tab)",
        ["-" if r.redis_mb_per_tab is None else f"{r.redis_mb_per_tab:.3f}" for r in runs.values()],
    )
    for clients in args.clients:
        row(
            f"page event p50/p95/p99 ms, {clients} clients",
            ["/".join(f"{v:.1f}" for v in r.latency_ms[clients]) for r in runs.values()],
        )
        row(
            f"  throughput, {clients} clients (events/s)",
            [f"{r.throughput[clients]:.0f}" for r in runs.values()],
        )
    row(f"{args.turns} chat turns at once: correct", [r.turns_correct for r in runs.values()])
    row(
        "  time to reply median/max (s)",
        [f"{r.turn_seconds[0]:.1f}/{r.turn_seconds[1]:.1f}" for r in runs.values()],
    )
    top, two = max(args.clients), runs[names[-1]]
    print(
        f"\nTargets (2 workers + Redis, {top} clients): p95 <= 100 ms: "
        f"{two.latency_ms[top][1]:.1f} ms; >= 700 events/s: {two.throughput[top]:.0f}; "
        f"idle tab <= 0.25 MB: {two.app_mb_per_tab + (two.redis_mb_per_tab or 0):.3f} MB "
        f"(app + Redis). Machine: {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--clients", type=lambda v: [int(c) for c in v.split(",")], default=[1, 10, 50]
    )
    parser.add_argument("--events", type=int, default=100, help="events per client")
    parser.add_argument("--idle", type=int, default=200, help="idle tabs for the memory check")
    parser.add_argument("--turns", type=int, default=10, help="chat turns at once")
    args = parser.parse_args()
    home = make_home()
    runs: dict[str, Run] = {}
    try:
        with ScriptedLLM() as llm:
            base = settings_for(
                home,
                OPENAI_BASE_URL=llm.base_url,
                OPENAI_API_KEY="bench",
                DSF_AGENT_MODEL="openai-proxy/dsf-fake-model",
                DSF_SIGNUP_LIMIT_EXEMPT="127.0.0.1",
                DSF_REDIS_PORT=processes.free_port(),
            )
            os.environ.update(base.as_env())
            get_settings.cache_clear()
            db.get_engine.cache_clear()
            with (
                running(base, stack.start_postgres),
                running(base, stack.start_s3),
                running(base, stack.start_letta),
            ):
                for label, workers in (("1 worker", 1), ("2 workers + Redis", 2)):
                    settings = settings_from(**{**base.as_env(), "DSF_WORKERS": str(workers)})
                    with running(settings, stack.start_redis), running(settings, stack.start_app):
                        print(f"measuring {label}…", flush=True)
                        runs[label] = asyncio.run(measure(settings, llm, args))
    finally:
        remove_home(home)
    report(runs, args)


if __name__ == "__main__":
    main()
