"""Images people upload, through the service the pages call (services/image_uploads.py): each
refusal with its sentence, metadata stripped by re-encoding, a thumbnail made, the asset recorded
with the uploader and world where it was sent (gallery, My images, a Codex portrait, a world's
cover) and listed to the agents; and nothing half-stored in S3 or PostgreSQL when either fails."""

from __future__ import annotations

import io
import json
import struct
import uuid
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from PIL import Image, PngImagePlugin
from sqlmodel import col, select

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.registry import ToolOutcome, execute
from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound, ServiceUnavailable
from dsf_app.models import Asset, CodexEntry
from dsf_app.services import assets, codex, covers, image_uploads, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.image_uploads import Destination, Limits, Target, Upload
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage, owner_prefix
from tests.hostile_content import ATTACKS

LIMITS = Limits(max_bytes=2_000_000, max_pixels=40_000_000, thumbnail_px=64)
SECRET = "GPS 51.4778N Greenwich home of Ada"


def picture(kind: str, size: tuple[int, int] = (300, 200), **save: object) -> bytes:
    """A real image of `kind` (PNG, JPEG, WEBP or GIF) with a gradient, so it compresses like one."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, kind, **save)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` but whose pixel data is empty: refusing it
    with the pixel sentence shows the header alone decided (decoding it would fail)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# ---- what is accepted, and how it comes out ----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/png")],
)
def test_an_image_is_re_encoded_with_a_thumbnail(kind: str, content_type: str) -> None:
    clean = image_uploads.cleaned(Upload("harbour.img", picture(kind)), LIMITS)
    assert clean.content_type == content_type
    assert (clean.width, clean.height) == (300, 200)
    assert opened(clean.data).size == (300, 200)
    thumbnail = opened(clean.thumbnail)
    assert thumbnail.format == "WEBP"
    assert thumbnail.size == (64, 43)


def test_exif_and_text_chunks_are_stripped() -> None:
    exif = Image.Exif()
    exif[0x010E] = SECRET  # ImageDescription
    exif[0x0112] = 6  # Orientation: the photo was taken turned; its pixels are turned upright
    jpeg = picture("JPEG", exif=exif.tobytes(), comment=SECRET.encode())
    assert SECRET.encode() in jpeg
    clean = image_uploads.cleaned(Upload("photo.jpg", jpeg), LIMITS)
    assert SECRET.encode() not in clean.data and SECRET.encode() not in clean.thumbnail
    assert not opened(clean.data).getexif()
    assert (clean.width, clean.height) == (200, 300)

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SECRET)
    text.add_itxt("Author", SECRET)
    png = picture("PNG", pnginfo=text)
    assert SECRET.encode() in png
    clean = image_uploads.cleaned(Upload("map.png", png), LIMITS)
    assert SECRET.encode() not in clean.data
    assert "Comment" not in opened(clean.data).info


# ---- what is refused, with a sentence ----------------------------------------------------------


def test_a_renamed_text_file_is_refused_by_its_content() -> None:
    with pytest.raises(Invalid, match=r"“notes\.png” is not an image DSF can read"):
        image_uploads.cleaned(Upload("notes.png", b"Dear diary,\n" * 40), LIMITS)


def test_an_svg_or_a_truncated_image_is_refused() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    with pytest.raises(Invalid, match="is not an image DSF can read"):
        image_uploads.cleaned(Upload("logo.png", svg), LIMITS)
    with pytest.raises(Invalid, match="is not an image DSF can read"):
        image_uploads.cleaned(Upload("cut.png", picture("PNG")[:400]), LIMITS)


def test_an_empty_or_oversized_file_is_refused() -> None:
    with pytest.raises(Invalid, match=r"“blank\.png” is empty"):
        image_uploads.cleaned(Upload("blank.png", b""), LIMITS)
    big = Limits(max_bytes=100, max_pixels=LIMITS.max_pixels, thumbnail_px=64)
    with pytest.raises(Invalid, match="more than the 100 an uploaded image may have"):
        image_uploads.cleaned(Upload("big.png", picture("PNG")), big)


def test_too_many_pixels_are_refused_from_the_header_before_decoding() -> None:
    with pytest.raises(Invalid, match="is 8,000 by 6,000 pixels, more than the 40,000,000"):
        image_uploads.cleaned(Upload("wide.png", png_header_only(8000, 6000)), LIMITS)
    # Past twice Pillow's own limit its guard speaks first, still from the header.
    with pytest.raises(Invalid, match="more than the 40,000,000 pixels an uploaded image"):
        image_uploads.cleaned(Upload("bomb.png", png_header_only(20_000, 20_000)), LIMITS)


@dataclass(frozen=True)
class Piece:
    filename: str
    data: bytes


async def pieces(name: str, data: bytes, size: int = 1000) -> AsyncIterator[Piece]:
    for start in range(0, len(data), size):
        yield Piece(name, data[start : start + size])


async def test_reading_stops_past_the_size_limit() -> None:
    small = Limits(max_bytes=5000, max_pixels=LIMITS.max_pixels, thumbnail_px=64)
    with pytest.raises(Invalid, match=r"“huge\.png” is larger than 5,000 bytes"):
        await image_uploads.read(pieces("./huge.png", b"x" * 50_000), small)
    upload = await image_uploads.read(pieces("./maps/ok.png", b"y" * 4000), small)
    assert upload == Upload("maps/ok.png", b"y" * 4000)


def test_hostile_file_names_are_kept_as_text_in_sentences() -> None:
    for attack in ATTACKS:
        kept = image_uploads.file_name(attack)
        assert len(kept) <= image_uploads.NAME_KEPT
        with pytest.raises(Invalid) as refused:
            image_uploads.cleaned(Upload(kept, b"not an image"), LIMITS)
        assert f"“{kept}”" in str(refused.value)


# ---- into S3 and PostgreSQL ------------------------------------------------------------------


@pytest.fixture
def world(person: Actor) -> uuid.UUID:
    with session_scope() as session:
        return worlds.create_world(session, person, "Saltmarsh", "Herons and ledgers.").id


async def _ignore(_: TurnEvent) -> None:
    return None


async def asset_manager(actor: Actor, world: uuid.UUID, args: dict[str, str]) -> ToolOutcome:
    """One call of the agents' asset_manager tool, as a turn in `world` makes it."""
    ctx = ToolContext(actor, world, None, f"call-{uuid.uuid4().hex}", _ignore)
    return await execute(ctx, "asset_manager", json.dumps(args))


