"""Crash a local service of the test stack as a power cut would (kill -9, every process of it,
nothing flushed), and start it again with the same devstack code ./start.sh runs."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from dsf_app.devstack import processes, stack
from dsf_app.settings import Settings

STARTERS: dict[str, Callable[[Settings], stack.ServiceStatus]] = {
    "postgres": stack.start_postgres,
    "s3": stack.start_s3,
    "letta": stack.start_letta,
}


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[-1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _tree(pid: int) -> list[int]:
    """`pid` and every process under it."""
    tree = [pid]
    for child in _children(pid):
        tree += _tree(child)
    return tree


def _main_pid(settings: Settings, name: str) -> int | None:
    if name == "postgres":
        return stack.cluster(settings).running_pid()
    return processes.recorded_pid(stack.process_files(settings, name))


def kill(settings: Settings, name: str, timeout: float = 10.0) -> None:
    """kill -9 the service `name` and everything it started; return once all are gone."""
    pid = _main_pid(settings, name)
    if pid is None:
        raise RuntimeError(f"{name} is not running, so it cannot be killed")
    victims = _tree(pid)
    for victim in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while any(processes.pid_alive(victim) for victim in victims):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} survived kill -9")
        time.sleep(0.05)
    if name == "postgres":
        # After a power cut no process is left; here the killed postmaster may linger as a
        # zombie its adoptive parent has not reaped, and PostgreSQL would take that for a
        # running server. Its lock file goes, as nothing of it runs any more.
        (stack.cluster(settings).data_dir / "postmaster.pid").unlink(missing_ok=True)


def start(settings: Settings, name: str) -> None:
    """Start the service again (a no-op when it runs)."""
    STARTERS[name](settings)
