"""Restarts a local service whose process died (a kill -9, the out-of-memory killer, a crash):
`./start.sh` leaves `python -m dsf_app.devstack supervise` watching in the background, and the
container's `run` watches in its own loop. A service counts as wanted while its PID file exists;
stopping it on purpose (`down`, `./stop.sh`) removes the file, so nothing brings it back."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable

from dsf_app.devstack import processes, stack
from dsf_app.errors import DSFError
from dsf_app.settings import REPO_ROOT, Settings

log = logging.getLogger(__name__)

NAME = "supervisor"
# How often the processes are looked at: a dead service is back within this and its start time.
INTERVAL_SECONDS = 2.0

Report = Callable[[stack.ServiceStatus], None]


def _name(starter: Callable[[Settings], stack.ServiceStatus]) -> str:
    return starter.__name__.removeprefix("start_")


def dead(settings: Settings) -> list[Callable[[Settings], stack.ServiceStatus]]:
    """The starters of the services started here whose process is gone, in start order (the app
    after the database it needs)."""
    found = []
    for starter in stack.STARTERS:
        files = stack.process_files(settings, _name(starter))
        if files.pid_file.exists() and processes.recorded_pid(files) is None:
            found.append(starter)
    return found


def revive(settings: Settings, report: Report) -> None:
    """Start again every service whose process died; a failed start is reported and tried again
    at the next look."""
    for starter in dead(settings):
        name = _name(starter)
        log.warning("%s stopped unasked; restarting it", name)
        report(stack.ServiceStatus(name, "stopped unasked; restarting"))
        try:
            report(starter(settings))
        except DSFError as exc:
            log.error("restarting %s failed: %s", name, exc)
            report(stack.ServiceStatus(name, f"restart failed, trying again: {exc}"))


def watch(settings: Settings, report: Report) -> None:
    """Revive dead services until interrupted (SIGINT, or SIGTERM made an interrupt)."""
    while True:
        time.sleep(INTERVAL_SECONDS)
        revive(settings, report)


def start(settings: Settings) -> stack.ServiceStatus:
    """Leave a supervisor watching this stack in the background (unless one already does)."""
    files = stack.process_files(settings, NAME)
    pid = processes.recorded_pid(files)
    if pid is None:
        pid = processes.spawn(
            files,
            [sys.executable, "-m", "dsf_app.devstack", "supervise"],
            env={**os.environ, **settings.as_env()},
            cwd=REPO_ROOT,
        )
    return stack.ServiceStatus(NAME, f"restarts a service that dies, pid {pid}")
