"""Python packages installed from the lock (uv.lock) with uv: it downloads and unpacks in
parallel, so the app's and the Letta server's environments take about a minute on a fresh machine
instead of five with pip.

`python -m dsf_app.devstack.pyinstall` is the one way the app's venv is filled: scripts/venv.sh
(start.sh, test.sh) installs everything uv.lock holds, the Dockerfile `--app` only
(requirements.txt: the app and its local services). Every file is checked against the lock's
hashes; uv itself, the first package, is installed by pip from the lock's hashes too.

uv has its own settings, not pip's: the package indexes and certificate bundle a host sets for
pip as PIP_* variables (as the Dockerfile does) are handed on under uv's names. It runs before the
app's own packages exist, so it uses the standard library only.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dsf_app.errors import Invalid

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "uv.lock"
# The lock's app packages and local services (`[project]` and the `stack` group), with hashes,
# exported by `uv export` with these arguments and `-o requirements.txt` (its header says so).
APP_REQUIREMENTS = ROOT / "requirements.txt"
APP_EXPORT = ("--locked", "--no-emit-project", "--no-default-groups", "--group", "stack")

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


def _uv() -> Path:
    """uv, installed beside this interpreter."""
    return Path(sys.executable).parent / "uv"


def install_command(python: Path, requirements: Sequence[str]) -> list[str]:
    """uv installing `requirements` into the environment of `python`. Byte-code is compiled up
    front, as pip does: with PYTHONDONTWRITEBYTECODE set, each start would otherwise compile
    every module."""
    return [
        *(str(_uv()), "pip", "install", "--quiet", "--compile-bytecode"),
        *("--python", str(python), *requirements),
    ]


def export_command(arguments: Sequence[str], output: str) -> list[str]:
    """uv writing the packages of uv.lock that `arguments` select to `output` (run in the
    directory of pyproject.toml and uv.lock)."""
    return [str(_uv()), "export", *arguments, "-o", output]


def locked_version(lock_text: str, name: str) -> str:
    """The version of package `name` in uv.lock's text."""
    return str(_locked(lock_text, name)["version"])


def locked_uv_requirement(lock_text: str) -> str:
    """uv pinned as uv.lock pins it, as a line of a requirements file for pip's
    `--require-hashes`: its version and the hash of each of its files."""
    package = _locked(lock_text, "uv")
    files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
    return " ".join([f"uv=={package['version']}", *(f"--hash={file['hash']}" for file in files)])


def _locked(lock_text: str, name: str) -> dict[str, Any]:
    for package in tomllib.loads(lock_text)["package"]:
        if package["name"] == name:
            return package
    raise Invalid(f"uv.lock holds no package {name}: add it to pyproject.toml and run `uv lock`.")


def _install_uv(lock_text: str) -> None:
    """The locked uv beside this interpreter, unless it is there already."""
    try:
        if importlib.metadata.version("uv") == locked_version(lock_text, "uv"):
            return
    except importlib.metadata.PackageNotFoundError:
        pass
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / "uv.txt"
        requirements.write_text(locked_uv_requirement(lock_text) + "\n")
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
                *("--require-hashes", "--no-deps", "-r", str(requirements)),
            ],
            check=True,
        )


def _install(requirements: Path) -> None:
    """Every package of an exported requirements file, each checked against its hashes."""
    command = install_command(Path(sys.executable), ["--require-hashes", "-r", str(requirements)])
    subprocess.run(command, env=uv_env(os.environ), check=True)


def main(argv: Sequence[str]) -> int:
    """Fills this interpreter's venv from the lock: everything it holds (the tests' and checks'
    packages too), or with `--app` only requirements.txt."""
    parser = argparse.ArgumentParser(prog="python -m dsf_app.devstack.pyinstall")
    parser.add_argument(
        "--app", action="store_true", help="only the app and its local services (the image)"
    )
    app_only = parser.parse_args(argv).app
    _install_uv(LOCK.read_text())
    if app_only:
        _install(APP_REQUIREMENTS)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        everything = Path(scratch) / "requirements.txt"
        export = ("--quiet", "--frozen", "--all-groups", "--no-emit-project", "--no-header")
        subprocess.run(export_command(export, str(everything)), cwd=ROOT, check=True)
        _install(everything)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