def stored_under(storage: AssetStorage, actor: Actor) -> list[str]:
    return storage.keys_under(owner_prefix(actor.user_id))


async def test_an_upload_lands_in_the_gallery_for_the_agents(
    person: Actor, world: uuid.UUID, storage: AssetStorage, dsf_in_process: Settings
) -> None:
    target = Target(Destination.GALLERY, world)
    asset = await image_uploads.store(
        person, storage, target, Upload("heron.jpg", picture("JPEG")), LIMITS
    )
    assert asset.owner_id == person.user_id and asset.world_id == world
    assert asset.uploaded and not asset.generated and not asset.cover
    assert asset.description == "heron.jpg" and asset.content_type == "image/jpeg"
    assert asset.thumbnail_key is not None
    assert sorted(stored_under(storage, person)) == sorted([asset.storage_key, asset.thumbnail_key])
    assert opened(storage.get(asset.thumbnail_key)).size == (64, 43)

    # The agents list and load it like a generated image; deleting it takes the thumbnail too.
    listed = await asset_manager(person, world, {"operation": "list"})
    (summary,) = json.loads(listed.result)["assets"]
    assert (summary["asset_id"], summary["uploaded"]) == (str(asset.id), True)
    loaded = await asset_manager(person, world, {"operation": "load", "asset_id": str(asset.id)})
    assert json.loads(loaded.result)["description"] == "heron.jpg"
    deleted = await asset_manager(person, world, {"operation": "delete", "asset_id": str(asset.id)})
    assert deleted.status == "success", deleted.result
    assert stored_under(storage, person) == []


