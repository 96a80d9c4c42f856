"""A local Redis (Debian's `redis-server`) that keeps Reflex page state for several workers.

Started only when page state must be shared (DSF_WORKERS > 1, or DSF_REDIS=1) and no REDIS_URL
names an external one. It listens on 127.0.0.1 only, appends every write to a file in the data
folder, so a restart (even after a crash) keeps open tabs' state, and holds at most
DSF_REDIS_MAXMEMORY, evicting the least recently used tab states beyond it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from dsf_app.devstack import processes
from dsf_app.errors import ServiceUnavailable
from dsf_app.health import redis_reachable

PACKAGE = "redis-server"


def ensure_installed() -> str:
    """The redis-server binary, installed with apt (as root) when missing."""
    found = shutil.which(PACKAGE)
    if found:
        return found
    if os.geteuid() != 0:
        raise ServiceUnavailable(
            "redis-server is not installed — install it (sudo apt-get install redis-server) "
            "or set REDIS_URL to an external Redis."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", PACKAGE]):
        result = subprocess.run(argv, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise ServiceUnavailable(
                f"Could not install redis-server with apt-get ({detail[-1] if detail else ''}) "
                "— install it yourself or set REDIS_URL to an external Redis."
            )
    found = shutil.which(PACKAGE)
    if found is None:
        raise ServiceUnavailable("apt-get installed redis-server but it is not on PATH.")
    return found


def start(files: processes.ProcessFiles, data_dir: Path, port: int, maxmemory: str) -> int:
    """Start the server (idempotent) with at most `maxmemory` of data; returns its PID once it
    answers PING."""
    url = f"redis://127.0.0.1:{port}/0"
    running = processes.recorded_pid(files)
    if running and redis_reachable(url):
        return running
    processes.claim_port(files, port, "DSF_REDIS_PORT")
    binary = ensure_installed()
    data_dir.mkdir(parents=True, exist_ok=True)
    pid = processes.spawn(
        files,
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--protected-mode",
            "yes",
            "--daemonize",
            "no",
            "--dir",
            str(data_dir),
            # Every write appended to a log flushed each second: a crash loses at most a
            # second of page state, so open tabs carry on after a restart.
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            # Page state may not grow without bound: at the limit, the least recently used of
            # the keys that expire (every tab's state does; DSF_STATE_EXPIRY) goes first, and
            # that tab starts afresh from its page's data.
            "--maxmemory",
            maxmemory,
            "--maxmemory-policy",
            "volatile-lru",
        ],
    )
    processes.wait_until(
        lambda: redis_reachable(url),
        what="Redis (redis-server)",
        timeout=30,
        alive=lambda: processes.pid_alive(pid),
        log_file=files.log_file,
    )
    return pid
