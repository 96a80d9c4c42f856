"""PNG character cards: a V2 card (`chara` chunk) and a V3 card (`ccv3`) import with their
character, book and avatar (the character's image in the gallery); a character exports as a PNG
carrying both chunks, and importing that gives identical entries; a damaged PNG, one without a
card and one whose chunk is not base64 JSON are refused with a sentence. Also: the kind an
imported entry says it is, and changing the kind of several entries at once."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from typing import Any

import pytest
from PIL import Image, PngImagePlugin
from sqlmodel import Session

from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound
from dsf_app.models import CodexKind
from dsf_app.services import assets, codex, codex_kinds, lorebook, lorebook_format, png_cards
from dsf_app.services.codex import EntryFields
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage
from tests.codex_checks import entries_by_name, kept
from tests.factories import last_change, make_actor, make_world

CARD = {
    "name": "Ife Oyelaran",
    "description": "Dock organiser of Port Saline; scar over the left eye.",
    "personality": "Patient until she is not.",
    "first_mes": "The cranes stop at noon.",
    "tags": ["union", "dock"],
    "nickname": "Ife",
    "character_book": {
        "entries": [
            {
                "keys": ["The Dock Strike", "/strike(s)?/i"],
                "secondary_keys": ["crane"],
                "content": "The strike that closed the port for forty days.",
                "comment": "Event: The Dock Strike",
                "enabled": True,
                "insertion_order": 40,
                "extensions": {"probability": 60, "sticky": 2, "group": "port"},
            },
            {"keys": ["Saline"], "content": "The tidal city.", "comment": "Location: Port Saline"},
        ]
    },
}


def _png(chunks: dict[str, Any], colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    info = PngImagePlugin.PngInfo()
    for name, document in chunks.items():
        info.add_text(name, base64.b64encode(json.dumps(document).encode()).decode())
    out = io.BytesIO()
    Image.new("RGB", (8, 12), colour).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _pixel(image: Image.Image) -> tuple[int, int, int]:
    red, green, blue = image.convert("RGB").getpixel((0, 0))  # pyright: ignore[reportGeneralTypeIssues]
    return red, green, blue


@pytest.mark.parametrize(
    ("chunk", "spec", "source"),
    [
        ("chara", "chara_card_v2", "character card v2"),
        ("ccv3", "chara_card_v3", "character card v3"),
    ],
)
def test_a_png_card_imports_its_character_book_and_avatar(
    dsf_in_process: Settings, storage: AssetStorage, chunk: str, spec: str, source: str
) -> None:
    with session_scope() as session:
        ada = make_actor(session)
        world = make_world(session, ada)
    card = {"spec": spec, "spec_version": "3.0" if chunk == "ccv3" else "2.0", "data": CARD}
    report = lorebook.import_file(ada, world.id, _png({chunk: card}), "person")
    assert report.sentence().startswith(f"Imported 3 entries from a {source} and its lorebook.")
    assert "The card's image is now Ife Oyelaran's, in the gallery." in report.sentence()
    with session_scope() as session:
        found = entries_by_name(session, ada, world.id)
        ife = found["Ife Oyelaran"]
        assert (ife.kind, ife.body, ife.tags) == (
            CodexKind.CHARACTER,
            CARD["description"],
            ["union", "dock"],
        )
        assert ife.extra["card"]["first_mes"] == "The cranes stop at noon."
        assert ife.image_asset_id is not None
        image = assets.get_asset(session, ada, ife.image_asset_id)
        assert image.world_id == world.id and image.content_type == "image/png"
        strike = found["Event: The Dock Strike"]
        assert (
            strike.kind == CodexKind.EVENT
            and found["Location: Port Saline"].kind == CodexKind.PLACE
        )
        rules = strike.activation
        assert (rules.keys, rules.secondary_keys, rules.order) == (["/strike(s)?/i"], ["crane"], 40)
        assert (rules.probability, rules.sticky, rules.group) == (60, 2, "port")
    avatar = Image.open(io.BytesIO(storage.get(image.storage_key)))
    assert avatar.size == (8, 12) and _pixel(avatar) == (200, 40, 40)
    assert not {"chara", "ccv3"} & set(avatar.text)  # pyright: ignore[reportAttributeAccessIssue]


def test_a_character_exports_as_a_png_card_that_imports_identically(
    dsf_in_process: Settings, storage: AssetStorage
) -> None:
    with session_scope() as session:
        ada = make_actor(session)
        first, second = make_world(session, ada, "First"), make_world(session, ada, "Second")
    card = {"spec": "chara_card_v3", "spec_version": "3.0", "data": CARD}
    lorebook.import_file(ada, first.id, _png({"ccv3": card}, (10, 90, 160)), "person")
    with session_scope() as session:
        ife = entries_by_name(session, ada, first.id)["Ife Oyelaran"]
        exported = lorebook.export_card(session, ada, ife.id)
    name, data = lorebook.card_png(exported, storage)
    assert name == "ife-oyelaran.card.png"
    picture = Image.open(io.BytesIO(data))
    assert {"chara", "ccv3"} <= set(picture.text)  # pyright: ignore[reportAttributeAccessIssue]
    assert _pixel(picture) == (10, 90, 160)
    v2 = json.loads(base64.b64decode(picture.text["chara"]))  # pyright: ignore[reportAttributeAccessIssue]
    assert v2["spec"] == "chara_card_v2" and v2["data"]["name"] == "Ife Oyelaran"
    lorebook.import_file(ada, second.id, data, "person")
    with session_scope() as session:
        before = {n: kept(e) for n, e in entries_by_name(session, ada, first.id).items()}
        after = {n: kept(e) for n, e in entries_by_name(session, ada, second.id).items()}
    assert after == before and len(after) == 3


def test_only_a_character_exports_as_a_card(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    place = codex.create_entry(
        session, ada, world.id, EntryFields(name="Saline", kind=CodexKind.PLACE), author="person"
    )
    with pytest.raises(Invalid, match="only a character is exported as a character card"):
        lorebook.export_card(session, ada, place.id)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (_png({})[:40], "is damaged or not a PNG"),
        (_png({}), "has no “chara” or “ccv3” text chunk"),
        (_png({"Comment": {"a": 1}}), "has no “chara” or “ccv3” text chunk"),
    ],
    ids=["truncated", "no card", "other chunk"],
)
def test_a_png_without_a_readable_card_is_refused(data: bytes, problem: str) -> None:
    with pytest.raises(Invalid, match=problem):
        lorebook_format.parse(data)


def test_a_png_too_large_to_be_an_avatar_is_refused_from_its_header() -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = png_cards.PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    with pytest.raises(Invalid, match="more pixels than a card's avatar may have"):
        lorebook_format.parse(bomb)


def test_a_card_chunk_that_is_not_base64_json_is_refused() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("chara", "not base64 at all!")
    out = io.BytesIO()
    Image.new("RGB", (2, 2)).save(out, "PNG", pnginfo=info)
    with pytest.raises(Invalid, match="a “chara” chunk that is not base64-encoded JSON"):
        lorebook_format.parse(out.getvalue())


@pytest.mark.parametrize(
    ("comment", "keys", "labels", "kind"),
    [
        ("Location: Port Saline", [], [], CodexKind.PLACE),
        ("Faction - Tidewardens", [], [], CodexKind.FACTION),
        ("[NPC] Old Teo", [], [], CodexKind.CHARACTER),
        ("Kelp", ["kelp", "species"], [], CodexKind.SPECIES),
        ("Riots", [], ["History/Unrest"], CodexKind.EVENT),
        ("Mira: the engineer", ["Mira"], [], CodexKind.CONCEPT),
    ],
)
def test_the_kind_an_entry_says_it_is(
    comment: str, keys: list[str], labels: list[str], kind: CodexKind
) -> None:
    assert codex_kinds.infer(comment, keys, labels) == kind


def test_the_kind_of_several_entries_changes_at_once(session: Session) -> None:
    ada, eve = make_actor(session, "Ada"), make_actor(session, "Eve")
    world = make_world(session, ada)
    made = [
        codex.create_entry(session, ada, world.id, EntryFields(name=n), author="person")
        for n in ("Teo", "Mira", "Kelp")
    ]
    version = world.version
    changed = codex_kinds.set_kind(
        session, ada, world.id, [made[0].id, made[1].id], "character", author="person"
    )
    assert changed == 2 and world.version == version + 1
    kinds = {e.name: e.kind for e in entries_by_name(session, ada, world.id).values()}
    assert kinds == {"Teo": "character", "Mira": "character", "Kelp": "concept"}
    assert last_change(session, ada, world).reason == "Made “Teo” a character."
    other = make_world(session, eve, "Elsewhere")
    with pytest.raises(NotFound):
        codex_kinds.set_kind(session, eve, other.id, [made[2].id], "place", author="person")
    with pytest.raises(Invalid, match="not a known kind"):
        codex_kinds.set_kind(session, ada, world.id, [made[2].id], "dragon", author="person")
