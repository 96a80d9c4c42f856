"""./start.sh right after a service crashed (kill -9) starts it again on the first try."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest
import redis

from dsf_app.devstack import processes, stack
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage
from tests.harness.stack import make_home, remove_home, settings_for

pytestmark = pytest.mark.starts_services


@pytest.fixture(scope="module")
def crash_settings() -> Iterator[Settings]:
    home = make_home()
    settings = settings_for(home, DSF_REDIS="true", DSF_REDIS_PORT=processes.free_port())
    yield settings
    for name in ("letta", "redis", "s3", "postgres"):
        stack.stop_service(settings, name)
    remove_home(home)


def _leader(settings: Settings, name: str) -> int:
    if name == "postgres":
        pid = stack.cluster(settings).running_pid()
    else:
        pid = processes.recorded_pid(stack.process_files(settings, name))
    assert pid is not None, f"{name} is not running"
    return pid


def _answers(settings: Settings, name: str) -> bool:
    if name == "postgres":
        with psycopg.connect(stack.cluster(settings).admin_uri, connect_timeout=5) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    if name == "s3":
        return AssetStorage.from_settings(settings).reachable()
    if name == "redis":
        return bool(redis.Redis(port=settings.redis_port, socket_timeout=5).ping())
    return httpx.get(f"{settings.letta_base_url}/v1/health/", timeout=10).status_code == 200


STARTERS: dict[str, Callable[[Settings], stack.ServiceStatus]] = {
    "postgres": stack.start_postgres,
    "s3": stack.start_s3,
    "redis": stack.start_redis,
    "letta": stack.start_letta,  # needs PostgreSQL, started first
}


@pytest.mark.parametrize("name", list(STARTERS))
def test_a_service_killed_hard_starts_again_at_once(crash_settings: Settings, name: str) -> None:
    start = STARTERS[name]
    start(crash_settings)
    assert _answers(crash_settings, name)
    killed = _leader(crash_settings, name)
    os.kill(killed, signal.SIGKILL)
    processes.wait_until(lambda: not processes.pid_alive(killed), what=name, timeout=10)

    start(crash_settings)  # the first try, right after the crash

    assert _leader(crash_settings, name) != killed
    assert _answers(crash_settings, name)


def test_a_dead_service_leaves_no_process_behind(tmp_path: Path) -> None:
    """What a crashed service had started is gone once it is started again (the PostgreSQL
    case above covers processes in their own sessions; this, children in the service's group)."""
    files = processes.ProcessFiles("sleeper", tmp_path, tmp_path)
    leader = processes.spawn(files, ["/bin/sh", "-c", "sleep 300 & sleep 300 & wait"])
    os.kill(leader, signal.SIGKILL)
    processes.wait_until(lambda: not processes.pid_alive(leader), what="the shell", timeout=10)
    processes.clear_dead_group(files, grace=0.5)
    assert _running_in_group(leader) == []


def _running_in_group(pgid: int) -> list[int]:
    """Processes of group `pgid` that still run (a zombie has exited; it waits to be reaped)."""
    found = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return found
