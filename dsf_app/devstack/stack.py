"""The whole local stack: which services to run, in what order, and their health.

A service configured by env (DATABASE_URL, S3_ENDPOINT_URL, LETTA_BASE_URL, REDIS_URL,
DSF_SMTP_URL) is used as it is; the others are started here with data under DSF_HOME, so a
restart keeps everything.
Redis runs only when page state must be shared (DSF_WORKERS > 1, or DSF_REDIS=1).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from dsf_app import db, health
from dsf_app.devstack import jsruntime, letta, mail_sink, postgres, processes, redis, s3
from dsf_app.errors import ServiceUnavailable
from dsf_app.settings import REPO_ROOT, Settings
from dsf_app.storage import AssetStorage


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    detail: str


def process_files(settings: Settings, name: str) -> processes.ProcessFiles:
    return processes.ProcessFiles(name, settings.run_dir, settings.log_dir)


def cluster(settings: Settings) -> postgres.PostgresCluster:
    return postgres.PostgresCluster(
        settings.data_dir / "postgres", settings.pg_port, process_files(settings, "postgres")
    )


def letta_install(settings: Settings) -> letta.LettaInstall:
    return letta.LettaInstall(settings.tools_dir / "letta")


def provider_env(settings: Settings) -> dict[str, str]:
    """The model keys, handed to the Letta server, which is what talks to the models."""
    return {
        "OPENAI_API_KEY": settings.openai_api_key.get_secret_value()
        or ("not-needed" if settings.openai_base_url else ""),
        "OPENAI_BASE_URL": settings.openai_base_url,
        "ANTHROPIC_API_KEY": settings.anthropic_api_key.get_secret_value(),
        "GEMINI_API_KEY": settings.gemini_api_key.get_secret_value(),
    }


def install(settings: Settings, report: Callable[[ServiceStatus], None]) -> None:
    """Install the tools the local stack needs (Letta server venv, bun) without starting it."""
    ensure_writable(settings.tools_dir)
    target = letta_install(settings)
    if not settings.letta_base_url_override and not target.marker.exists():
        log = settings.log_dir / "letta-install.log"
        report(
            ServiceStatus(
                "letta",
                f"installing {letta.LETTA_VERSION} (first run only, about a minute; log: {log})",
            )
        )
        letta.install(target, log)
        report(ServiceStatus("letta", "installed"))
    report(ServiceStatus("bun", f"ready at {jsruntime.ensure_bun(settings.tools_dir)}"))


def start_postgres(settings: Settings) -> ServiceStatus:
    if settings.database_url_override:
        db.check_reachable(settings.database_url)
        return ServiceStatus("postgres", "external (DATABASE_URL), reachable")
    pg = cluster(settings)
    postgres.up(pg)
    return ServiceStatus("postgres", f"up on 127.0.0.1:{pg.port}, pid {pg.running_pid()}")


def start_s3(settings: Settings) -> ServiceStatus:
    if not settings.s3_endpoint_url_override:
        pid = s3.start(
            process_files(settings, "s3"),
            settings.data_dir / "s3",
            settings.s3_port,
            settings.s3_access_key,
            settings.s3_secret_key.get_secret_value(),
        )
        where = f"up on {settings.s3_endpoint_url}, pid {pid}"
    else:
        where = f"external ({settings.s3_endpoint_url})"
    AssetStorage.from_settings(settings).ensure_bucket()
    return ServiceStatus("s3", f"{where}, bucket {settings.s3_bucket} ready")


def start_letta(settings: Settings) -> ServiceStatus:
    if settings.letta_base_url_override:
        if not letta.healthy(settings.letta_base_url):
            raise ServiceUnavailable(
                f"Letta server is not reachable at {settings.letta_base_url} — check LETTA_BASE_URL."
            )
        return ServiceStatus("letta", f"external ({settings.letta_base_url}), healthy")
    install = letta_install(settings)
    pg = cluster(settings)
    env = letta.server_env(pg.uri("letta"), settings.data_dir / "letta", provider_env(settings))
    letta.migrate(install, env, settings.log_dir / "letta-migrate.log")
    pid = letta.start(install, process_files(settings, "letta"), settings.letta_port, env)
    return ServiceStatus("letta", f"up on {settings.letta_base_url}, pid {pid}")


def start_redis(settings: Settings) -> ServiceStatus:
    if settings.redis_url_override:
        if not health.redis_reachable(settings.redis_url):
            raise ServiceUnavailable(
                f"Redis is not reachable at {health.without_password(settings.redis_url)} — "
                "check REDIS_URL."
            )
        return ServiceStatus("redis", "external (REDIS_URL), reachable")
    if not settings.uses_redis:
        return ServiceStatus("redis", "not needed (one worker keeps page state itself)")
    pid = redis.start(
        process_files(settings, "redis"),
        settings.data_dir / "redis",
        settings.redis_port,
        settings.redis_maxmemory,
    )
    return ServiceStatus("redis", f"up on 127.0.0.1:{settings.redis_port}, pid {pid}")


def start_mail(settings: Settings) -> ServiceStatus:
    if settings.smtp_url_override.get_secret_value():
        return ServiceStatus("mail", "external (DSF_SMTP_URL)")
    pid = mail_sink.start(process_files(settings, "mail"), settings.mail_dir, settings.smtp_port)
    return ServiceStatus(
        "mail",
        f"sink on 127.0.0.1:{settings.smtp_port}, pid {pid}, keeps messages in "
        f"{settings.mail_dir} (list them: .venv/bin/python -m dsf_app.devstack mail)",
    )


def app_env(settings: Settings) -> dict[str, str]:
    bun = jsruntime.ensure_bun(settings.tools_dir)
    return {
        **os.environ,
        **settings.as_env(),
        # Reflex's server (granian) forks this many workers; they share state through Redis.
        "GRANIAN_WORKERS": str(settings.workers),
        # A tab's events all reach the worker holding its websocket, so that worker may keep
        # the tab's state while the tab is busy and write it back to Redis when it goes quiet
        # (or at once when another worker asks for it): one Redis round trip per burst, not
        # three per event.
        "REFLEX_OPLOCK_ENABLED": str(settings.uses_redis).lower(),
        "PATH": f"{bun.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        # Each stack builds its own frontend, so a test run never rewrites a running app's.
        "REFLEX_WEB_WORKDIR": str(settings.web_dir),
        "REFLEX_STATES_WORKDIR": str(settings.dsf_home / "states"),
    }


def prepare_frontend(settings: Settings) -> None:
    """Compile the app and install its frontend packages into the web folder, so that starting
    it later needs no package registry (the container image does this at build time)."""
    reflex = os.path.join(os.path.dirname(sys.executable), "reflex")
    result = subprocess.run([reflex, "compile"], env=app_env(settings), cwd=REPO_ROOT)
    if result.returncode != 0:
        raise ServiceUnavailable(f"reflex compile failed (exit {result.returncode}); see above.")


def app_local_url(settings: Settings) -> str:
    """Where this machine reaches the app it started: its listening address. The public URL may
    not lead back here (a container's published port, a proxy)."""
    host = "127.0.0.1" if settings.app_host in ("0.0.0.0", "::") else settings.app_host
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.app_port}"


