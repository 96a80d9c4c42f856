"""Load on the app as it ships: idle tabs, page events and chat turns, with one worker, with
two workers sharing page state in Redis, and with two workers and Reflex's opportunistic locking
off (the same load, the lock's same-run baseline), printed side by side.

    .venv/bin/python -m bench.load [--clients 1,10,50] [--events 100] [--idle 200] [--turns 10]
                                   [--repeats 3]

One throwaway stack (PostgreSQL, S3, Letta, the scripted model) serves every run; the app is
started the way ./start.sh starts it, once per configuration and repeat, the configurations
alternated (A B C A B C, so a change of the machine's load falls on all of them). Each run signs
people up over HTTP, gives each a world, and opens websocket tabs the way the browser does
(socket.io on /_event with the session cookie, then the page's hydrate and the world page's
load), and measures:
- idle memory per tab: RSS of the app's processes (and of Redis) before and after opening the
  idle tabs (each on its person's world page, loaded), divided by their number;
- page-event latency (p50/p95/p99), throughput and the app's CPU time per event (all its
  processes, user + system), for three events: the chat draft (`ChatState.set_draft`: no
  session lookup, no query — the floor of a page event), the worlds page's load
  (`WorldsPageState.load`: what opening /worlds runs) and the world page's reload
  (`WorldPageState.reload`: the session looked up, the world, its foundation, changes, versions
  and stories read). Each client sends one and waits for its answer before sending the next,
  at each client count;
- K chat turns at once against the scripted model (after one warm-up turn each, which creates
  the agents): every person must get their own reply, stored; time to reply.
Each figure is the median over the repeats with its range (min-max); two configurations whose
ranges overlap are not told apart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import httpx
import psutil
import socketio

from dsf_app import db
from dsf_app.db import session_scope
from dsf_app.devstack import processes, stack
from dsf_app.services import chat, users, worlds
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings
from dsf_app.state.chat import ChatState
from dsf_app.state.world import WorldPageState
from dsf_app.state.worlds import WorldsPageState
from tests.accounts import SESSION_COOKIE, new_account
from tests.fakes.llm_server import Reply, ScriptedLLM
from tests.harness.stack import make_home, remove_home, running, settings_for, settings_from
from tests.reflex_socket import EVENT_PATH, event_message, event_name

PAGE = "/worlds"
HYDRATE = "reflex___state____state.hydrate_and_load"
HYDRATED = '"is_hydrated_rx_state_": true'
IDLE = '"busy_rx_state_": false'  # the chat takes the next message
SEND = event_name(ChatState.send)
DRAFT = event_name(ChatState.set_draft)
LOAD = event_name(WorldPageState.load)
RELOAD = event_name(WorldPageState.reload)
WORLDS_LOAD = event_name(WorldsPageState.load)
TIMEOUT = 120.0


@dataclass(frozen=True)
class Configuration:
    label: str
    workers: int
    locking: bool  # Reflex's opportunistic locking (REFLEX_OPLOCK_ENABLED), only with Redis


ONE_WORKER = Configuration("1 worker", 1, locking=False)
TARGETED = Configuration("2 workers + Redis", 2, locking=True)  # what the targets are for
UNLOCKED = Configuration("2 workers + Redis, no lock", 2, locking=False)


@dataclass(frozen=True)
class PageEvent:
    label: str
    send: Callable[[Tab], Awaitable[float]]  # sends the event; seconds to its answer


class Tab:
    """One browser tab on PAGE, or on the person's `world` (id, name) page: a socket.io client
    carrying the person's session cookie, which sends one event at a time and waits for the
    update that answers it."""

    def __init__(
        self, app_url: str, session_token: str, world: tuple[str, str] | None = None
    ) -> None:
        self.app_url = app_url
        self.path, self.world_name = (f"/worlds/{world[0]}", world[1]) if world else (PAGE, "")
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
        await self.call(HYDRATE, {}, until=HYDRATED, path=PAGE)
        if self.world_name:
            # The world page's on_load, so that its reload has a world to show again.
            await self.call(LOAD, {}, until=self.world_name)

    async def draft(self) -> float:
        marker = f"draft-{uuid.uuid4().hex}"
        return await self.call(DRAFT, {"value": marker}, until=marker)

    async def worlds_load(self) -> float:
        assert self.world_name, "the tab was opened on no world"
        # The list is sent again, the person's world in it.
        return await self.call(WORLDS_LOAD, {}, until=self.world_name, path=PAGE)

    async def reload(self) -> float:
        assert self.world_name, "the tab was opened on no world"
        # Every var the reload sets is sent again, the world's name among them.
        return await self.call(RELOAD, {}, until=self.world_name)

    async def call(
        self, name: str, payload: dict[str, Any], *, until: str | list[str], path: str = ""
    ) -> float:
        """Send the event (from the world page unless `path`); seconds until updates
        containing each of `until`, in that order, have arrived."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting = ([until] if isinstance(until, str) else list(until), future)
        message = event_message(name, payload, path or self.path)
        started = time.perf_counter()
        await self.client.emit("event", message, namespace=EVENT_PATH)
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


