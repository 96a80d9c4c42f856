"""The JavaScript runtime Reflex builds the frontend with: bun, from the npm registry.

A fresh Debian has neither bun nor Node >= 22, and Reflex's own bun installer downloads from
a host this machine cannot reach, so we unpack the `@oven/bun-linux-x64` npm package into the
project's tools folder and point Reflex at it.
"""

from __future__ import annotations

import platform
from pathlib import Path

from dsf_app.devstack.npm_packages import fetch_file
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
    if not target.exists():
        fetch_file(f"{_package_name()}@{BUN_VERSION}", "bin/bun", target)
        target.chmod(0o755)
    return target
