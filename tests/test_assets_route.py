"""/assets/<id> as a browser uses it: the access check comes before any byte is read, the app
serves the bytes itself (ranges, revalidation), and redirects only to a configured public place."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from dsf_app.assets_route import asset_route
from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.services import assets, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings, get_settings
from dsf_app.storage import AssetStorage, StoredObject, asset_key
from tests.accounts import SESSION_COOKIE

# Bytes that differ at every position, so a wrong range shows.
CONTENT = bytes(range(256)) * 40


@dataclass(frozen=True)
class Stored:
    asset_id: uuid.UUID
    owner_token: str
    stranger_token: str


def _signed_in(name: str) -> tuple[Actor, str]:
    with session_scope() as db:
        user = create_user(db, f"{uuid.uuid4().hex}@example.test", name)
        token = sessions.create_session(db, user)
        return Actor(user.id), token


@pytest.fixture
def stored(dsf_in_process: Settings, storage: AssetStorage) -> Stored:
    owner, owner_token = _signed_in("Ada")
    _, stranger_token = _signed_in("Mallory")
    with session_scope() as db:
        world_id = worlds.create_world(db, owner, "Private Deep").id
    key = asset_key(owner.user_id, world_id, "map.png")
    storage.put(key, CONTENT, "image/png")
    with session_scope() as db:
        asset_id = assets.record_asset(db, owner, world_id, key, "image/png", len(CONTENT)).id
    return Stored(asset_id, owner_token, stranger_token)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(Starlette(routes=[asset_route])) as test_client:
        yield test_client


def _get(
    client: TestClient, asset_id: uuid.UUID, token: str | None, **headers: str
) -> httpx2.Response:
    cookies = {SESSION_COOKIE: token} if token else {}
    client.cookies.clear()
    return client.get(
        f"/assets/{asset_id}", cookies=cookies, headers=headers, follow_redirects=False
    )


def test_the_owner_gets_the_bytes_from_the_app_with_a_validator(
    client: TestClient, stored: Stored
) -> None:
    response = _get(client, stored.asset_id, stored.owner_token)
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"].startswith("private")
    etag = response.headers["etag"]
    again = _get(client, stored.asset_id, stored.owner_token, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_a_range_gets_exactly_those_bytes(client: TestClient, stored: Stored) -> None:
    response = _get(client, stored.asset_id, stored.owner_token, Range="bytes=1000-1099")
    assert response.status_code == 206
    assert response.content == CONTENT[1000:1100]
    assert response.headers["content-range"] == f"bytes 1000-1099/{len(CONTENT)}"
    past = _get(client, stored.asset_id, stored.owner_token, Range=f"bytes={len(CONTENT) + 5}-")
    assert past.status_code == 416


def test_nobody_else_gets_a_byte(
    client: TestClient, stored: Stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real_read = AssetStorage.read

    def counted(self: AssetStorage, key: str, **kwargs: str) -> StoredObject:
        reads.append(key)
        return real_read(self, key, **kwargs)

    monkeypatch.setattr(AssetStorage, "read", counted)
    stranger = _get(client, stored.asset_id, stored.stranger_token)
    assert stranger.status_code == 404
    assert stranger.text == f"No asset with id {stored.asset_id} is visible to you."
    signed_out = _get(client, stored.asset_id, None)
    assert signed_out.status_code == 401
    assert reads == []  # the access check comes before S3 is asked for anything
    assert _get(client, stored.asset_id, stored.owner_token).status_code == 200
    assert len(reads) == 1


def test_a_public_s3_endpoint_gets_a_short_lived_redirect(
    client: TestClient, stored: Stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S3_PUBLIC_ENDPOINT_URL", "https://s3.example.org")
    get_settings.cache_clear()
    try:
        response = _get(client, stored.asset_id, stored.owner_token)
    finally:
        monkeypatch.delenv("S3_PUBLIC_ENDPOINT_URL")
        get_settings.cache_clear()
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert (location.scheme, location.netloc) == ("https", "s3.example.org")
    assert "X-Amz-Expires=300" in location.query
