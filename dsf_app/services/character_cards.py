"""Character cards (Character Card V1, V2 and V3 as SillyTavern and other apps share them), on
their own (no database): the character a card describes read as a Codex entry of kind character
— its description the body, the card's other fields kept in `extra["card"]` for the export — and
its `character_book` as entries (`lorebook_entries`); and a character entry with the world's other
entries written back as a card. `png_cards` carries a card inside a PNG image.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dsf_app.errors import Invalid
from dsf_app.models import CodexEntry, CodexKind
from dsf_app.models.lore_rules import ActivationRules
from dsf_app.services import lorebook_entries, validation
from dsf_app.services.codex import EntryFields
from dsf_app.services.lorebook_entries import DsfLink, Lorebook, ParsedEntry

V1_FIELDS = ("first_mes", "personality", "scenario", "mes_example")
CARD = "card"  # the `extra` key that keeps a card's fields DSF does not show


class CardData(BaseModel):
    """A card's `data` (a V1 card's whole document), each field to its type; fields newer
    specs add (nickname, assets, creation dates…) are kept as they are."""

    model_config = ConfigDict(extra="allow")

    name: str = ""
    description: str = ""
    personality: str = ""
    scenario: str = ""
    first_mes: str = ""
    mes_example: str = ""
    creator_notes: str = ""
    system_prompt: str = ""
    post_history_instructions: str = ""
    alternate_greetings: list[str] = Field(default_factory=list)
    group_only_greetings: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    creator: str = ""
    character_version: str = ""
    extensions: dict[str, Any] = Field(default_factory=dict)


class DsfCharacter(BaseModel):
    """DSF's own fields of a character it exported as a card (`data.extensions.dsf`)."""

    summary: str = ""
    aliases: list[str] = Field(default_factory=list)
    links: list[DsfLink] = Field(default_factory=list)


def is_card(document: dict[str, Any]) -> bool:
    """A V2/V3 card (a `spec` or a `data` object with a book), or a V1 card (a name and the
    fields only a character has)."""
    if str(document.get("spec", "")).startswith("chara_card") or "data" in document:
        return "entries" not in document
    return "name" in document and any(name in document for name in V1_FIELDS)


def read(document: dict[str, Any], avatar: bytes | None = None) -> Lorebook:
    """The character a card describes, then its book's entries; Invalid when its `data` is not
    an object."""
    versioned = "data" in document or str(document.get("spec", "")).startswith("chara_card")
    data = document.get("data") if versioned else document
    if not isinstance(data, dict):
        raise Invalid(
            "This character card's “data” is not an object, so it describes no character; "
            "export the card again from the app that made it."
        )
    spec = str(document.get("spec") or "chara_card_v1").removeprefix("chara_card_")[:10]
    book = Lorebook(f"character card {spec}", avatar=avatar)
    name = data.get("name")
    named = isinstance(name, str) and bool(name.strip())
    if not named and data.get("character_book") is None:
        raise Invalid("This character card names no character and has no lorebook.")
    if name is not None:  # a card of a book alone has no character
        try:
            book.entries.append(_character(data))
        except Invalid as exc:
            shown = " ".join(name.split())[:60] if named else "the card's character"
            book.skipped.append(f"“{shown}” ({exc})")
    if data.get("character_book") is not None:
        book.source += " and its lorebook"
        lorebook_entries.read_card_book(book, data["character_book"])
    return book


def _character(data: dict[str, Any]) -> ParsedEntry:
    fields = {k: v for k, v in data.items() if k != "character_book"}
    try:
        card = CardData.model_validate(fields)
        ours = DsfCharacter.model_validate(card.extensions.get("dsf") or {})
    except ValidationError as exc:
        raise Invalid(validation.problems(exc)) from None
    if not card.name.strip():
        raise Invalid("the card names no character")
    extensions = {k: v for k, v in card.extensions.items() if k != "dsf"}
    kept = card.model_dump(mode="json", exclude={"name", "description", "tags", "extensions"})
    entry = validation.model(
        EntryFields,
        {
            "name": " ".join(card.name.split())[:200],
            "kind": CodexKind.CHARACTER,
            "aliases": ours.aliases,
            "summary": ours.summary,
            "body": card.description,
            "tags": card.tags,
        },
    )
    entry.applied()
    return ParsedEntry(
        entry,
        pinned=False,
        excluded=False,
        activation=ActivationRules.model_validate({}),
        extra={CARD: kept | ({"extensions": extensions} if extensions else {})},
        links=[(link.to, link.relation) for link in ours.links],
        is_card=True,
    )


def card(
    character: CodexEntry,
    book: list[dict[str, Any]],
    links: list[dict[str, str]],
    spec: Literal["v2", "v3"],
) -> dict[str, Any]:
    """The character as a card of `spec`, with `book` (World Info entries) as its lorebook and
    `links` (to entries of the book) kept for DSF."""
    kept = dict((character.extra or {}).get(CARD) or {})
    extensions = dict(kept.pop("extensions", None) or {})
    extensions["dsf"] = DsfCharacter.model_validate(
        {"summary": character.summary, "aliases": list(character.aliases), "links": links}
    ).model_dump()
    data = validation.model(
        CardData,
        kept
        | {
            "name": character.name,
            "description": character.body,
            "tags": [str(t) for t in character.tags],
            "extensions": extensions,
        },
    ).model_dump(mode="json")
    data["character_book"] = {
        "name": character.name,
        "entries": [lorebook_entries.card_book_entry(entry) for entry in book],
        "extensions": {},
    }
    return {
        "spec": f"chara_card_{spec}",
        "spec_version": "3.0" if spec == "v3" else "2.0",
        "data": data,
    }
