"""A fair share of the server: a third person's page events while one person starts 8 imports
of a 15 MB world at once and another imports a large lorebook, against the same events on an
idle server, printed side by side with their ratio.

    .venv/bin/python -m bench.fairness [--events 200] [--imports 8] [--entries 10000]
        [--segments 44000] [--warm-up 100]

One throwaway stack (PostgreSQL, S3, Letta, the app as ./start.sh starts it, one worker). The
importers' tabs are websocket clients that upload over HTTP as the browser does; the third
person's tab sends a cheap event (the chat draft) and waits for its answer before the next one,
for as long as the imports run. It prints what the imports did (one of the 8 runs, the others
are refused while it does) and the third person's latencies; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field

from bench.load import DRAFT, Tab, app_pids, mb
from bench.throwaway import signed_up_person, throwaway_stack
from dsf_app.db import session_scope
from dsf_app.devstack import stack
from dsf_app.services import imports, worlds
from dsf_app.state.codex import CodexState
from tests.reflex_socket import ReflexSocket
from tests.test_world_import_http import Body, opened, upload
from tests.world_documents import large_world

IMPORTED = "as your own private copy"
LORE_IMPORTED = "entries from a"
SEGMENT_TEXT = "The tide came in over the salt flats and the lanterns went out one by one. " * 3


@dataclass
class Outcome:
    """What the background imports did, and when."""

    imported: int = 0
    refused: int = 0
    lorebook: str = ""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def fifteen_mb_world(segments: int) -> bytes:
    """A world export of about 15 MB at 44,000 segments of a few sentences each."""
    document = json.loads(large_world(segments, name="Salt Archive"))
    for story in document["stories"]:
        for segment in story["segments"]:
            segment["content"] = SEGMENT_TEXT
    return json.dumps(document, separators=(",", ":")).encode()


def big_lorebook(entries: int) -> bytes:
    """A SillyTavern World Info file of `entries` entries."""
    return json.dumps(
        {
            "entries": {
                str(n): {"key": [f"tide-{n}"], "comment": f"Tide {n}", "content": SEGMENT_TEXT}
                for n in range(entries)
            }
        }
    ).encode()


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


async def page_events(tab: Tab, *, count: int, until: threading.Event | None = None) -> list[float]:
    """The tab's draft event, answered one at a time: `count` of them, and then more until
    `until` is set."""
    latencies: list[float] = []
    while len(latencies) < count or (until is not None and not until.is_set()):
        marker = f"draft-{uuid.uuid4().hex}"
        latencies.append(await tab.call(DRAFT, {"value": marker}, until=marker))
    return latencies


def answer_of(tab: ReflexSocket, timeout: float = 900) -> str:
    """Which answer an import's tab got: imported, or refused while another ran."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for answer in (IMPORTED, imports.BUSY):
            try:
                tab.wait_for(answer, timeout=0.5)
            except TimeoutError:
                continue
            return answer
    raise TimeoutError(f"no import answered in {timeout:.0f} s")