PAGE_EVENTS = (
    PageEvent("chat draft (no query)", Tab.draft),
    PageEvent("worlds page load (session + list)", Tab.worlds_load),
    PageEvent("world page reload (session + queries)", Tab.reload),
)


@dataclass
class Run:
    """What one run of one configuration measured."""

    app_mb_per_tab: float = 0.0
    redis_mb_per_tab: float | None = None
    # By (event label, clients): latency p50/p95/p99 in ms, and events per second.
    latency_ms: dict[tuple[str, int], tuple[float, float, float]] = field(default_factory=dict)
    throughput: dict[tuple[str, int], float] = field(default_factory=dict)
    cpu_ms_per_event: dict[tuple[str, int], float] = field(default_factory=dict)
    turns_stored: int = 0
    turns_mixed: list[str] = field(default_factory=list)
    turn_seconds: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Person:
    email: str
    token: str
    world: tuple[str, str]  # id, name


async def sign_up(app_url: str, count: int) -> list[Person]:
    """`count` new people over POST /auth/signup, each with a world of their own."""
    gate = asyncio.Semaphore(4)

    async def one() -> Person:
        account = new_account("Bench")
        # A client of its own: a shared one would send the previous person's session along.
        async with gate, httpx.AsyncClient(timeout=60) as client:
            response = await client.post(
                f"{app_url}/auth/signup",
                data={"name": account.name, "email": account.email, "password": account.password},
                headers={"Origin": app_url},
            )
        assert response.status_code == 303, response.text
        world = await asyncio.to_thread(_world_of, account.email)
        return Person(account.email, response.cookies[SESSION_COOKIE], world)

    return await asyncio.gather(*(one() for _ in range(count)))


def _world_of(email: str) -> tuple[str, str]:
    name = f"Bench world {uuid.uuid4().hex[:10]}"
    with session_scope() as session:
        user = users.get_by_email(session, email)
        assert user is not None
        world = worlds.create_world(
            session,
            Actor.of(user),
            name,
            "Tidal cities after the sea rose.",
            foundation={
                "core_premise": "Cheap desalination arrived early and the coasts were rebuilt.",
                "rules": [{"name": "Salt", "description": "Brine is the new oil."}],
            },
        )
        return str(world.id), name


async def open_tabs(app_url: str, people: list[Person]) -> list[Tab]:
    gate = asyncio.Semaphore(10)

    async def one(person: Person) -> Tab:
        tab = Tab(app_url, person.token, person.world)
        async with gate:
            await tab.open()
        return tab

    return await asyncio.gather(*(one(person) for person in people))


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


async def idle_memory(settings: Settings, people: list[Person], idle: int, run: Run) -> None:
    warm = await open_tabs(settings.public_url, people[:5])
    await asyncio.gather(*(tab.close() for tab in warm))
    await settle()
    app_before, redis_before = mb(app_pids(settings)), mb(redis_pids(settings))
    tabs = await open_tabs(settings.public_url, [people[i % len(people)] for i in range(idle)])
    await settle()
    run.app_mb_per_tab = (mb(app_pids(settings)) - app_before) / idle
    if settings.uses_redis:
        run.redis_mb_per_tab = (mb(redis_pids(settings)) - redis_before) / idle
    await asyncio.gather(*(tab.close() for tab in tabs))


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def page_events(
    settings: Settings, tabs: list[Tab], event: PageEvent, clients: int, events: int, run: Run
) -> None:
    latencies: list[float] = []

    async def client(tab: Tab) -> None:
        for _ in range(events):
            latencies.append(await event.send(tab))

    pids = app_pids(settings)
    cpu_before = cpu_seconds(pids)
    started = time.perf_counter()
    await asyncio.gather(*(client(tab) for tab in tabs[:clients]))
    elapsed = time.perf_counter() - started
    run.cpu_ms_per_event[(event.label, clients)] = (
        (cpu_seconds(pids) - cpu_before) * 1000 / len(latencies)
    )
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    key = (event.label, clients)
    run.latency_ms[key] = (cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000)
    run.throughput[key] = len(latencies) / elapsed


