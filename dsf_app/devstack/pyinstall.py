"""Python packages installed with uv: it downloads and unpacks in parallel, so the app's and
the Letta server's environments take about a minute on a fresh machine instead of five with pip.

uv has its own settings, not pip's: the package indexes and certificate bundle a host sets for
pip as PIP_* variables (as the Dockerfile does) are handed on under uv's names. It runs before the
app's own packages exist (scripts/venv.sh), so it uses the standard library only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

# pip's variable -> uv's (the lists are space-separated in both). uv trusts only its own
# certificates unless SSL_CERT_FILE names a bundle, as pip's PIP_CERT does for pip.
PIP_TO_UV = {
    "PIP_INDEX_URL": "UV_DEFAULT_INDEX",
    "PIP_EXTRA_INDEX_URL": "UV_INDEX",
    "PIP_TRUSTED_HOST": "UV_INSECURE_HOST",
    "PIP_CERT": "SSL_CERT_FILE",
}


def uv_env(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` with pip's index settings also under uv's names (uv's own win)."""
    env = dict(environ)
    for pip_name, uv_name in PIP_TO_UV.items():
        if environ.get(pip_name) and not environ.get(uv_name):
            env[uv_name] = environ[pip_name]
    return env


def install_command(python: Path, requirements: Sequence[str]) -> list[str]:
    """uv (installed beside this interpreter, pinned in requirements.txt) installing
    `requirements` into the environment of `python`. Byte-code is compiled up front, as pip
    does: with PYTHONDONTWRITEBYTECODE set, each start would otherwise compile every module."""
    uv = Path(sys.executable).parent / "uv"
    return [
        *(str(uv), "pip", "install", "--quiet", "--compile-bytecode"),
        *("--python", str(python), *requirements),
    ]


def main(argv: Sequence[str]) -> int:
    """`python -m dsf_app.devstack.pyinstall -r requirements.txt`: into this interpreter's venv."""
    command = install_command(Path(sys.executable), argv)
    return subprocess.run(command, env=uv_env(os.environ)).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
