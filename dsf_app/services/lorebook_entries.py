"""The SillyTavern lorebook format, on its own (no database): reading a World Info file
(`{"entries": {"<uid>": {key, keysecondary, comment, content, constant, disable, order,
position, …}}}`) or the `character_book` of a character card (spec v2 or v3, or the book alone)
into entry fields, and writing a Codex entry back as a World Info entry that SillyTavern opens.

Mapping: the comment (else the first key) is the entry's name; the keys are its aliases;
`constant` pins it and `disable` excludes it; the content is its summary and body. Every other
field is kept in the entry's `extra` (fields equal to SillyTavern's defaults are not worth
keeping) and written back on export, with DSF's own fields (kind, summary, tags, links) under
`extensions.dsf` — so exporting and importing again gives the same entries. Fields the format
does not define are kept too, and reported. `lorebook` takes a parsed file into a world and a
world's Codex out.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from dsf_app.errors import Invalid
from dsf_app.models import CodexEntry, CodexKind
from dsf_app.services import uploads, validation
from dsf_app.services.codex import EntryFields
from dsf_app.services.mentions import NAME_IS_KEY

MB = 1024 * 1024
MAX_LOREBOOK_BYTES = 20 * MB
MAX_ENTRIES = 20_000

# SillyTavern's World Info entry fields and the values a new entry gets
# (newWorldInfoEntryDefinition in public/scripts/world-info.js).
WORLD_INFO_DEFAULTS: dict[str, Any] = {
    "key": [],
    "keysecondary": [],
    "comment": "",
    "content": "",
    "constant": False,
    "vectorized": False,
    "selective": True,
    "selectiveLogic": 0,
    "addMemo": True,
    "order": 100,
    "position": 0,
    "disable": False,
    "ignoreBudget": False,
    "excludeRecursion": False,
    "preventRecursion": False,
    "matchPersonaDescription": False,
    "matchCharacterDescription": False,
    "matchCharacterPersonality": False,
    "matchCharacterDepthPrompt": False,
    "matchScenario": False,
    "matchCreatorNotes": False,
    "delayUntilRecursion": 0,
    "probability": 100,
    "useProbability": True,
    "depth": 4,
    "outletName": "",
    "group": "",
    "groupOverride": False,
    "groupWeight": 100,
    "scanDepth": None,
    "caseSensitive": None,
    "matchWholeWords": None,
    "useGroupScoring": None,
    "automationId": "",
    "role": None,
    "sticky": None,
    "cooldown": None,
    "delay": None,
    "triggers": [],
    "characterFilter": {"isExclude": False, "names": [], "tags": []},
}
# Fields a saved entry has besides those: its id, its place in the editor, a card's extensions.
WORLD_INFO_FIELDS = {*WORLD_INFO_DEFAULTS, "uid", "displayIndex", "extensions"}
# Fields DSF maps to its own (the rest go to `extra`).
MAPPED = {"uid", "key", "comment", "content", "constant", "disable"}

# Character Card V2/V3 `character_book` entry fields and their World Info names.
CARD_FIELDS = {
    "keys": "key",
    "secondary_keys": "keysecondary",
    "content": "content",
    "comment": "comment",
    "constant": "constant",
    "selective": "selective",
    "insertion_order": "order",
    "case_sensitive": "caseSensitive",
}
CARD_OTHER_FIELDS = {"enabled", "extensions", "name", "priority", "id", "position", "use_regex"}
# SillyTavern keeps its own World Info fields in a card entry's extensions, in snake case.
CARD_EXTENSIONS = {
    "position": "position",
    "exclude_recursion": "excludeRecursion",
    "prevent_recursion": "preventRecursion",
    "delay_until_recursion": "delayUntilRecursion",
    "display_index": "displayIndex",
    "probability": "probability",
    "useProbability": "useProbability",
    "depth": "depth",
    "selectiveLogic": "selectiveLogic",
    "group": "group",
    "group_override": "groupOverride",
    "group_weight": "groupWeight",
    "scan_depth": "scanDepth",
    "match_whole_words": "matchWholeWords",
    "use_group_scoring": "useGroupScoring",
    "case_sensitive": "caseSensitive",
    "automation_id": "automationId",
    "role": "role",
    "vectorized": "vectorized",
    "sticky": "sticky",
    "cooldown": "cooldown",
    "delay": "delay",
}


@dataclass
class ParsedEntry:
    fields: EntryFields
    pinned: bool
    excluded: bool
    extra: dict[str, Any]
    links: list[tuple[str, str]]  # (other entry's name, relation), from a DSF export


@dataclass
class Lorebook:
    source: str
    entries: list[ParsedEntry] = field(default_factory=list)
    unknown_fields: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)


# ---- reading a file --------------------------------------------------------------------------


def too_large() -> Invalid:
    return Invalid(
        f"This file is larger than {MAX_LOREBOOK_BYTES // MB} MB, the most a lorebook may be; "
        "export fewer entries, or split the lorebook, and import the parts."
    )


async def read_upload(chunks: AsyncIterator[uploads.Chunk]) -> bytes | None:
    """The bytes of the uploaded lorebook, read no further than MAX_LOREBOOK_BYTES."""
    return await uploads.read_upload(chunks, MAX_LOREBOOK_BYTES, too_large)


def parse(data: bytes | str) -> Lorebook:
    """The entries of a World Info file or a character card's lorebook; Invalid with what is
    wrong when the file is neither. Unreadable entries are skipped and reported, never fatal."""
    if len(data) > MAX_LOREBOOK_BYTES:
        raise too_large()
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"This file is not JSON ({exc}); export the lorebook again.") from None
    if not isinstance(document, dict):
        raise Invalid(_NOT_A_LOREBOOK)
    book = document.get("data", {}).get("character_book") if _is_card(document) else None
    if book is not None or _is_card(document):
        if not isinstance(book, dict):
            raise Invalid("This character card has no lorebook (data.character_book).")
        spec = str(document.get("spec", "chara_card_v2")).removeprefix("chara_card_")
        return _read_card_book(book, f"character card {spec} lorebook")
    entries = document.get("entries")
    if isinstance(entries, dict):
        return _read_world_info(list(entries.items()), "SillyTavern World Info file")
    if isinstance(entries, list) and all(isinstance(e, dict) and "keys" in e for e in entries):
        return _read_card_book(document, "character lorebook")
    if isinstance(entries, list):
        return _read_world_info(
            [(str(i), e) for i, e in enumerate(entries)], "SillyTavern World Info file"
        )
    raise Invalid(_NOT_A_LOREBOOK)


_NOT_A_LOREBOOK = (
    "This file is not a SillyTavern lorebook: expected a World Info file (an object with "
    "“entries”) or a character card with data.character_book."
)


def _is_card(document: dict[str, Any]) -> bool:
    return str(document.get("spec", "")).startswith("chara_card") or (
        isinstance(document.get("data"), dict) and "character_book" in document["data"]
    )


def _check_count(count: int) -> None:
    if count > MAX_ENTRIES:
        raise Invalid(
            f"This lorebook has {count:,} entries; import at most {MAX_ENTRIES:,} at once."
        )


def _read_world_info(entries: list[tuple[str, Any]], source: str) -> Lorebook:
    _check_count(len(entries))
    book = Lorebook(source)
    for uid, raw in entries:
        _add(book, uid, raw)
    return book


def _read_card_book(book_data: dict[str, Any], source: str) -> Lorebook:
    entries = book_data.get("entries")
    if not isinstance(entries, list):
        raise Invalid("This lorebook's “entries” is not a list of entries.")
    _check_count(len(entries))
    book = Lorebook(source)
    for index, raw in enumerate(entries):
        if not isinstance(raw, dict):
            book.skipped.append(f"entry {index} (not an object)")
            continue
        _add(book, str(raw.get("id", index)), _card_entry_as_world_info(raw, book))
    return book


def _card_entry_as_world_info(raw: dict[str, Any], book: Lorebook) -> dict[str, Any]:
    """A card entry in World Info's field names, as SillyTavern converts it."""
    entry: dict[str, Any] = {}
    extensions = (
        dict(raw.get("extensions") or {}) if isinstance(raw.get("extensions"), dict) else {}
    )
    for name, value in raw.items():
        if name in CARD_FIELDS:
            entry[CARD_FIELDS[name]] = value
        elif name == "enabled":
            entry["disable"] = value is False
        elif name == "name" and not raw.get("comment"):
            entry["comment"] = value
        elif name == "position" and "position" not in extensions:
            entry["position"] = 0 if value == "before_char" else 1
        elif name not in CARD_OTHER_FIELDS:
            book.unknown_fields.add(name)
            entry[name] = value
        elif name in ("priority", "use_regex", "id", "name"):
            entry[f"card_{name}"] = value
    for name, target in CARD_EXTENSIONS.items():
        if name in extensions:
            entry[target] = extensions.pop(name)
    if extensions:
        entry["extensions"] = extensions
    return entry


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else []


