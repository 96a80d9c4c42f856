"""Uploads in Chromium, against the app as it ships: a JPEG and a PNG land in a private world's
gallery with thumbnails, the bar showing the bytes sent on the way; a renamed text file, an
oversized file and a 20,000 x 20,000 pixel image are refused with sentences and leave nothing in
S3 or PostgreSQL; a world's cover shows on its card and a Codex portrait on its entry's page;
another person sees none of it; and every hostile payload, as a file's name, is shown as text."""

from __future__ import annotations

import io
import os
import re
import struct
import uuid
import zlib

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from dsf_app.db import session_scope
from dsf_app.models import Asset
from dsf_app.services import codex, worlds
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage, owner_prefix
from tests.accounts import Account, new_account, sign_up_over_http, use_session
from tests.e2e_helpers import actor_of
from tests.hostile_content import groups
from tests.hostile_page import Watch

pytestmark = pytest.mark.usefixtures("dsf_in_process")

NAME_LIMIT = 200  # services/image_uploads.NAME_KEPT: characters of a name kept and shown
LOADED = (
    "(selector) => [...document.querySelectorAll(selector)]"
    ".map((i) => i.complete ? i.naturalWidth : 0)"
)


def noisy_jpeg(width: int, height: int) -> bytes:
    """A JPEG of random pixels: about a megabyte, so its upload takes a while when throttled."""
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def gradient_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize((width, height)).save(out, "PNG")
    return out.getvalue()


def header_only_png(width: int, height: int) -> bytes:
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


