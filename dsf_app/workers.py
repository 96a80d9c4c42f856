"""Which process drives a turn, and whether that process is gone.

Every backend worker has an id naming its host, the PID namespace it runs in (the kernel's boot
id and the namespace's inode), its PID and its process start time. A running turn records the
id of the worker driving it and a heartbeat. Whether that worker is gone is decided honestly:
this process knows its own turns; in the same PID namespace a PID with the same start time is
the same living process; a worker anywhere else — another machine, or another container that
shares this host name (host networking) — is gone when its heartbeat is stale.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from dsf_app.models.columns import utcnow

# A running turn beats every second; one silent this long is not being driven any more.
HEARTBEAT_SECONDS = 1.0
STALE_AFTER = timedelta(seconds=30)


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def _pid_namespace() -> str:
    """Where this process's PIDs mean something: the boot and the PID namespace. Host names
    can repeat across containers, and every machine's first PID namespace has the same inode."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        return uuid.uuid4().hex  # unknown: no other process is taken to share it
    return f"{boot}/{namespace}"


def _worker_id() -> str:
    pid = os.getpid()
    return f"{HOST}:{PID_NAMESPACE}:{pid}:{_start_ticks(pid) or uuid.uuid4().hex[:12]}"


HOST = socket.gethostname()
PID_NAMESPACE = _pid_namespace()
WORKER_ID = _worker_id()
# The turns this process drives right now (process state, not per-person state).
_LIVE: set[uuid.UUID] = set()


def _forked() -> None:
    """Granian forks its workers (and the ones it respawns) from a process that imported the app,
    so each child names itself and starts with no turns of its own."""
    global WORKER_ID
    WORKER_ID = _worker_id()
    _LIVE.clear()


os.register_at_fork(after_in_child=_forked)


def driving(run_id: uuid.UUID) -> None:
    _LIVE.add(run_id)


def released(run_id: uuid.UUID) -> None:
    _LIVE.discard(run_id)


def owner_gone(run_id: uuid.UUID, worker: str | None, heartbeat_at: datetime | None) -> bool:
    """True when nothing drives the run any more, so it may be closed or taken over."""
    if worker == WORKER_ID:
        return run_id not in _LIVE
    _host, _, rest = (worker or "").partition(":")
    namespace, _, rest = rest.partition(":")
    pid, _, started = rest.partition(":")
    if namespace == PID_NAMESPACE and pid.isdigit():
        return _start_ticks(int(pid)) != started
    return heartbeat_at is None or utcnow() - heartbeat_at > STALE_AFTER
