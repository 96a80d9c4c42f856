"""Bad configuration gets one clear line naming the setting, not a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsf_app.devstack.processes import free_port
from dsf_app.settings import REPO_ROOT
from tests.harness.stack import make_home, remove_home, settings_for

pytestmark = pytest.mark.starts_services


@pytest.fixture
def home() -> Iterator[Path]:
    folder = make_home()
    yield folder
    remove_home(folder)


def _up(
    env_overrides: dict[str, str], home: Path, *, as_user: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings_for(home).as_env(), **env_overrides}
    prefix = (
        ["setpriv", f"--reuid={as_user}", "--regid=nogroup", "--clear-groups"] if as_user else []
    )
    return subprocess.run(
        [*prefix, sys.executable, "-m", "dsf_app.devstack", "up"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_one_line_naming(result: subprocess.CompletedProcess[str], setting: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    assert setting in lines[0]


def test_unreachable_database_url(home: Path) -> None:
    url = f"postgresql+psycopg://dsf@127.0.0.1:{free_port()}/dsf"
    _assert_one_line_naming(_up({"DATABASE_URL": url}, home), "DATABASE_URL")


def test_port_in_use(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _up({"DSF_PG_PORT": str(port)}, home)
    _assert_one_line_naming(result, "DSF_PG_PORT")
    assert str(port) in result.stderr


def test_folder_without_write_permission(home: Path) -> None:
    locked = home / "locked"
    locked.mkdir(mode=0o555)
    as_user = "nobody" if os.geteuid() == 0 else None
    result = _up({}, locked / "home", as_user=as_user)
    _assert_one_line_naming(result, "DSF_HOME")