async def chat_turns(
    tabs: list[Tab], people: list[Person], llm: ScriptedLLM, turns: int, run: Run
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
                    SEND,
                    {"form_data": {"message": f"load {tag}"}},
                    until=[f"Answer {tag}.", IDLE],
                    path=PAGE,  # the person's own chat, with their User Agent
                )
                for tab, tag in zip(tabs, tags, strict=False)
            )
        )
        return list(times), tags

    await round_of_turns()  # creates each person's User Agent
    times, tags = await round_of_turns()
    run.turns_mixed = [
        tag
        for tab, tag in zip(tabs, tags, strict=False)
        for other in tags
        if other != tag and any(f"Answer {other}" in text for text in tab.seen)
    ]
    run.turns_stored = await asyncio.to_thread(_stored_replies, people[:turns], tags)
    run.turn_seconds = (statistics.median(times), max(times))


def _stored_replies(people: list[Person], tags: list[str]) -> int:
    found = 0
    with session_scope() as session:
        for person, tag in zip(people, tags, strict=True):
            user = users.get_by_email(session, person.email)
            assert user is not None
            texts = [m.content for m in chat.list_messages(session, Actor.of(user), None)]
            found += f"Answer {tag}." in texts
    return found


async def measure(settings: Settings, llm: ScriptedLLM, args: argparse.Namespace) -> Run:
    run = Run()
    people = await sign_up(settings.public_url, max(args.clients))
    await idle_memory(settings, people, args.idle, run)
    tabs = await open_tabs(settings.public_url, people)
    for clients in args.clients:
        for event in PAGE_EVENTS:
            await page_events(settings, tabs, event, clients, args.events, run)
    await chat_turns(tabs, people, llm, args.turns, run)
    await asyncio.gather(*(tab.close() for tab in tabs))
    return run


@contextmanager
def app_running(settings: Settings, locking: bool) -> Iterator[None]:
    """The app as ./start.sh starts it; with Redis but `locking` off, Reflex's opportunistic
    locking is turned off in the environment the app starts with (which otherwise turns it on
    whenever page state is in Redis)."""
    shipped = stack.app_env
    with ExitStack() as started:
        if settings.uses_redis and not locking:
            started.enter_context(
                mock.patch.object(
                    stack,
                    "app_env",
                    lambda s: {**shipped(s), "REFLEX_OPLOCK_ENABLED": "false"},
                )
            )
        started.enter_context(running(settings, stack.start_app))
        yield


def spread(values: list[float], digits: int) -> str:
    """The median over the repeats, and their range when there are several."""
    median = f"{statistics.median(values):,.{digits}f}"
    if len(values) < 2:
        return median
    return f"{median} ({min(values):,.{digits}f} to {max(values):,.{digits}f})"


def verdict(a: list[float], b: list[float]) -> str:
    """Whether two configurations' repeats tell them apart: only ranges that do not overlap
    show a difference beyond the noise."""
    if min(len(a), len(b)) < 2:
        return "one run each: no range, not a result"
    if max(a) < min(b) or max(b) < min(a):
        return "ranges apart"
    return "within noise: ranges overlap"


