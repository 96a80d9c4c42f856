"""A throwaway DSF stack for tests: PostgreSQL, S3, Letta, the mail sink and the app.

Each service is started by the same devstack code that ./start.sh runs, on free ports and
under a temporary DSF_HOME, so tests never touch a developer's running stack or data. Tools
(the Letta venv, bun) are shared with the developer's install to save minutes.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dsf_app.devstack import processes, stack
from dsf_app.settings import Settings, get_settings


def make_home() -> Path:
    """A temporary DSF_HOME that the unprivileged PostgreSQL user can traverse."""
    home = Path(tempfile.mkdtemp(prefix="dsf-test-"))
    home.chmod(0o755)
    return home


def remove_home(home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)


def settings_for(home: Path, **overrides: str | int) -> Settings:
    """Settings for a stack under `home` on fresh ports, never reading the developer's .env."""
    values: dict[str, str | int] = {
        "DSF_HOME": str(home),
        "DSF_TOOLS_DIR": str(get_settings().tools_dir),
        "DSF_PG_PORT": processes.free_port(),
        "DSF_S3_PORT": processes.free_port(),
        "DSF_LETTA_PORT": processes.free_port(),
        "DSF_APP_PORT": processes.free_port(),
        "DSF_SMTP_PORT": processes.free_port(),
        **overrides,
    }
    return settings_from(**values)


def settings_from(**values: Any) -> Settings:
    """Settings from `values` (by environment variable name) and the environment, never from a
    `.env` file."""
    # pydantic-settings' own init options (_env_file) are not in the model's typed signature.
    return Settings(_env_file=None, **values)  # pyright: ignore[reportCallIssue]


@contextmanager
def running(
    settings: Settings, starter: Callable[[Settings], stack.ServiceStatus]
) -> Iterator[stack.ServiceStatus]:
    """Start one service for the duration of the block, then stop it — also when it never
    became ready (its process may be up and must not outlive the test run)."""
    name = starter.__name__.removeprefix(
        "start_"
    )  # start_letta -> "letta", as stop_service names it
    try:
        yield starter(settings)
    finally:
        stack.stop_service(settings, name)
