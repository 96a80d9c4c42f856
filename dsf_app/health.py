"""Reachability of the services DSF depends on, for /health and `devstack status`."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from dsf_app import db
from dsf_app.errors import ServiceUnavailable
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database(settings: Settings) -> Check:
    try:
        db.check_reachable(settings.database_url)
    except ServiceUnavailable as exc:
        return Check("database", False, str(exc))
    return Check("database", True, "reachable")


def check_s3(settings: Settings) -> Check:
    if AssetStorage.from_settings(settings).reachable():
        return Check("s3", True, f"bucket {settings.s3_bucket} reachable")
    return Check(
        "s3", False, f"S3 bucket {settings.s3_bucket} not reachable at {settings.s3_endpoint_url}"
    )


def check_letta(settings: Settings) -> Check:
    url = f"{settings.letta_base_url}/v1/health/"
    try:
        ok = httpx.get(url, timeout=3).status_code == 200
    except httpx.HTTPError:
        ok = False
    detail = "healthy" if ok else f"Letta server is not reachable at {settings.letta_base_url}"
    return Check("letta", ok, detail)


def redis_reachable(url: str) -> bool:
    # Imported here: only several workers use Redis, and `devstack up` (which imports this
    # module) must run under any user's Python, even one redis-py needs extra packages on.
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        return bool(client.ping())
    except redis.RedisError:
        return False


def check_redis(settings: Settings) -> Check:
    ok = redis_reachable(settings.redis_url)
    detail = "reachable" if ok else f"Redis is not reachable at {settings.redis_url}"
    return Check("redis", ok, detail)


def check_all(settings: Settings) -> list[Check]:
    checks = [check_database, check_s3, check_letta]
    if settings.uses_redis:
        checks.append(check_redis)
    return [check(settings) for check in checks]
