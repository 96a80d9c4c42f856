"""Reachability of the services DSF depends on, for /readyz (and its alias /health) and
`devstack status`.

A check's `detail` is for the operator (the log, `devstack status`): it may name an address but
never a password. What /readyz shows a stranger (`Readiness.public_body`) says only which
service is down. Every check reuses this process's clients (the engine's pool, the boto3 client,
one HTTP client, one Redis pool per URL), and `ReadinessCache` answers from a check at most about
a second old, so a flood of probes costs the services at most one check a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import httpx

from dsf_app import db
from dsf_app.errors import ServiceUnavailable
from dsf_app.settings import Settings

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 3
FRESH_SECONDS = 1.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def without_password(url: str) -> str:
    """`url` with any password in it replaced by ***, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def check_database(settings: Settings) -> Check:
    """Reachable, and its schema is not older than this release's (the app serves nothing from
    an unmigrated schema: a replica started before the migration Job waits, not ready)."""
    try:
        db.check_reachable(settings.database_url)
        behind = db.schema_behind(settings.database_url)
    except ServiceUnavailable as exc:
        return Check("database", False, str(exc))
    return Check("database", behind is None, behind or "reachable, schema up to date")


def check_s3(settings: Settings) -> Check:
    # Imported here: `devstack install` imports this module with only the base modules copied
    # (see the Dockerfile), and the services' per-process boto3 client lives above them.
    from dsf_app.services.asset_files import asset_storage

    if asset_storage(settings).reachable():
        return Check("s3", True, f"bucket {settings.s3_bucket} reachable")
    return Check(
        "s3", False, f"S3 bucket {settings.s3_bucket} not reachable at {settings.s3_endpoint_url}"
    )


@lru_cache(maxsize=1)
def _http() -> httpx.Client:
    return httpx.Client(timeout=CHECK_TIMEOUT_SECONDS)


def check_letta(settings: Settings) -> Check:
    try:
        ok = _http().get(f"{settings.letta_base_url}/v1/health/").status_code == 200
    except httpx.HTTPError:
        ok = False
    detail = "healthy" if ok else f"Letta server is not reachable at {settings.letta_base_url}"
    return Check("letta", ok, detail)


@lru_cache(maxsize=8)
def _redis(url: str) -> redis.Redis:
    # Imported here: only several workers use Redis, and `devstack up` (which imports this
    # module) must run under any user's Python, even one redis-py needs extra packages on.
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(_redis(url).ping())
    except redis.RedisError:
        return False


def check_redis(settings: Settings) -> Check:
    ok = redis_reachable(settings.redis_url)
    where = without_password(settings.redis_url)
    return Check("redis", ok, "reachable" if ok else f"Redis is not reachable at {where}")


def checks_for(settings: Settings) -> list[Callable[[Settings], Check]]:
    checks = [check_database, check_s3, check_letta]
    if settings.uses_redis:
        checks.append(check_redis)
    return checks


def check_all(settings: Settings) -> list[Check]:
    """Every service's check, run side by side (the slowest sets the time, not their sum)."""
    checks = checks_for(settings)
    with ThreadPoolExecutor(len(checks)) as pool:
        return list(pool.map(lambda check: check(settings), checks))


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def public_body(self) -> dict[str, object]:
        """What anyone may read: whether each service is up, and nothing about where it is."""
        return {
            "ok": self.ok,
            "services": {check.name: "ok" if check.ok else "down" for check in self.checks},
        }


class ReadinessCache:
    """The services' readiness, checked again only when the last check is older than
    `fresh_seconds`; callers arriving during a check wait for it instead of starting another.
    A service going down or coming back is logged with its detail."""

    def __init__(
        self, fresh_seconds: float = FRESH_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fresh_seconds = fresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._last: tuple[float, Readiness] | None = None
        self._down: set[str] = set()

    def __call__(self, settings: Settings) -> Readiness:
        with self._lock:
            if self._last is not None and self._clock() - self._last[0] < self._fresh_seconds:
                return self._last[1]
            readiness = Readiness(tuple(check_all(settings)))
            self._log_changes(readiness)
            self._last = (self._clock(), readiness)
            return readiness

    def _log_changes(self, readiness: Readiness) -> None:
        for check in readiness.checks:
            if not check.ok and check.name not in self._down:
                log.warning("%s is down: %s", check.name, check.detail)
                self._down.add(check.name)
            elif check.ok and check.name in self._down:
                log.warning("%s is back: %s", check.name, check.detail)
                self._down.discard(check.name)


readiness = ReadinessCache()
