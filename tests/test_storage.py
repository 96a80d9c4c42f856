"""Assets round-trip through the real local S3 server; with a public S3 endpoint configured,
browsers fetch them by presigned URL."""

from __future__ import annotations

import uuid

import httpx
import pytest

from dsf_app.errors import NotFound
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage, asset_key

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2250b0a0000000049454e44ae426082"
)


@pytest.fixture
def presigning(storage: AssetStorage, test_settings: Settings) -> AssetStorage:
    """The store as configured with a public endpoint browsers reach (here: the same server)."""
    public = test_settings.model_copy(update={"s3_public_endpoint_url": storage.endpoint_url})
    return AssetStorage.from_settings(public)


def test_object_round_trip_and_presigned_url(
    storage: AssetStorage, presigning: AssetStorage
) -> None:
    key = asset_key(uuid.uuid4(), uuid.uuid4(), "sky.png")
    storage.put(key, PNG, "image/png")
    assert storage.get(key) == PNG

    url = presigning.public_url(key, "image/png")
    assert url is not None and storage.public_url(key, "image/png") is None
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"


def test_tampered_presigned_url_is_refused(storage: AssetStorage, presigning: AssetStorage) -> None:
    key = asset_key(uuid.uuid4(), None, "secret.png")
    storage.put(key, PNG, "image/png")
    url = presigning.public_url(key, "image/png")
    assert url is not None
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