def report(runs: dict[Configuration, list[Run]], args: argparse.Namespace) -> None:
    width = 48
    column = 30

    def row(label: str, values: list[str]) -> None:
        print(f"{label:<{width}}" + "".join(f"{value:>{column}}" for value in values))

    def each(figure: Callable[[Run], float], digits: int) -> list[str]:
        return [spread([figure(r) for r in repeats], digits) for repeats in runs.values()]

    print(
        f"\nmedian over {args.repeats} runs of each configuration, alternated, with the "
        "range (min to max) across them:"
    )
    row("", [c.label for c in runs])
    row("idle tab, app RSS (MB/tab)", each(lambda r: r.app_mb_per_tab, 3))
    row(
        "idle tab, Redis RSS (MB/tab)",
        [
            "-"
            if repeats[0].redis_mb_per_tab is None
            else spread([r.redis_mb_per_tab or 0.0 for r in repeats], 3)
            for repeats in runs.values()
        ],
    )
    for clients in args.clients:
        for event in PAGE_EVENTS:
            key = (event.label, clients)
            print(f"{event.label}, {clients} clients:")
            row(
                "  page event p50/p95/p99 ms",
                [
                    "/".join(
                        f"{statistics.median(r.latency_ms[key][i] for r in repeats):.1f}"
                        for i in range(3)
                    )
                    for repeats in runs.values()
                ],
            )
            row("  p95 ms", each(lambda r, key=key: r.latency_ms[key][1], 1))
            row("  throughput (events/s)", each(lambda r, key=key: r.throughput[key], 0))
            row("  app CPU per event (ms)", each(lambda r, key=key: r.cpu_ms_per_event[key], 2))
    row(
        f"{args.turns} chat turns at once: stored",
        [
            ", ".join(
                f"{r.turns_stored}/{args.turns}"
                + (f" mixed {r.turns_mixed}" if r.turns_mixed else "")
                for r in repeats
            )
            for repeats in runs.values()
        ],
    )
    row("  time to reply, median (s)", each(lambda r: r.turn_seconds[0], 1))
    row("  time to reply, slowest (s)", each(lambda r: r.turn_seconds[1], 1))
    compare_locking(runs, args)
    targets(runs[TARGETED], args)


def compare_locking(runs: dict[Configuration, list[Run]], args: argparse.Namespace) -> None:
    """Opportunistic locking against the same load without it."""
    on, off = runs[TARGETED], runs[UNLOCKED]
    top = max(args.clients)
    print(f"\nOpportunistic locking, on vs off (2 workers + Redis, {top} clients):")
    for event in PAGE_EVENTS:
        key = (event.label, top)
        with_lock = [r.throughput[key] for r in on]
        without = [r.throughput[key] for r in off]
        ratio = statistics.median(with_lock) / statistics.median(without)
        print(
            f"  {event.label}: throughput {spread(with_lock, 0)} vs {spread(without, 0)} "
            f"events/s, ratio {ratio:.2f} ({verdict(with_lock, without)})"
        )


def targets(repeats: list[Run], args: argparse.Namespace) -> None:
    top = max(args.clients)
    print(
        f"\nTargets ({TARGETED.label}, {top} clients; p95 <= 100 ms, >= 1,100 events/s, "
        "<= 1.0 ms of app CPU per event):"
    )
    for event in PAGE_EVENTS:
        key = (event.label, top)
        p95 = spread([r.latency_ms[key][1] for r in repeats], 1)
        throughput = spread([r.throughput[key] for r in repeats], 0)
        cpu = spread([r.cpu_ms_per_event[key] for r in repeats], 2)
        print(
            f"  {event.label}: p95 {p95} ms, throughput {throughput} events/s, "
            f"app CPU {cpu} ms/event"
        )
    idle = spread([r.app_mb_per_tab + (r.redis_mb_per_tab or 0) for r in repeats], 3)
    print(
        f"  idle tab <= 0.25 MB (app + Redis): {idle} MB. Machine: {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--clients", type=lambda v: [int(c) for c in v.split(",")], default=[1, 10, 50]
    )
    parser.add_argument("--events", type=int, default=100, help="events per client")
    parser.add_argument("--idle", type=int, default=200, help="idle tabs for the memory check")
    parser.add_argument("--turns", type=int, default=10, help="chat turns at once")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each configuration")
    parser.add_argument(
        "--without-one-worker",
        action="store_true",
        help="measure only the two-worker configurations (locking on and off)",
    )
    args = parser.parse_args()
    configurations = (
        [TARGETED, UNLOCKED] if args.without_one_worker else [ONE_WORKER, TARGETED, UNLOCKED]
    )
    home = make_home()
    runs: dict[Configuration, list[Run]] = {c: [] for c in configurations}
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
                for repeat in range(args.repeats):
                    for configuration in configurations:
                        settings = settings_from(
                            **{**base.as_env(), "DSF_WORKERS": str(configuration.workers)}
                        )
                        with (
                            running(settings, stack.start_redis),
                            app_running(settings, configuration.locking),
                        ):
                            print(
                                f"measuring {configuration.label}, run {repeat + 1} of "
                                f"{args.repeats}…",
                                flush=True,
                            )
                            runs[configuration].append(asyncio.run(measure(settings, llm, args)))
    finally:
        remove_home(home)
    report(runs, args)


if __name__ == "__main__":
    main()
