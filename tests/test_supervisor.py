"""A local service killed with kill -9 is started again by the supervisor that `./start.sh`
leaves running (and the container's `run` loop), while one stopped on purpose stays stopped.
The S3 server stands in for every service: they are all watched by the same PID files."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsf_app.devstack import processes, stack, supervisor
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage
from tests.harness.stack import make_home, remove_home, running, settings_for


@pytest.fixture
def home() -> Iterator[Path]:
    path = make_home()
    yield path
    remove_home(path)


def _s3_pid(settings: Settings) -> int | None:
    return processes.recorded_pid(stack.process_files(settings, "s3"))


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    processes.wait_until(lambda: not processes.pid_alive(pid), what="the killed S3", timeout=10)


def test_revive_starts_a_killed_service_again_and_says_so(home: Path) -> None:
    settings = settings_for(home)
    with running(settings, stack.start_s3):
        killed = _s3_pid(settings)
        assert killed is not None
        _kill(killed)
        assert not AssetStorage.from_settings(settings).reachable()
        said: list[stack.ServiceStatus] = []
        supervisor.revive(settings, said.append)
        assert AssetStorage.from_settings(settings).reachable()
        assert _s3_pid(settings) not in (None, killed)
        assert [status.name for status in said] == ["s3", "s3"]
        assert "restarting" in said[0].detail


def test_a_service_stopped_on_purpose_stays_stopped(home: Path) -> None:
    settings = settings_for(home)
    with running(settings, stack.start_s3):
        pass
    said: list[stack.ServiceStatus] = []
    supervisor.revive(settings, said.append)
    assert said == [] and _s3_pid(settings) is None


def test_the_background_supervisor_brings_a_killed_service_back(home: Path) -> None:
    settings = settings_for(home)
    with running(settings, stack.start_s3):
        supervisor.start(settings)
        try:
            killed = _s3_pid(settings)
            assert killed is not None
            _kill(killed)
            processes.wait_until(
                lambda: (
                    _s3_pid(settings) not in (None, killed)
                    and AssetStorage.from_settings(settings).reachable()
                ),
                what="S3 restarted by the supervisor",
                timeout=60,
            )
        finally:
            assert stack.stop_service(settings, supervisor.NAME)
        # Stopped with the stack, the supervisor leaves the service stopped.
        stack.stop_service(settings, "s3")
        time.sleep(supervisor.INTERVAL_SECONDS * 2)
        assert _s3_pid(settings) is None