def _add(book: Lorebook, uid: str, raw: Any) -> None:
    if not isinstance(raw, dict):
        book.skipped.append(f"entry {uid} (not an object)")
        return
    book.unknown_fields |= {
        name for name in raw if name not in WORLD_INFO_FIELDS and not name.startswith("card_")
    }
    try:
        book.entries.append(_entry(uid, raw))
    except (Invalid, ValueError, TypeError) as exc:
        label = str(raw.get("comment") or uid)[:60]
        book.skipped.append(f"“{label}” ({exc})")


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _entry(uid: str, raw: dict[str, Any]) -> ParsedEntry:
    keys = _strings(raw.get("key"))
    extensions = _object(raw.get("extensions"))
    ours = _object(extensions.get("dsf"))
    comment = " ".join(str(raw.get("comment") or "").split())[:200]
    name = comment or (keys[0] if keys else f"Entry {uid}")
    content = str(raw.get("content") or "")
    summary = str(ours.get("summary") or "")
    if summary and content.startswith(summary):
        body = content[len(summary) :].lstrip("\n")
    else:
        summary, body = "", content
    kind = ours.get("kind") if ours.get("kind") in set(CodexKind) else _guess_kind(raw)
    fields = validation.model(
        EntryFields,
        {
            "name": name,
            "kind": kind,
            "aliases": keys,
            "summary": summary,
            "body": body,
            "tags": _strings(ours.get("tags")),
        },
    )
    fields.applied()  # an alias too long is refused here, so the entry is reported by name
    extra = {
        name: value
        for name, value in raw.items()
        if name not in MAPPED
        and name != "extensions"
        and not (name in WORLD_INFO_DEFAULTS and WORLD_INFO_DEFAULTS[name] == value)
    }
    rest = {k: v for k, v in extensions.items() if k != "dsf"}
    if rest:
        extra["extensions"] = rest
    if not any(key.casefold() == name.casefold() for key in keys):
        extra[NAME_IS_KEY] = False
    links = [
        (str(link.get("to")), str(link.get("relation") or ""))
        for link in ours.get("links") or []
        if isinstance(link, dict) and link.get("to")
    ]
    return ParsedEntry(
        fields,
        pinned=raw.get("constant") is True,
        excluded=raw.get("disable") is True,
        extra=extra,
        links=links,
    )


