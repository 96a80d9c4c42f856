"""Asset bytes in S3 and their rows in PostgreSQL, kept together: bytes are stored before the row
is recorded and removed after it is deleted, so no row ever points at missing bytes. Bytes whose
row could not be recorded are deleted again (`forget`).

No database session is held while S3 works: `put_image` needs none, and the row is recorded
(`record_image`) in the caller's own short transaction afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from dsf_app.errors import Invalid, NotFound
from dsf_app.images.providers import MAX_IMAGE_BYTES, image_content_type
from dsf_app.models import Asset, AssetCategory, AssetType
from dsf_app.services import assets
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings
from dsf_app.storage import AssetStorage, asset_key

log = logging.getLogger(__name__)

MAX_ASSET_BYTES = MAX_IMAGE_BYTES
# Raster formats a browser shows and that cannot carry script (SVG can, so it is refused).
IMAGE_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
}
DATA_URL = re.compile(
    r"^data:(?P<type>[\w.+-]+/[\w.+-]+)(?P<params>(?:;[^,;]*)*),(?P<data>.*)$", re.S
)
_STORAGES: dict[tuple[str, str, str, str, str], AssetStorage] = {}


def asset_storage(settings: Settings | None = None) -> AssetStorage:
    """One boto3 client per S3 configuration for this process (creating one takes ~50 ms)."""
    settings = settings or get_settings()
    key = (
        settings.s3_endpoint_url,
        settings.s3_bucket,
        settings.s3_access_key,
        settings.s3_public_base_url,
        settings.s3_public_endpoint_url,
    )
    if key not in _STORAGES:
        _STORAGES[key] = AssetStorage.from_settings(settings)
    return _STORAGES[key]


def asset_url(asset_id: uuid.UUID) -> str:
    """The stable URL of an asset in DSF's own pages and canvas specs (served by assets_route)."""
    return f"/assets/{asset_id}"


def thumbnail_url(asset_id: uuid.UUID) -> str:
    """The asset's small copy for grids (the image itself when it has none)."""
    return f"/assets/{asset_id}/thumbnail"


def image_type_of(data: bytes) -> str | None:
    """The image MIME type the bytes' signature shows (PNG, JPEG, WebP or GIF), if any."""
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return image_content_type(data)


def checked_image(data: bytes, declared: str | None = None) -> str:
    """The content type of image bytes DSF accepts; Invalid with the reason otherwise."""
    if not data:
        raise Invalid("The image is empty.")
    if len(data) > MAX_ASSET_BYTES:
        raise Invalid(
            f"The image is {len(data):,} bytes, larger than {MAX_ASSET_BYTES:,} bytes; "
            "make it smaller."
        )
    if declared is not None and declared.lower() not in IMAGE_EXTENSIONS:
        raise Invalid(
            f"{declared} is not an image type DSF stores; use one of {', '.join(IMAGE_EXTENSIONS)}."
        )
    found = image_type_of(data)
    if found is None:
        raise Invalid("The data is not a PNG, JPEG, WebP or GIF image.")
    if declared is not None and declared.lower() != found:
        raise Invalid(f"The data says it is {declared}, but its bytes are {found}.")
    return found


def decode_data_url(url: str) -> tuple[bytes, str]:
    """The bytes and checked content type of a base64 `data:image/...` URL."""
    match = DATA_URL.match(url.strip())
    if match is None or ";base64" not in match["params"].lower():
        raise Invalid("Pass the image as a base64 data URL: data:image/png;base64,....")
    if len(match["data"]) > (MAX_ASSET_BYTES * 4) // 3 + 4:
        raise Invalid(f"The image is larger than {MAX_ASSET_BYTES:,} bytes; make it smaller.")
    try:
        data = base64.b64decode(re.sub(r"\s+", "", match["data"]), validate=True)
    except binascii.Error as exc:
        raise Invalid("The data URL's base64 is not valid.") from exc
    return data, checked_image(data, match["type"])


def filename_for(text: str, content_type: str) -> str:
    """A short, safe file name for a storage key, from a description or prompt."""
    stem = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or "image"
    return f"{stem}.{IMAGE_EXTENSIONS.get(content_type, 'bin')}"


@dataclass(frozen=True)
class StoredBytes:
    """Image bytes already in S3, waiting for their Asset row."""

    key: str
    content_type: str
    size: int


async def put_image(
    actor: Actor,
    storage: AssetStorage,
    data: bytes,
    content_type: str,
    *,
    world_id: uuid.UUID | None,
    name: str,
    unique: str | None = None,
) -> StoredBytes:
    """Check image bytes and store them under a key naming the owner and world (the same key
    for the same `unique`, so a retried save overwrites instead of duplicating). No database
    work: the caller records the row in its own short transaction (`record_image`)."""
    content_type = checked_image(data, content_type)
    key = asset_key(actor.user_id, world_id, filename_for(name, content_type), unique)
    await asyncio.to_thread(storage.put, key, data, content_type)
    return StoredBytes(key, content_type, len(data))


def record_image(
    session: Session,
    actor: Actor,
    stored: StoredBytes,
    *,
    world_id: uuid.UUID | None,
    story_id: uuid.UUID | None = None,
    segment_id: uuid.UUID | None = None,
    category: AssetCategory | str = AssetCategory.OTHER,
    description: str = "",
    generated: bool = False,
    prompt: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Asset:
    """The Asset row for bytes `put_image` stored."""
    return assets.record_asset(
        session,
        actor,
        world_id,
        stored.key,
        stored.content_type,
        stored.size,
        type=AssetType.IMAGE,
        category=category,
        description=description,
        story_id=story_id,
        segment_id=segment_id,
        generated=generated,
        prompt=prompt,
        meta=meta,
    )


async def forget(storage: AssetStorage, key: str) -> None:
    """Delete bytes whose row could not be recorded; a failure here is only logged, since the
    error that caused it is the one the caller must see."""
    try:
        await asyncio.to_thread(storage.delete, key)
    except Exception:
        log.exception("could not delete the unrecorded asset bytes at %s", key)


async def read_bytes(storage: AssetStorage, asset: Asset) -> bytes:
    """The bytes of an asset the caller has already checked the actor may read."""
    try:
        return await asyncio.to_thread(storage.get, asset.storage_key)
    except NotFound as exc:
        raise NotFound(
            f"The bytes of asset {asset.id} are missing from storage; delete the asset and "
            "make it again."
        ) from exc


async def delete_stored(storage: AssetStorage, keys: list[str]) -> None:
    """Delete stored bytes whose rows are already gone (a deleted world's assets)."""
    for key in keys:
        await asyncio.to_thread(storage.delete, key)


async def delete_with_bytes(
    session: Session, actor: Actor, storage: AssetStorage, asset_id: uuid.UUID
) -> Asset:
    """Delete the row (the actor must be able to change its world), then its bytes. If S3 fails
    the error propagates, so the caller's rollback keeps the row and its bytes together."""
    asset = assets.get_asset(session, actor, asset_id)
    for key in assets.delete_asset(session, actor, asset_id):
        await asyncio.to_thread(storage.delete, key)
    return asset
