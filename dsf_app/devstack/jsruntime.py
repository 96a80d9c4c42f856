"""The JavaScript runtime Reflex builds the frontend with: bun, from the npm registry.

A fresh Debian has neither bun nor Node >= 22, and Reflex's own bun installer downloads from
a host this machine cannot reach, so we unpack the `@oven/bun-linux-x64` npm package into the
project's tools folder and point Reflex at it.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

from dsf_app.devstack import archives
from dsf_app.errors import ServiceUnavailable

BUN_VERSION = "1.4.4"


def _package_name() -> str:
    arch = {"x86_64": "x64", "aarch64": "aarch64", "arm64": "aarch64"}.get(platform.machine())
    if arch is None:
        raise ServiceUnavailable(f"No bun build for {platform.machine()}; install Node >= 22.")
    return f"@oven/bun-linux-{arch}"


def ensure_bun(tools_dir: Path) -> Path:
    """Path of a working bun binary, installing it into `tools_dir/bun` when missing."""
    target = tools_dir / "bun" / "bin" / "bun"
    if target.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise ServiceUnavailable("Neither bun nor npm is installed — install Node.js >= 22 or bun.")
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run(
            [npm, "pack", f"{_package_name()}@{BUN_VERSION}", "--silent"],
            cwd=scratch,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ServiceUnavailable(
                f"Could not fetch bun from the npm registry: {result.stderr.strip()}"
            )
        archive = Path(scratch) / result.stdout.strip().splitlines()[-1]
        archives.extract(archive, Path(scratch))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(scratch) / "package" / "bin" / "bun"), target)
    target.chmod(0o755)
    return target
