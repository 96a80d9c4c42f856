"""/livez and /readyz (and its alias /health) against the real services: what a stranger reads
names the service that is down and nothing about where it is or how to log in to it; the
detail goes to the log, without passwords; a check is reused for about a second; and checks
reuse the process's clients instead of building new ones."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import boto3
import httpx
import pytest
import redis
from starlette.requests import Request

from dsf_app import health, http_routes
from dsf_app.devstack.processes import free_port
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage

PASSWORD = "pw-that-must-not-leak"
SERVICES = {"database", "s3", "letta"}


def down(settings: Settings, service: str) -> Settings:
    """`settings` with `service` moved to a port nothing listens on, named with a password."""
    port = free_port()
    where = {
        "database": {
            "database_url_override": f"postgresql+psycopg://dsf:{PASSWORD}@127.0.0.1:{port}/dsf"
        },
        "s3": {"s3_endpoint_url_override": f"http://127.0.0.1:{port}"},
        "letta": {"letta_base_url_override": f"http://127.0.0.1:{port}"},
        "redis": {"redis_url_override": f"redis://:{PASSWORD}@127.0.0.1:{port}/0"},
    }[service]
    return settings.model_copy(update=where)


def readyz_answer(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> tuple[int, dict[str, Any]]:
    """What /readyz answers under `settings`, through the route's own function."""
    monkeypatch.setattr(http_routes, "get_settings", lambda: settings)
    monkeypatch.setattr(health, "readiness", health.ReadinessCache())
    response = http_routes.readyz(Request({"type": "http"}))
    return response.status_code, json.loads(bytes(response.body))


@pytest.mark.parametrize("service", ["database", "s3", "letta", "redis"])
def test_readyz_names_the_service_that_is_down_and_nothing_more(
    service: str,
    test_settings: Settings,
    database_url: str,
    storage: AssetStorage,
    letta_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = down(test_settings, service)
    with caplog.at_level(logging.WARNING, logger="dsf_app.health"):
        status, body = readyz_answer(monkeypatch, settings)
    expected = dict.fromkeys(SERVICES | ({"redis"} if service == "redis" else set()), "ok")
    # The whole body, so no address, port, user name or password can hide in it.
    assert (status, body) == (503, {"ok": False, "services": {**expected, service: "down"}})
    # The operator finds where in the log, and no password there either.
    (logged,) = [record.getMessage() for record in caplog.records]
    assert logged.startswith(f"{service} is down: ") and "127.0.0.1" in logged
    assert PASSWORD not in logged


def test_readyz_reuses_a_check_for_about_a_second(
    test_settings: Settings, database_url: str, storage: AssetStorage, letta_url: str
) -> None:
    now = [100.0]
    readiness = health.ReadinessCache(clock=lambda: now[0])
    assert readiness(test_settings).ok
    now[0] += 0.5
    assert readiness(down(test_settings, "letta")).ok  # the check of half a second ago
    now[0] += 0.6
    assert readiness(down(test_settings, "letta")).public_body()["services"] == {
        "database": "ok",
        "s3": "ok",
        "letta": "down",
    }


def counting(built: list[str], name: str, make: Callable[..., Any]) -> Callable[..., Any]:
    """`make`, noting in `built` each time it is called."""

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(name)
        return make(*args, **kwargs)

    return counted


def test_checks_reuse_the_processs_s3_client_and_redis_pool(
    test_settings: Settings, storage: AssetStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    monkeypatch.setattr(boto3, "client", counting(built, "s3 client", boto3.client))
    monkeypatch.setattr(
        redis.Redis, "from_url", counting(built, "redis pool", redis.Redis.from_url)
    )
    # A bucket of its own: no earlier test's client for this configuration is reused here.
    settings = down(test_settings.model_copy(update={"s3_bucket": "health-check"}), "redis")
    for _ in range(3):
        health.check_s3(settings)
        health.check_redis(settings)
    assert sorted(built) == ["redis pool", "s3 client"]


def test_passwords_are_left_out_of_urls() -> None:
    assert (
        health.without_password(f"redis://:{PASSWORD}@cache:6379/0") == "redis://:***@cache:6379/0"
    )
    assert health.without_password(f"rediss://dsf:{PASSWORD}@cache/1") == "rediss://dsf:***@cache/1"
    assert health.without_password("redis://cache:6379/0") == "redis://cache:6379/0"


def test_livez_readyz_and_health_over_http(app_url: str) -> None:
    assert httpx.get(f"{app_url}/livez").json() == {"ok": True}
    ready = {"ok": True, "services": dict.fromkeys(sorted(SERVICES), "ok")}
    for path in ("/readyz", "/health"):
        response = httpx.get(f"{app_url}{path}")
        assert (response.status_code, response.json()) == (200, ready)
