"""A lorebook file as a person uploads it: a SillyTavern World Info file (`{"entries": …}`), a
character book alone, a character card's JSON (V1, V2 or V3) or a PNG character card, read no
further than the size limit and parsed into a `lorebook_entries.Lorebook` (no database).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from dsf_app.errors import Invalid
from dsf_app.services import character_cards, lorebook_entries, png_cards, uploads
from dsf_app.services.lorebook_entries import Lorebook

MB = 1024 * 1024
MAX_LOREBOOK_BYTES = 20 * MB
NOT_A_LOREBOOK = (
    "This file is not a SillyTavern lorebook: expected a World Info file (an object with "
    "“entries”), a character card (JSON or PNG) or a character book."
)
WORLD_INFO = "SillyTavern World Info file"


def too_large() -> Invalid:
    return Invalid(
        f"This file is larger than {MAX_LOREBOOK_BYTES // MB} MB, the most a lorebook may be; "
        "export fewer entries, or split the lorebook, and import the parts."
    )


async def read_upload(chunks: AsyncIterator[uploads.Chunk]) -> bytes | None:
    """The bytes of the uploaded lorebook, read no further than MAX_LOREBOOK_BYTES."""
    return await uploads.read_upload(chunks, MAX_LOREBOOK_BYTES, too_large)


def parse(data: bytes | str) -> Lorebook:
    """The entries of the file; Invalid with what is wrong when it is none of the forms above.
    Unreadable entries are skipped and reported, never fatal."""
    if len(data) > MAX_LOREBOOK_BYTES:
        raise too_large()
    if isinstance(data, bytes) and png_cards.is_png(data):
        card = png_cards.read(data)
        return character_cards.read(card.document, card.avatar)
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"This file is not JSON ({exc}); export the lorebook again.") from None
    if not isinstance(document, dict):
        raise Invalid(NOT_A_LOREBOOK)
    return _document(document)


def _document(document: dict[str, Any]) -> Lorebook:
    if character_cards.is_card(document):
        return character_cards.read(document)
    entries = document.get("entries")
    if isinstance(entries, dict):
        book = Lorebook(WORLD_INFO)
        lorebook_entries.read_world_info(book, list(entries.items()))
        return book
    if isinstance(entries, list) and all(isinstance(e, dict) and "keys" in e for e in entries):
        book = Lorebook("character lorebook")
        lorebook_entries.read_card_book(book, document)
        return book
    if isinstance(entries, list):
        book = Lorebook(WORLD_INFO)
        lorebook_entries.read_world_info(book, [(str(i), e) for i, e in enumerate(entries)])
        return book
    raise Invalid(NOT_A_LOREBOOK)
