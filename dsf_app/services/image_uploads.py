"""Images people upload into a world's gallery, their own images (My images), a Codex entry's
portrait or a world's cover.

An upload is read no further than its size limit, known by its content (Pillow opens it and
verifies it; its name and declared type are not believed), refused from its header when it has
too many pixels (before a pixel is decoded), and re-encoded from its pixels alone, so EXIF, text
chunks and anything else riding along are dropped; a thumbnail is made. The image and its
thumbnail go to S3 first and the row is recorded after, with the uploader and the world: if the
row cannot be recorded both objects are deleted again, and if the second object cannot be
stored the first is, so nothing is ever half-stored. Uploaded assets are ordinary image assets
(`uploaded` set), which `asset_manager` lists and loads for the agents like generated ones.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session, col, select

from dsf_app import pools
from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound
from dsf_app.models import Asset, AssetCategory
from dsf_app.services import asset_files, codex, uploads
from dsf_app.services.access import Permission, not_visible, require_entry, require_world
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings
from dsf_app.storage import AssetStorage

# What each format DSF accepts is re-encoded as: a GIF keeps its first frame, as a PNG.
ENCODINGS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WEBP", "GIF": "PNG"}
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
THUMBNAIL_TYPE = "image/webp"
NAME_KEPT = 200  # characters of a file's name kept (its description) and quoted in sentences


class Destination(StrEnum):
    GALLERY = "gallery"  # the world's gallery, or My images without a world
    PORTRAIT = "portrait"  # a Codex entry's image
    COVER = "cover"  # the image a world's card shows


@dataclass(frozen=True)
class Target:
    """Where an upload goes: a world (None: the person's own images) and, for a portrait, the
    entry."""

    destination: Destination
    world_id: uuid.UUID | None
    entry_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int
    thumbnail_px: int

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Limits:
        settings = settings or get_settings()
        return cls(settings.upload_max_bytes, settings.upload_max_pixels, settings.thumbnail_px)


@dataclass(frozen=True)
class Upload:
    name: str  # as the browser named the file: untrusted text
    data: bytes


@dataclass(frozen=True)
class CleanImage:
    """An upload re-encoded from its pixels, with its thumbnail."""

    data: bytes
    content_type: str
    width: int
    height: int
    thumbnail: bytes


def file_name(sent: str) -> str:
    """The name a person gave the file, without the "./" the browser's drop zone puts before
    it (a file from a dropped folder keeps the folder's name)."""
    return sent.strip().removeprefix("./").lstrip("/")[:NAME_KEPT] or "image"


# ---- before a byte is read -------------------------------------------------------------------


def check_target(session: Session, actor: Actor, target: Target) -> None:
    """NotFound or Forbidden unless the actor may add an image there: asked before the upload
    is read, and again when the image is recorded."""
    if target.destination is Destination.PORTRAIT:
        if target.entry_id is None:
            raise Invalid("Open the Codex entry whose portrait you are uploading.")
        entry, world = require_entry(session, actor, target.entry_id, Permission.WRITE)
        if world.id != target.world_id:
            raise NotFound(not_visible("codex entry", entry.id))
    elif target.world_id is not None:
        require_world(session, actor, target.world_id, Permission.WRITE)
    elif target.destination is Destination.COVER:
        raise Invalid("A cover belongs to a world; open the world whose cover you are setting.")


async def read(chunks: AsyncIterator[uploads.Chunk], limits: Limits) -> Upload | None:
    """The one uploaded file (None when nothing was sent), read no further than the limit."""
    names: list[str] = []

    async def named() -> AsyncIterator[uploads.Chunk]:
        async for chunk in chunks:
            if not names:
                names.append(file_name(chunk.filename))
            yield chunk

    def too_large() -> Invalid:
        return Invalid(
            f"“{names[0]}” is larger than {limits.max_bytes:,} bytes, the most an "
            "uploaded image may have; make it smaller and upload it again."
        )

    data = await uploads.read_upload(named(), limits.max_bytes, too_large)
    return None if data is None else Upload(names[0], data)


# ---- the pixels --------------------------------------------------------------------------


def not_an_image(name: str) -> Invalid:
    return Invalid(
        f"“{name}” is not an image DSF can read: upload a PNG, JPEG, WebP or GIF file "
        "(its contents are checked, not its name)."
    )


def cleaned(upload: Upload, limits: Limits) -> CleanImage:
    """The upload checked and re-encoded from its pixels alone, with a thumbnail; Invalid with
    the reason when it is empty, too large, not an image DSF accepts or has too many pixels.
    CPU work: run it on a heavy thread."""
    name, data = upload.name, upload.data
    if not data:
        raise Invalid(f"“{name}” is empty; choose the image file itself.")
    if len(data) > limits.max_bytes:
        raise Invalid(
            f"“{name}” is {len(data):,} bytes, more than the {limits.max_bytes:,} an "
            "uploaded image may have; make it smaller and upload it again."
        )
    try:
        # Opening reads the header only: the size is known before any pixel is decoded.
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format or "", probe.size
            _refuse_oversized(name, width, height, limits)
            if kind not in ENCODINGS:
                raise not_an_image(name)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            image.load()
            pixels = _pixels_only(ImageOps.exif_transpose(image), ENCODINGS[kind])
    except Image.DecompressionBombError:
        # Pillow's own guard, at twice its default pixel limit, speaks first for huge headers.
        raise Invalid(
            f"“{name}” has more than the {limits.max_pixels:,} pixels an uploaded "
            "image may have; scale it down and upload it again."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image(name) from None
    encoding = ENCODINGS[kind]
    return CleanImage(
        data=_encoded(pixels, encoding),
        content_type=CONTENT_TYPES[encoding],
        width=pixels.width,
        height=pixels.height,
        thumbnail=_thumbnail(pixels, limits.thumbnail_px),
    )


def _refuse_oversized(name: str, width: int, height: int, limits: Limits) -> None:
    if width * height > limits.max_pixels:
        raise Invalid(
            f"“{name}” is {width:,} by {height:,} pixels, more than the "
            f"{limits.max_pixels:,} an uploaded image may have; scale it down and upload it "
            "again."
        )


def _pixels_only(image: Image.Image, encoding: str) -> Image.Image:
    """A new image of the same pixels and nothing else (no EXIF, text, ICC or comments)."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if has_alpha and encoding != "JPEG" else "RGB"
    converted = image.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _encoded(image: Image.Image, encoding: str) -> bytes:
    out = io.BytesIO()
    if encoding == "JPEG":
        image.save(out, "JPEG", quality=90, optimize=True)
    elif encoding == "WEBP":
        image.save(out, "WEBP", quality=90)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _thumbnail(image: Image.Image, longest: int) -> bytes:
    small = image.copy()
    small.thumbnail((longest, longest))
    out = io.BytesIO()
    small.save(out, "WEBP", quality=80)
    return out.getvalue()


# ---- into S3 and PostgreSQL ----------------------------------------------------------------


@dataclass(frozen=True)
class StoredUpload:
    image: asset_files.StoredBytes
    thumbnail_key: str
    width: int
    height: int


async def store(
    actor: Actor,
    storage: AssetStorage,
    target: Target,
    upload: Upload,
    limits: Limits,
) -> Asset:
    """Clean and store an upload, then record its asset in a short session of its own (none is
    held while Pillow and S3 work). Whatever fails, nothing is left half-stored."""
    image = await pools.in_heavy_thread(cleaned, upload, limits)
    stored = await asset_files.put_image(
        actor, storage, image.data, image.content_type, world_id=target.world_id, name=upload.name
    )
    thumbnail_key = f"{stored.key}.thumbnail.webp"
    try:
        await pools.in_event_thread(storage.put, thumbnail_key, image.thumbnail, THUMBNAIL_TYPE)
    except BaseException:
        await asset_files.forget(storage, stored.key)
        raise
    done = StoredUpload(stored, thumbnail_key, image.width, image.height)
    try:
        return await pools.in_event_thread(record_in_new_session, actor, target, upload.name, done)
    except BaseException:
        await asset_files.forget(storage, thumbnail_key)
        await asset_files.forget(storage, stored.key)
        raise


def record_in_new_session(actor: Actor, target: Target, name: str, stored: StoredUpload) -> Asset:
    with session_scope() as session:
        return record_upload(session, actor, target, name, stored)


def record_upload(
    session: Session, actor: Actor, target: Target, name: str, stored: StoredUpload
) -> Asset:
    """The asset row of a stored upload, put where it was sent: the gallery, an entry's portrait
    (a new version of the entry) or the world's cover (in place of the one before)."""
    check_target(session, actor, target)
    asset = asset_files.record_image(
        session,
        actor,
        stored.image,
        world_id=target.world_id,
        category=(
            AssetCategory.CHARACTER
            if target.destination is Destination.PORTRAIT
            else AssetCategory.OTHER
        ),
        description=name,
        meta={"file_name": name, "width": stored.width, "height": stored.height},
    )
    asset.uploaded, asset.thumbnail_key = True, stored.thumbnail_key
    if target.destination is Destination.COVER:
        for before in session.exec(
            select(Asset).where(col(Asset.world_id) == target.world_id, col(Asset.cover))
        ).all():
            before.cover = False
            session.add(before)
        session.flush()
        asset.cover = True
    session.add(asset)
    session.flush()
    if target.destination is Destination.PORTRAIT and target.entry_id is not None:
        codex.update_entry(
            session,
            actor,
            target.entry_id,
            codex.EntryChanges(image_asset_id=asset.id),
            author="person",
            expected_version=None,
            reason=f"New portrait, uploaded as “{name}”.",
        )
    return asset