def app_healthy(settings: Settings) -> bool:
    try:
        return httpx.get(f"{app_local_url(settings)}/health", timeout=3).status_code < 500
    except httpx.HTTPError:
        return False


def start_app(settings: Settings, timeout: float = 600) -> ServiceStatus:
    if settings.migrate_at_start:
        db.migrate(settings.database_url)
    else:
        db.require_migrated(settings.database_url)
    files = process_files(settings, "app")
    running = processes.recorded_pid(files)
    if not (running and app_healthy(settings)):
        processes.claim_port(files, settings.app_port, "DSF_APP_PORT")
        running = processes.spawn(
            files,
            [
                sys.executable,
                "-m",
                "dsf_app.devstack.serve",  # `reflex run`, with failed workers respawned
                "run",
                "--env",
                "prod",
                "--single-port",
                "--frontend-port",
                str(settings.app_port),
                "--backend-port",
                str(settings.app_port),
            ],
            env=app_env(settings),
            cwd=REPO_ROOT,
        )
        pid = running
        processes.wait_until(
            lambda: app_healthy(settings),
            what="DSF app (reflex run --env prod, through dsf_app.devstack.serve)",
            timeout=timeout,
            alive=lambda: processes.pid_alive(pid),
            log_file=files.log_file,
        )
    workers = f", {settings.workers} workers" if settings.workers > 1 else ""
    return ServiceStatus("app", f"up on {settings.public_url}, pid {running}{workers}")


STARTERS: tuple[Callable[[Settings], ServiceStatus], ...] = (
    start_postgres,
    start_s3,
    start_letta,
    start_redis,
    start_mail,
    start_app,
)


def ensure_writable(folder: Path) -> None:
    """Fail with the setting to change, before any service leaves half its files behind."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-check"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ServiceUnavailable(
            f"Cannot write to {folder} ({exc.strerror}) — give this user write permission "
            "or set DSF_HOME to a writable folder."
        ) from exc


def up(settings: Settings, report: Callable[[ServiceStatus], None]) -> None:
    ensure_writable(settings.dsf_home)
    install(settings, report)
    for starter in STARTERS:
        report(starter(settings))


def stop_service(settings: Settings, name: str) -> bool:
    """Stop one service started here; True if it was running."""
    if name == "postgres":
        return postgres.stop(cluster(settings))
    return processes.stop_recorded(process_files(settings, name))


def down(settings: Settings, report: Callable[[ServiceStatus], None]) -> None:
    """Stop what `up` started, last first, its supervisor before all (it would restart them);
    services configured by env are left alone."""
    for name in ("supervisor", "app", "mail", "redis", "letta", "s3", "postgres"):
        stopped = stop_service(settings, name)
        report(ServiceStatus(name, "stopped" if stopped else "was not running"))


def status(settings: Settings) -> list[ServiceStatus]:
    checks = [ServiceStatus(c.name, "ok" if c.ok else c.detail) for c in health.check_all(settings)]
    app = "ok" if app_healthy(settings) else f"not answering at {app_local_url(settings)}"
    return [*checks, ServiceStatus("app", app)]
