"""The Letta server 0.16.8 in its own virtual environment, on the local PostgreSQL cluster.

Installed from PyPI constrained by `requirements-letta.txt` (exported from the server's own
uv.lock): unconstrained extras pull packages that break it. Its tables come from the alembic
migrations shipped in the source distribution; the server never creates them itself.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from dsf_app.devstack import archives, processes, pyinstall
from dsf_app.devstack.postgres import PG_BIN
from dsf_app.errors import ServiceUnavailable
from dsf_app.settings import REPO_ROOT

LETTA_VERSION = "0.16.8"
CONSTRAINTS = REPO_ROOT / "requirements-letta.txt"
# uvloop: on plain asyncio the server stalls for 60 s on repeated requests.
EXTRA_PACKAGES = ("uvloop==0.22.1",)
# Letta's own default for OPENAI_BASE_URL.
OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class LettaInstall:
    root: Path

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def source(self) -> Path:
        return self.root / f"letta-{LETTA_VERSION}"

    @property
    def marker(self) -> Path:
        """Names the pins it was installed with, so changed pins reinstall the server."""
        pins = hashlib.sha256(CONSTRAINTS.read_bytes() + " ".join(EXTRA_PACKAGES).encode())
        return self.root / f".installed-{LETTA_VERSION}-{pins.hexdigest()[:12]}"

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


def _run(
    argv: list[str],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log: Path,
) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    if result.returncode != 0:
        raise ServiceUnavailable(f"{what} failed (exit {result.returncode}) — see {log}")


def install(target: LettaInstall, log: Path) -> None:
    """Install the server from scratch; `target.marker` records a finished install."""
    shutil.rmtree(target.root, ignore_errors=True)
    target.root.mkdir(parents=True)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            "letta",
            f"letta=={LETTA_VERSION}",
            "-d",
            str(target.root),
        ],
        what="Downloading the Letta source distribution",
        log=log,
    )
    archives.extract(target.root / f"letta-{LETTA_VERSION}.tar.gz", target.root)
    _run(
        [_base_python(), "-m", "venv", str(target.venv)],
        what="Creating the Letta venv",
        log=log,
    )
    env = {**os.environ, "PATH": f"{PG_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    _run(
        pyinstall.install_command(
            target.bin / "python",
            ["-c", str(CONSTRAINTS), f"letta[server,postgres]=={LETTA_VERSION}", *EXTRA_PACKAGES],
        ),
        what="Installing the Letta server",
        env=pyinstall.uv_env(env),
        log=log,
    )
    target.marker.touch()


def _base_python() -> str:
    """The interpreter the app's venv was made from (a venv made inside a venv nests badly)."""
    return str(Path(sys.base_prefix) / "bin" / "python3")


def server_env(pg_uri: str, letta_dir: Path, provider_env: Mapping[str, str]) -> dict[str, str]:
    letta_dir.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(letta_dir),
        "LETTA_DIR": str(letta_dir),
        "LETTA_PG_URI": pg_uri,
        "LANG": "C.UTF-8",
        **{key: value for key, value in provider_env.items() if value},
    }


def migrate(target: LettaInstall, env: Mapping[str, str], log: Path) -> None:
    _run(
        [str(target.bin / "alembic"), "upgrade", "head"],
        what="Migrating the Letta database",
        env=env,
        cwd=target.source,
        log=log,
    )


def align_providers(env: Mapping[str, str]) -> None:
    """Make the stored model providers follow the environment the server starts with.

    Letta records each provider configured by env in its `providers` table on its first start
    and afterwards skips any it finds by name, so a changed OPENAI_BASE_URL never reached the
    record, and every model kept the old endpoint. Keys need nothing: the server reads them
    from its environment on each request, and drops a provider whose key is gone. Run while
    the server is stopped; agents' own copies of the endpoint follow in AgentDirectory.

    Its model list has the same blind spot: a model the previous server did not offer is
    soft-deleted, and when a server offering it comes back, the sync finds the deleted row in
    the way and skips it, so the model stays unlisted for good. Reviving those rows first lets
    the sync decide afresh: it keeps what the configured servers offer and deletes the rest.
    """
    base_urls = {"openai": env.get("OPENAI_BASE_URL") or OPENAI_DEFAULT_BASE_URL}
    with psycopg.connect(env["LETTA_PG_URI"], autocommit=True) as conn:
        for name, base_url in base_urls.items():
            conn.execute(
                "UPDATE providers SET base_url = %s WHERE name = %s"
                " AND organization_id IS NULL AND base_url IS DISTINCT FROM %s",
                (base_url, name, base_url),
            )
        conn.execute(
            "UPDATE provider_models SET is_deleted = false WHERE is_deleted AND provider_id IN"
            " (SELECT id FROM providers WHERE organization_id IS NULL AND NOT is_deleted)"
        )


def pooled(env: Mapping[str, str]) -> dict[str, str]:
    """The server's database settings: a small pool of connections, without TLS on loopback.

    By default the server opens a new connection for every database session (several per
    agent step), each first trying TLS, which the local cluster refuses: with the pool a tool
    step takes about a fifth less time. The pool needs the TLS choice in the address, which
    only the server reads (the migrations' driver refuses it), and stays well inside the
    cluster's 100 connections.
    """
    return {
        **env,
        "LETTA_PG_URI": f"{env['LETTA_PG_URI']}?sslmode=disable",
        "LETTA_DISABLE_SQLALCHEMY_POOLING": "false",
        "LETTA_PG_POOL_SIZE": "10",
        "LETTA_PG_MAX_OVERFLOW": "10",
    }


def healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/v1/health/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def start(
    target: LettaInstall,
    files: processes.ProcessFiles,
    port: int,
    env: Mapping[str, str],
    timeout: float = 300,
) -> int:
    """Start the server (idempotent); returns its PID once it answers /v1/health/. Usually
    12-16 s; a first start on a busy machine or from a cold disk cache takes minutes."""
    base_url = f"http://127.0.0.1:{port}"
    running = processes.recorded_pid(files)
    if running and healthy(base_url):
        return running
    processes.claim_port(files, port, "DSF_LETTA_PORT")
    align_providers(env)
    env = pooled(env)
    pid = processes.spawn(
        files,
        [
            str(target.bin / "letta"),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        cwd=Path(env["LETTA_DIR"]),
    )
    processes.wait_until(
        lambda: healthy(base_url),
        what="Letta server",
        timeout=timeout,
        alive=lambda: processes.pid_alive(pid),
        log_file=files.log_file,
    )
    return pid
