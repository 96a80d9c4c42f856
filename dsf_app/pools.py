"""Where synchronous work runs, so that heavy work never starves page events.

Three bounded pools, sized by the settings, none of them asyncio's default executor (which
Reflex uses for its own state persistence):
- the event threads (DSF_EVENT_THREADS): a page event's short database work, through
  `ActsForPerson.act` (state/auth.py), and the sign-in checks of page loads;
- the heavy processes (DSF_HEAVY_WORKERS): work that holds the GIL for seconds, such as parsing
  a 20 MB import, in processes of their own, so this process's event loop and event threads
  keep running; what they run must be importable functions of picklable arguments;
- the heavy threads (DSF_HEAVY_WORKERS as well): CPU work that releases the GIL but would
  take the event threads for long, such as computing embeddings.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from dsf_app.settings import get_settings

P = ParamSpec("P")
T = TypeVar("T")


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