def send(page: Page, zone: str, name: str, data: bytes, mime: str = "image/png") -> None:
    page.locator(f"#{zone} input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )


def uploads_of(actor: Actor) -> list[Asset]:
    with session_scope() as session:
        mine = select(Asset).where(col(Asset.owner_id) == actor.user_id)
        return list(session.exec(mine.order_by(col(Asset.created_at))).all())


def private_world(actor: Actor, name: str) -> uuid.UUID:
    with session_scope() as session:
        return worlds.create_world(session, actor, name, "Salt and ledgers.").id


def test_images_land_with_thumbnails_and_refusals_get_sentences(
    signed_in_page: Page, app_url: str, account: Account, storage: AssetStorage
) -> None:
    page, owner = signed_in_page, actor_of(account)
    world = private_world(owner, "Saltmarsh")
    page.goto(f"{app_url}/worlds/{world}/gallery")
    expect(page.get_by_text("Add an image")).to_be_visible()

    # Uploads throttled to 300 kB/s: the bar shows the bytes sent before the image is stored.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    throttle = {"offline": False, "latency": 0, "downloadThroughput": -1}
    cdp.send("Network.emulateNetworkConditions", {**throttle, "uploadThroughput": 300_000})
    jpeg = noisy_jpeg(700, 500)
    send(page, "gallery-upload", "harbour.jpg", jpeg, "image/jpeg")
    progress = page.locator("#gallery-upload-progress")
    expect(progress).to_contain_text(re.compile(r"Sent [\d.,]+ (bytes|KB|MB) of [\d.,]+ (KB|MB)"))
    expect(progress.get_by_role("progressbar")).to_be_visible()
    cdp.send("Network.emulateNetworkConditions", {**throttle, "uploadThroughput": -1})
    tiles = page.locator(".dsf-gallery-item")
    expect(tiles.filter(has_text="harbour.jpg")).to_have_count(1)
    expect(progress).to_have_count(0)

    send(page, "gallery-upload", "map.png", gradient_png(800, 400))
    expect(tiles.filter(has_text="map.png")).to_have_count(1)
    images = page.locator("img.dsf-gallery-image")
    expect(images.first).to_have_attribute("src", re.compile(r"^/assets/[0-9a-f-]{36}/thumbnail$"))
    page.wait_for_function(
        f"() => ({LOADED})('img.dsf-gallery-image').every((w) => w > 0)", polling=200
    )
    # Thumbnails, not the images: their longest side is DSF_THUMBNAIL_PX (384).
    assert sorted(page.evaluate(LOADED, "img.dsf-gallery-image")) == [384, 384]
    jpg, png = sorted(uploads_of(owner), key=lambda a: a.content_type)
    assert (jpg.content_type, png.content_type) == ("image/jpeg", "image/png")
    assert all(a.uploaded and a.world_id == world and a.thumbnail_key for a in (png, jpg))
    kept = sorted(storage.keys_under(owner_prefix(owner.user_id)))

    problem = page.locator(".dsf-upload-problem")
    send(page, "gallery-upload", "notes.png", b"Dear diary, the tide came in.\n" * 50)
    expect(problem).to_contain_text("“notes.png” is not an image DSF can read")
    send(page, "gallery-upload", "huge.png", b"\0" * (21 * 1024 * 1024))
    expect(problem).to_contain_text("“huge.png” is larger than 20,971,520 bytes")
    send(page, "gallery-upload", "giant.png", header_only_png(20_000, 20_000))
    expect(problem).to_contain_text("“giant.png” has more than the 40,000,000 pixels")
    expect(tiles).to_have_count(2)
    assert len(uploads_of(owner)) == 2
    assert sorted(storage.keys_under(owner_prefix(owner.user_id))) == kept


def test_cover_and_portrait_show_and_another_person_sees_nothing(
    signed_in_page: Page, app_url: str, account: Account, browser: Browser
) -> None:
    page, owner = signed_in_page, actor_of(account)
    name = f"Tidewright {uuid.uuid4().hex[:6]}"
    world = private_world(owner, name)
    with session_scope() as session:
        entry = codex.create_entry(
            session, owner, world, codex.EntryFields(name="Ada Heron"), author="person"
        ).id

    page.goto(f"{app_url}/worlds/{world}/gallery")
    send(page, "cover-upload", "cover.png", gradient_png(640, 360))
    expect(page.locator(".dsf-gallery-item").filter(has_text="cover.png")).to_have_count(1)
    (cover,) = uploads_of(owner)
    page.goto(f"{app_url}/worlds")
    card = page.locator(".rt-Card").filter(has_text=name)
    expect(card.locator("img")).to_have_attribute("src", f"/assets/{cover.id}")

    page.goto(f"{app_url}/worlds/{world}/codex/{entry}")
    expect(page.get_by_text("Upload a portrait")).to_be_visible()
    send(page, "portrait-upload", "ada.jpg", noisy_jpeg(300, 400), "image/jpeg")
    portrait = page.locator("#entry-portrait")
    expect(portrait).to_have_attribute("src", re.compile(r"^/assets/[0-9a-f-]{36}$"))
    shown = (portrait.get_attribute("src") or "").removeprefix("/assets/")
    assert {str(a.id) for a in uploads_of(owner)} == {str(cover.id), shown}

    stranger = browser.new_context()
    try:
        use_session(stranger, app_url, sign_up_over_http(app_url, new_account("Eve")))
        other = stranger.new_page()
        other.goto(f"{app_url}/worlds/{world}/gallery")
        expect(other.get_by_text("World not found")).to_be_visible()
        expect(other.locator(".dsf-upload-zone")).to_have_count(0)
        for asset in uploads_of(owner):
            for url in (f"/assets/{asset.id}", f"/assets/{asset.id}/thumbnail"):
                assert other.request.get(f"{app_url}{url}").status == 404, url
        other.goto(f"{app_url}/worlds/{world}/codex/{entry}")
        expect(other.get_by_text("Codex entry not found")).to_be_visible()
    finally:
        stranger.close()


def test_hostile_file_names_are_shown_as_text(
    signed_in_page: Page, app_url: str, account: Account, test_settings: Settings
) -> None:
    """Every payload as (part of) a file's name: refused ones in the sentence beside the drop
    zone, accepted ones in the gallery's captions."""
    page, owner = signed_in_page, actor_of(account)
    watch = Watch.on(page, test_settings)
    page.goto(f"{app_url}/images")
    expect(page.get_by_text("Add an image")).to_be_visible()
    named = [" ".join(p.text for p in group)[:NAME_LIMIT] for group in groups(NAME_LIMIT)]
    for n, name in enumerate(named):
        send(page, "gallery-upload", name, b"not an image at all" * (n + 1))
        markers = re.findall(r"ZQ\d\d", name)
        watch.surface(".dsf-upload-problem", markers, f"refused upload {n + 1} of {len(named)}")
    # One at a time: the drop zone takes no file while it stores the last one.
    for name in named[:3]:
        send(page, "gallery-upload", name, gradient_png(64, 64))
        watch.surface("#gallery-grid", re.findall(r"ZQ\d\d", name), "captions of uploads")
    watch.fits_the_window("My images with hostile captions")
    assert len(uploads_of(owner)) == 3
