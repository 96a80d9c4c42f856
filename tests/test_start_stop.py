"""./start.sh brings the whole stack up from nothing; ./stop.sh stops exactly it; data survives."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session, create_engine, select

from dsf_app.devstack import stack
from dsf_app.models import User
from dsf_app.settings import REPO_ROOT, Settings
from dsf_app.storage import AssetStorage
from tests.accounts import new_account, sign_up_in_browser
from tests.harness.stack import make_home, remove_home, settings_for

NO_MODEL = {
    "OPENAI_API_KEY": "",
    "ANTHROPIC_API_KEY": "",
    "GEMINI_API_KEY": "",
    "OPENAI_BASE_URL": "",
}


def _run(script: str, settings: Settings) -> str:
    env = {**os.environ, **settings.as_env(), **NO_MODEL}
    result = subprocess.run(
        [str(REPO_ROOT / script)], env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _running(pid: int) -> bool:
    """Alive and not a zombie (a zombie has exited; only its parent has yet to reap it)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _processes_under(home: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            text = " ".join(proc.info["cmdline"] or []) + str(proc.info["environ"] or {})
        except psutil.Error:
            continue
        if str(home) in text and proc.pid != os.getpid() and _running(proc.pid):
            found.append(proc)
    return found


@pytest.fixture
def fresh_home() -> Iterator[Path]:
    home = make_home()
    yield home
    remove_home(home)


def test_start_stop_restart_keeps_data(fresh_home: Path, browser: Browser) -> None:
    settings = settings_for(fresh_home)
    output = _run("start.sh", settings)
    for service in ("postgres", "s3", "letta", "app"):
        assert f"{service}" in output and "up on" in output
    assert "restarts a service that dies" in output
    assert f"sink on 127.0.0.1:{settings.smtp_port}" in output  # the mail sink
    assert f"open {settings.public_url}" in output
    assert httpx.get(f"{settings.public_url}/health").json()["ok"] is True

    page = browser.new_page()
    sign_up_in_browser(page, settings.public_url, new_account())
    expect(page.locator("#model-setup-notice")).to_contain_text("OPENAI_BASE_URL")
    page.close()

    email = f"{uuid.uuid4().hex}@example.test"
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        session.add(User(email=email, name="Persisted"))
        session.commit()
    storage = AssetStorage.from_settings(settings)
    storage.put("kept/object.txt", b"still here", "text/plain")

    assert "letta" in _run("start.sh", settings), "a second start must be harmless"

    pids = [int(f.read_text()) for f in settings.run_dir.glob("*.pid")]
    engine.dispose()
    stopped = _run("stop.sh", settings)
    # The supervisor (first, or it would restart them), the app, the mail sink, Letta, S3,
    # PostgreSQL.
    assert stopped.count("stopped") == 6
    assert not [pid for pid in pids if _running(pid)]
    assert _processes_under(fresh_home) == []

    _run("start.sh", settings)
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        assert session.exec(select(User.name).where(User.email == email)).one() == "Persisted"
    engine.dispose()
    assert storage.get("kept/object.txt") == b"still here"
    _run("stop.sh", settings)
    assert _processes_under(fresh_home) == []
    assert not any(stack.process_files(settings, n).pid_file.exists() for n in ("app", "s3"))
