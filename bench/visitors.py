"""What visitors leave behind: rounds of N sign-in-page visitors without a session (each opens
the event socket, loads /signin and leaves), then a few signed-in tabs for contrast; the app's
memory and Redis's key count and memory before, after each round and after the members.

    .venv/bin/python -m bench.visitors [--visitors 10000] [--rounds 2] [--at-once 50]
        [--members 100]

One throwaway stack (PostgreSQL, S3, Letta, a local Redis, the app as ./start.sh starts it, one
worker keeping page state in Redis). Numbers only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

import redis
import socketio

from bench.load import HYDRATE, HYDRATED, Tab, app_pids, mb, redis_pids, settle, sign_up
from bench.throwaway import throwaway_stack
from dsf_app.devstack import processes, stack
from dsf_app.settings import Settings
from tests.reflex_socket import EVENT_PATH, event_message

SIGNIN = "/signin"


async def visit(app_url: str) -> None:
    """One visitor: the socket without a session cookie, the sign-in page's hydrate and load
    events answered, and away."""
    client = socketio.AsyncClient(reconnection=False)
    answered = asyncio.Event()

    def received(update: Any) -> None:
        if HYDRATED in (update if isinstance(update, str) else json.dumps(update)):
            answered.set()

    client.on("event", received, namespace=EVENT_PATH)
    await client.connect(
        f"{app_url}?token={uuid.uuid4()}",
        socketio_path=EVENT_PATH,
        namespaces=[EVENT_PATH],
        transports=["websocket"],
        wait_timeout=60,
    )
    try:
        await client.emit("event", event_message(HYDRATE, {}, SIGNIN), namespace=EVENT_PATH)
        await asyncio.wait_for(answered.wait(), 60)
    finally:
        await client.disconnect()


async def visitors(app_url: str, count: int, at_once: int) -> float:
    """`count` visits, `at_once` at a time; visits per second."""
    gate = asyncio.Semaphore(at_once)

    async def one() -> None:
        async with gate:
            await visit(app_url)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    return count / (time.perf_counter() - started)


def snapshot(settings: Settings, store: redis.Redis) -> tuple[float, int, float]:
    """App RSS (MB), Redis keys, Redis used memory (MB)."""
    memory: dict[str, Any] = store.info("memory")  # pyright: ignore[reportAssignmentType]
    return mb(app_pids(settings)), int(store.dbsize()), int(memory["used_memory"]) / 2**20  # pyright: ignore[reportArgumentType]


async def measure(settings: Settings, args: argparse.Namespace) -> None:
    app_url = settings.public_url
    store = redis.Redis.from_url(settings.redis_url)
    await visitors(app_url, 20, 10)  # warm-up: Reflex's own first-use keys and caches
    await settle()
    rows = [("before", snapshot(settings, store))]
    rates: list[float] = []
    for done in range(1, args.rounds + 1):
        rates.append(await visitors(app_url, args.visitors, args.at_once))
        await settle()
        rows.append((f"after {done * args.visitors:,} visitors", snapshot(settings, store)))
    people = await sign_up(app_url, args.members)
    tabs = [Tab(app_url, person.token) for person in people]
    for tab in tabs:
        await tab.open()
    await asyncio.gather(*(tab.close() for tab in tabs))
    await settle()
    rows.append((f"after {args.members} signed-in tabs", snapshot(settings, store)))
    print(f"\n{'':<32}{'app RSS MB':>12}{'Redis keys':>12}{'Redis MB':>10}")
    for label, (rss, keys, used) in rows:
        print(f"{label:<32}{rss:>12.1f}{keys:>12,}{used:>10.2f}")
    print(
        f"\n{args.rounds} rounds of {args.visitors:,} visitors at "
        f"{', '.join(f'{rate:.0f}' for rate in rates)} visits/s ({args.at_once} at once); "
        f"Redis process RSS at the end {mb(redis_pids(settings)):.1f} MB."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--visitors", type=int, default=10_000, help="visitors per round")
    parser.add_argument(
        "--rounds", type=int, default=2, help="a second round shows whether memory keeps growing"
    )
    parser.add_argument("--at-once", type=int, default=50)
    parser.add_argument("--members", type=int, default=100)
    args = parser.parse_args()
    with throwaway_stack(
        stack.start_postgres,
        stack.start_s3,
        stack.start_letta,
        stack.start_redis,
        stack.start_app,
        DSF_REDIS="true",
        DSF_REDIS_PORT=str(processes.free_port()),
        DSF_SIGNUP_LIMIT_EXEMPT="127.0.0.1",
    ) as settings:
        asyncio.run(measure(settings, args))


if __name__ == "__main__":
    main()