# Words in a SillyTavern group or folder name that say what kind of thing its entries are.
KIND_WORDS = {
    CodexKind.CHARACTER: ("character", "people", "person", "npc", "cast"),
    CodexKind.PLACE: ("place", "location", "city", "cities", "region", "geography"),
    CodexKind.FACTION: ("faction", "organi", "guild"),
    CodexKind.SPECIES: ("species", "race", "creature"),
    CodexKind.ARTIFACT: ("artifact", "artefact", "item", "object", "technology"),
    CodexKind.EVENT: ("event", "history", "timeline"),
}


def _guess_kind(raw: dict[str, Any]) -> CodexKind:
    """The kind a group or folder name suggests ("Places", "History/Unrest"), else concept."""
    label = f"{raw.get('group') or ''} {raw.get('folder') or ''}".casefold()
    for kind, words in KIND_WORDS.items():
        if any(word in label for word in words):
            return kind
    return CodexKind.CONCEPT


def world_info_entry(entry: CodexEntry, uid: int, links: list[dict[str, str]]) -> dict[str, Any]:
    extra = dict(entry.extra or {})
    name_is_key = extra.pop(NAME_IS_KEY, True) is not False
    extensions = dict(extra.pop("extensions", None) or {})
    extensions["dsf"] = {
        "kind": str(entry.kind),
        "summary": entry.summary,
        "tags": list(entry.tags),
        "links": links,
    }
    content = "\n\n".join(part for part in (entry.summary, entry.body) if part)
    if entry.summary and not entry.body:
        content = entry.summary
    return {
        **WORLD_INFO_DEFAULTS,
        "uid": uid,
        **extra,
        "key": ([entry.name] if name_is_key else []) + [str(a) for a in entry.aliases],
        "comment": entry.name,
        "content": content,
        "constant": entry.pinned,
        "disable": entry.excluded,
        "extensions": extensions,
    }
