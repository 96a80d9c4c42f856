"""Where synchronous work runs, so that heavy work never starves page events.

Three bounded pools, sized by the settings, none of them asyncio's default executor (which
Reflex uses for its own state persistence):
- the event threads (DSF_EVENT_THREADS): a page event's short database work, through
  `ActsForPerson.act` (state/auth.py), and the sign-in checks of page loads;
- the heavy processes (DSF_HEAVY_WORKERS): work that holds the GIL for seconds, such as parsing
  a 20 MB import, in processes of their own, so this process's event loop and event threads
  keep running; what they run must be importable functions of picklable arguments (and may
  report their progress back: `in_heavy_process_reporting`);
- the heavy threads (DSF_HEAVY_WORKERS as well): CPU work that releases the GIL but would
  take the event threads for long, such as computing embeddings.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import multiprocessing
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.managers import SyncManager
from queue import Empty, Queue
from typing import Any, ParamSpec, TypeVar

from dsf_app.settings import get_settings

P = ParamSpec("P")
T = TypeVar("T")
# How often a heavy process's progress is sent back, and looked for.
REPORT_SECONDS = 0.25


@functools.cache
def event_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(get_settings().event_threads, thread_name_prefix="dsf-event")


@functools.cache
def heavy_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(get_settings().heavy_workers, thread_name_prefix="dsf-heavy")


@functools.cache
def heavy_processes() -> ProcessPoolExecutor:
    # Spawned, not forked: a fork would copy this process's open database connections and
    # event loop; a spawned worker imports what it runs and opens its own.
    return ProcessPoolExecutor(
        get_settings().heavy_workers, mp_context=multiprocessing.get_context("spawn")
    )


async def _run(executor: Executor, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(work, *args, **kwargs))


async def in_event_thread(work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`work(*args, **kwargs)` on an event thread, with this task's context variables (the
    trace it belongs to), as `asyncio.to_thread` would run it on the default executor."""
    context = contextvars.copy_context()
    return await _run(event_threads(), context.run, functools.partial(work, *args, **kwargs))


async def in_heavy_thread(work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`work(*args, **kwargs)` on a heavy thread, queued behind the heavy work before it."""
    context = contextvars.copy_context()
    return await _run(heavy_threads(), context.run, functools.partial(work, *args, **kwargs))


async def in_heavy_process(work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`work(*args, **kwargs)` in a heavy process, queued behind the heavy work before it;
    its exceptions come back as they were raised."""
    return await _run(heavy_processes(), work, *args, **kwargs)


@dataclass(frozen=True)
class Progress:
    """How far a piece of heavy work has come: its stage, and how many of how many things."""

    stage: str
    done: int = 0
    total: int = 0


ReportProgress = Callable[[Progress], None]


def unreported(_: Progress) -> None:
    """The progress of work nobody watches."""


class _Reporter:
    """The `progress` a heavy process is given: sends its Progress back over a managed queue, at
    most every REPORT_SECONDS (a stage's first and last always)."""

    def __init__(self, queue: Queue[Progress]) -> None:
        self._queue = queue
        self._sent: tuple[str, float] = ("", 0.0)

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        stage, at = self._sent
        ends = progress.done >= progress.total
        if progress.stage == stage and not ends and now - at < REPORT_SECONDS:
            return
        self._sent = (progress.stage, now)
        self._queue.put(progress)


@functools.cache
def _manager() -> SyncManager:
    """The process that carries heavy processes' reports back (started on first use)."""
    return multiprocessing.get_context("spawn").Manager()


def _drained(queue: Queue[Progress]) -> list[Progress]:
    reports: list[Progress] = []
    while True:
        try:
            reports.append(queue.get_nowait())
        except Empty:
            return reports


async def in_heavy_process_reporting(
    work: Callable[..., T], on_progress: Callable[[Progress], Awaitable[None]], /, *args: Any
) -> T:
    """`work(*args, progress=...)` in a heavy process, as `in_heavy_process`; each Progress it
    passes to `progress` reaches `on_progress` here while it runs."""
    queue = await in_event_thread(lambda: _manager().Queue())
    running = asyncio.ensure_future(
        _run(heavy_processes(), functools.partial(work, *args, progress=_Reporter(queue)))
    )
    while True:
        await asyncio.wait({running}, timeout=REPORT_SECONDS)
        for progress in await in_event_thread(_drained, queue):
            await on_progress(progress)
        if running.done():
            return running.result()