async def test_my_images_portrait_and_cover(
    person: Actor, world: uuid.UUID, storage: AssetStorage, dsf_in_process: Settings
) -> None:
    mine = await image_uploads.store(
        person, storage, Target(Destination.GALLERY, None), Upload("me.png", picture("PNG")), LIMITS
    )
    with session_scope() as session:
        page = assets.own_image_page(session, person, 1, 10)
        entry = codex.create_entry(
            session, person, world, codex.EntryFields(name="Ada Heron"), author="person"
        )
    assert [a.id for a in page.images] == [mine.id]

    portrait = await image_uploads.store(
        person,
        storage,
        Target(Destination.PORTRAIT, world, entry.id),
        Upload("ada.webp", picture("WEBP")),
        LIMITS,
    )
    first = await image_uploads.store(
        person, storage, Target(Destination.COVER, world), Upload("a.png", picture("PNG")), LIMITS
    )
    second = await image_uploads.store(
        person, storage, Target(Destination.COVER, world), Upload("b.png", picture("PNG")), LIMITS
    )
    # A newer image in the gallery does not take the cover's place on the card.
    await image_uploads.store(
        person, storage, Target(Destination.GALLERY, world), Upload("c.png", picture("PNG")), LIMITS
    )
    with session_scope() as session:
        shown = session.get(CodexEntry, entry.id)
        assert shown is not None and shown.image_asset_id == portrait.id
        assert shown.version > entry.version
        assert covers.covers(session, person, [world])[world].asset_id == second.id
        assert not session.exec(select(Asset.cover).where(Asset.id == first.id)).one()


async def test_nothing_is_left_in_s3_when_the_row_cannot_be_written(
    person: Actor, world: uuid.UUID, storage: AssetStorage, dsf_in_process: Settings
) -> None:
    # The world is deleted while the upload is read: the row is refused, the bytes go.
    with session_scope() as session:
        worlds.delete_world(session, person, world)
    with pytest.raises(NotFound):
        await image_uploads.store(
            person,
            storage,
            Target(Destination.GALLERY, world),
            Upload("x.png", picture("PNG")),
            LIMITS,
        )
    assert stored_under(storage, person) == []
    with session_scope() as session:
        mine = select(Asset.id).where(col(Asset.owner_id) == person.user_id)
        assert session.exec(mine).all() == []


@dataclass(frozen=True)
class ThumbnailsFail:
    """S3 that stores images but fails on their thumbnails."""

    inner: AssetStorage

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if key.endswith(".thumbnail.webp"):
            raise ServiceUnavailable("S3 refused put_object: InternalError")
        self.inner.put(key, data, content_type)

    def delete(self, key: str) -> None:
        self.inner.delete(key)


async def test_nothing_is_left_when_s3_fails_half_way(
    person: Actor, world: uuid.UUID, storage: AssetStorage, dsf_in_process: Settings
) -> None:
    failing = ThumbnailsFail(storage)
    with pytest.raises(ServiceUnavailable):
        await image_uploads.store(
            person,
            failing,  # pyright: ignore[reportArgumentType]  (duck-typed: put and delete)
            Target(Destination.GALLERY, world),
            Upload("x.png", picture("PNG")),
            LIMITS,
        )
    assert stored_under(storage, person) == []
    with session_scope() as session:
        assert assets.list_assets(session, person, world) == []


async def test_another_person_cannot_upload_into_or_see_a_private_world(
    person: Actor, world: uuid.UUID, storage: AssetStorage, dsf_in_process: Settings
) -> None:
    from dsf_app.services.users import create_user

    asset = await image_uploads.store(
        person, storage, Target(Destination.GALLERY, world), Upload("x.png", picture("PNG")), LIMITS
    )
    with session_scope() as session:
        stranger = Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Eve").id)
    for where in (Destination.GALLERY, Destination.COVER):
        with session_scope() as session, pytest.raises(NotFound):
            image_uploads.check_target(session, stranger, Target(where, world))
    with pytest.raises(NotFound):
        await image_uploads.store(
            stranger,
            storage,
            Target(Destination.COVER, world),
            Upload("y.png", picture("PNG")),
            LIMITS,
        )
    assert stored_under(storage, stranger) == []
    with session_scope() as session:
        with pytest.raises(NotFound):
            assets.get_asset(session, stranger, asset.id)
        with pytest.raises(NotFound):
            assets.image_page(session, stranger, world, 1, 10)
