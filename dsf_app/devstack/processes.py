"""Start, watch and stop the local services as background processes with recorded PIDs."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dsf_app.errors import ServiceUnavailable


@dataclass(frozen=True)
class ProcessFiles:
    """Where one service keeps its PID file and log."""

    name: str
    run_dir: Path
    log_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.log_dir / f"{self.name}.log"


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return status.rsplit(")", 1)[-1].split()[0] != "Z"


def recorded_pid(files: ProcessFiles) -> int | None:
    """The PID this service was started with, if that process still runs."""
    try:
        pid = int(files.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def process_dirs() -> Iterator[Path]:
    """/proc/<pid> of every process on this machine."""
    return (entry for entry in Path("/proc").iterdir() if entry.name.isdigit())


def _group_alive(pgid: int) -> bool:
    """Whether a process of group `pgid` still runs (zombies have exited: they only wait to be
    reaped by their parent)."""
    for entry in process_dirs():
        try:
            state, _ppid, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(group) == pgid and state != "Z":
            return True
    return False


def clear_dead_group(files: ProcessFiles, *, grace: float = 5.0) -> None:
    """If the service's recorded process died (kill -9, a crash), wait for what it started to
    exit, then kill what is left: those children may still hold its port or files. The kernel
    never reuses a PID while a process group still carries it, so this reaches only them."""
    try:
        leader = int(files.pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    if pid_alive(leader):
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(leader, os.WNOHANG)  # reap it if this process started it
    deadline = time.monotonic() + grace
    while _group_alive(leader) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _group_alive(leader):
        os.killpg(leader, signal.SIGKILL)
        while _group_alive(leader):
            time.sleep(0.05)


def spawn(
    files: ProcessFiles,
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start `argv` detached in its own session, logging to the service's log file."""
    files.run_dir.mkdir(parents=True, exist_ok=True)
    files.log_dir.mkdir(parents=True, exist_ok=True)
    with files.log_file.open("ab") as log:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    files.pid_file.write_text(str(proc.pid))
    return proc.pid


def wait_until(
    ready: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    alive: Callable[[], bool] = lambda: True,
    log_file: Path | None = None,
) -> None:
    """Poll `ready` until it holds; fail early and plainly if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if not alive():
            raise ServiceUnavailable(f"{what} exited during start-up{_see_log(log_file)}")
        time.sleep(0.2)
    raise ServiceUnavailable(f"{what} did not become ready in {timeout:.0f} s{_see_log(log_file)}")


def _see_log(log_file: Path | None) -> str:
    return f" — see {log_file}" if log_file else ""


def stop_pid(pid: int, *, timeout: float = 30.0, group: bool = True) -> None:
    """SIGTERM the process (and its group), then SIGKILL what is left after `timeout`."""
    send = os.killpg if group else os.kill
    try:
        send(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.1)
    try:
        send(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def stop_recorded(files: ProcessFiles, *, timeout: float = 30.0) -> bool:
    """Stop the service started under `files`; True if something was running."""
    pid = recorded_pid(files)
    files.pid_file.unlink(missing_ok=True)
    if pid is None:
        return False
    stop_pid(pid, timeout=timeout)
    return True


def claim_port(files: ProcessFiles, port: int, setting: str) -> None:
    """Before starting the service of `files` on `port`: clear what a crashed earlier run of it
    left behind (a child may still hold the port), then make sure nothing else holds it."""
    clear_dead_group(files)
    ensure_port_free(port, setting)


def ensure_port_free(port: int, setting: str) -> None:
    if port_is_open(port):
        raise ServiceUnavailable(
            f"Port {port} is already in use by another program — stop it or set {setting}."
        )