class Importers:
    """One person's tabs, each about to import the same 15 MB world, and another person's tab
    on a world's Codex, about to import a lorebook."""

    def __init__(self, app_url: str, imports_at_once: int, entries: int, segments: int) -> None:
        self.app_url = app_url
        self.world = fifteen_mb_world(segments)
        self.book = big_lorebook(entries)
        self.entries = entries
        importer_token, _ = signed_up_person(app_url)
        lore_token, lore_person = signed_up_person(app_url)
        with session_scope() as session:
            self.lore_world = worlds.create_world(session, lore_person, "Lore Sink").id
        self.tabs = [opened(ReflexSocket(app_url, importer_token)) for _ in range(imports_at_once)]
        self.lore_tab = ReflexSocket(app_url, lore_token)
        self.lore_tab.send(CodexState.load, f"/worlds/{self.lore_world}")
        self.outcome = Outcome()
        self._lock = threading.Lock()

    def start(self) -> threading.Event:
        """Send every upload at once, each from a thread; the event is set once all answered."""
        finished = threading.Event()
        started = time.monotonic()

        def world_import(tab: ReflexSocket) -> None:
            upload(self.app_url, tab, Body(iter([self.world])))
            answer = answer_of(tab)
            with self._lock:
                if answer == IMPORTED:
                    self.outcome.imported += 1
                else:
                    self.outcome.refused += 1

        def lorebook_import() -> None:
            body = Body(iter([self.book]), "book.json")
            upload(self.app_url, self.lore_tab, body, CodexState.import_lorebook)
            self.lore_tab.wait_for(LORE_IMPORTED, timeout=900)
            self.outcome.lorebook = f"{self.entries:,} entries imported"

        def run() -> None:
            threads = [threading.Thread(target=world_import, args=(tab,)) for tab in self.tabs]
            threads.append(threading.Thread(target=lorebook_import))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.outcome.seconds = time.monotonic() - started
            for tab in [*self.tabs, self.lore_tab]:
                tab.close()
            finished.set()

        threading.Thread(target=run, daemon=True).start()
        return finished


async def measure(app_url: str, args: argparse.Namespace) -> None:
    importers = await asyncio.to_thread(
        Importers, app_url, args.imports, args.entries, args.segments
    )
    print(
        f"world file {len(importers.world) / 1e6:.1f} MB, lorebook "
        f"{len(importers.book) / 1e6:.1f} MB",
        flush=True,
    )
    token, _ = await asyncio.to_thread(signed_up_person, app_url)
    tab = Tab(app_url, token)
    await tab.open()
    await page_events(tab, count=args.warm_up)
    idle = await page_events(tab, count=args.events)
    finished = importers.start()
    loaded = await page_events(tab, count=args.events, until=finished)
    await tab.close()
    report(idle, loaded, importers.outcome, args)


def report(
    idle: list[float], loaded: list[float], outcome: Outcome, args: argparse.Namespace
) -> None:
    quiet, busy = percentiles(idle), percentiles(loaded)
    print(f"\n{'third person page event, ms':<34}{'p50':>9}{'p95':>9}{'p99':>9}{'events':>9}")
    print(f"{'idle server':<34}" + "".join(f"{v:>9.1f}" for v in quiet) + f"{len(idle):>9}")
    print(f"{'during the imports':<34}" + "".join(f"{v:>9.1f}" for v in busy) + f"{len(loaded):>9}")
    print(
        f"{'ratio (during / idle)':<34}"
        + "".join(f"{b / q:>9.2f}" for b, q in zip(busy, quiet, strict=True))
    )
    print(
        f"\n{args.imports} world imports started at once by one person: {outcome.imported} "
        f"imported, {outcome.refused} refused while one ran; lorebook: "
        f"{outcome.lorebook or 'did not finish'}; all answered after {outcome.seconds:.1f} s."
    )
    print(
        f"Target: p95 < 200 ms during the imports: {busy[1]:.1f} ms. Machine: {os.cpu_count()} "
        f"cores, load average {os.getloadavg()[0]:.1f} at the end."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=200, help="page events per phase (at least)")
    parser.add_argument("--imports", type=int, default=8, help="world imports started at once")
    parser.add_argument("--entries", type=int, default=10_000, help="entries in the lorebook")
    parser.add_argument("--segments", type=int, default=44_000, help="segments of the world")
    parser.add_argument("--warm-up", type=int, default=100, help="page events before measuring")
    args = parser.parse_args()
    with throwaway_stack(
        stack.start_postgres,
        stack.start_s3,
        stack.start_letta,
        stack.start_app,
        DSF_SIGNUP_LIMIT_EXEMPT="127.0.0.1",
    ) as settings:
        asyncio.run(measure(settings.public_url, args))
        print(f"app RSS at the end: {mb(app_pids(settings)):.0f} MB")


if __name__ == "__main__":
    main()
