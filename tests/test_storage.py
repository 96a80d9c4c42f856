"""Assets round-trip through the real local S3 server; browsers fetch them by presigned URL."""

from __future__ import annotations

import uuid

import httpx
import pytest

from dsf_app.errors import NotFound
from dsf_app.storage import AssetStorage, asset_key

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2250b0a0000000049454e44ae426082"
)


def test_object_round_trip_and_presigned_url(storage: AssetStorage) -> None:
    key = asset_key(uuid.uuid4(), uuid.uuid4(), "sky.png")
    storage.put(key, PNG, "image/png")
    assert storage.get(key) == PNG

    response = httpx.get(storage.url(key, "image/png"))
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"


def test_tampered_presigned_url_is_refused(storage: AssetStorage) -> None:
    key = asset_key(uuid.uuid4(), None, "secret.png")
    storage.put(key, PNG, "image/png")
    url = storage.url(key, "image/png")
    signature_at = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    forged = (
        url[:signature_at] + ("0" if url[signature_at] != "0" else "1") + url[signature_at + 1 :]
    )
    assert httpx.get(forged).status_code == 403


def test_deleted_object_is_not_found(storage: AssetStorage) -> None:
    key = asset_key(uuid.uuid4(), None, "gone.png")
    storage.put(key, PNG, "image/png")
    storage.delete(key)
    with pytest.raises(NotFound):
        storage.get(key)
