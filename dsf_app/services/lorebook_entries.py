"""The SillyTavern lorebook entry, on its own (no database): a World Info entry (`{key,
keysecondary, comment, content, constant, disable, order, position, …}`) or a character book's
entry (spec v2/v3) read into a Codex entry's fields, every field checked to its type, and a Codex
entry written back as either, in a form SillyTavern opens.

Mapping: the comment (else the first key) is the entry's name; plain keys are its aliases;
`constant` pins it and `disable` excludes it; the content is its summary and body; the
activation fields (secondary keys and logic, case, whole words, scan depth, recursion,
probability, sticky/cooldown/delay, groups, order, budget, regular-expression keys) become its
`activation` rules (`models/lore_rules.ActivationRules`). The remaining World Info fields are
checked (`KeptFields`) and kept in the entry's `extra` (a field equal to SillyTavern's default
is not worth keeping) for the export, with DSF's own fields (kind, summary, tags, links) under
`extensions.dsf` — so exporting and importing again gives the same entries. Fields the format
does not define are kept as they are, never read, and reported. An entry whose field holds a
value of the wrong type is skipped and named with the field; the rest of the book goes in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dsf_app.errors import Invalid
from dsf_app.models import CodexEntry, CodexKind
from dsf_app.models.lore_rules import WORLD_INFO_FIELDS as RULE_FIELDS
from dsf_app.models.lore_rules import ActivationRules
from dsf_app.services import codex_kinds, validation
from dsf_app.services.codex import EntryFields

MAX_ENTRIES = 20_000
LABEL_CHARS = 60

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
# Fields that become the entry's own columns or its activation rules (the rest go to `extra`).
MAPPED = {"uid", "key", "comment", "content", "constant", "disable", "extensions"}
RULES = {*RULE_FIELDS.values(), "selectiveLogic"}
# A rule's name in ActivationRules' problems, as the World Info file names it.
RULE_NAMES = {f"“{ours}”": f"“{wi}”" for ours, wi in RULE_FIELDS.items()}
RULE_NAMES["“logic”"] = "“selectiveLogic”"

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
CARD_OWN = ("priority", "use_regex", "name")  # kept as card_<name> (an id is only its place)
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
    "outlet_name": "outletName",
    "ignore_budget": "ignoreBudget",
    "match_persona_description": "matchPersonaDescription",
    "match_character_description": "matchCharacterDescription",
    "match_character_personality": "matchCharacterPersonality",
    "match_character_depth_prompt": "matchCharacterDepthPrompt",
    "match_scenario": "matchScenario",
    "match_creator_notes": "matchCreatorNotes",
    "triggers": "triggers",
    "add_memo": "addMemo",
    "character_filter": "characterFilter",
}


class CharacterFilter(BaseModel):
    model_config = ConfigDict(extra="allow")

    isExclude: bool = False
    names: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class KeptFields(BaseModel):
    """The World Info fields DSF keeps for the export without acting on them, each to its type
    (and any field the format does not define, as it is)."""

    model_config = ConfigDict(extra="allow")

    vectorized: bool = False
    selective: bool = True
    addMemo: bool = True
    position: int = Field(0, ge=0, le=10)
    depth: int = Field(4, ge=0, le=10_000)
    role: int | None = Field(None, ge=0, le=2)
    outletName: str = Field("", max_length=500)
    automationId: str = Field("", max_length=500)
    matchPersonaDescription: bool = False
    matchCharacterDescription: bool = False
    matchCharacterPersonality: bool = False
    matchCharacterDepthPrompt: bool = False
    matchScenario: bool = False
    matchCreatorNotes: bool = False
    triggers: list[str] = Field(default_factory=list, max_length=50)
    characterFilter: CharacterFilter = Field(default_factory=CharacterFilter)
    displayIndex: int | None = None


class DsfLink(BaseModel):
    to: str = Field(min_length=1, max_length=200)
    relation: str = Field("", max_length=100)


class DsfExtension(BaseModel):
    """DSF's own fields of an entry it exported (`extensions.dsf`)."""

    kind: CodexKind | None = None
    summary: str = ""
    tags: list[str] = Field(default_factory=list)
    links: list[DsfLink] = Field(default_factory=list)


class WorldInfoEntry(BaseModel):
    """The fields of a World Info entry that become the entry's own, each to its type."""

    key: list[str | int | float] | str = Field(default_factory=list)
    comment: str | None = ""
    content: str | None = ""
    constant: bool | None = False
    disable: bool | None = False
    extensions: dict[str, Any] | None = None


@dataclass
class ParsedEntry:
    fields: EntryFields
    pinned: bool
    excluded: bool
    activation: ActivationRules
    extra: dict[str, Any]
    links: list[tuple[str, str]]  # (other entry's name, relation), from a DSF export
    is_card: bool = False  # the character a card describes (its avatar is the entry's image)


@dataclass
class Lorebook:
    source: str
    entries: list[ParsedEntry] = field(default_factory=list)
    unknown_fields: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)
    avatar: bytes | None = None  # a PNG card's image


# ---- reading entries -------------------------------------------------------------------------


def check_count(count: int) -> None:
    if count > MAX_ENTRIES:
        raise Invalid(
            f"This lorebook has {count:,} entries; import at most {MAX_ENTRIES:,} at once."
        )


def read_world_info(book: Lorebook, entries: list[tuple[str, Any]]) -> None:
    check_count(len(entries))
    for uid, raw in entries:
        add(book, uid, raw)


def read_card_book(book: Lorebook, book_data: Any) -> None:
    if not isinstance(book_data, dict):
        raise Invalid("This character card's lorebook (character_book) is not an object.")
    entries = book_data.get("entries")
    if not isinstance(entries, list):
        raise Invalid("This lorebook's “entries” is not a list of entries.")
    check_count(len(entries))
    for index, raw in enumerate(entries):
        if not isinstance(raw, dict):
            book.skipped.append(f"entry {index} (not an object)")
            continue
        add(book, str(raw.get("id", index)), card_entry_as_world_info(raw, book))


def card_entry_as_world_info(raw: dict[str, Any], book: Lorebook) -> dict[str, Any]:
    """A card entry in World Info's field names, as SillyTavern converts it."""
    entry: dict[str, Any] = {}
    extensions = dict(raw["extensions"]) if isinstance(raw.get("extensions"), dict) else {}
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
        elif name in CARD_OWN:
            entry[f"card_{name}"] = value
    for name, target in CARD_EXTENSIONS.items():
        if name in extensions:
            entry[target] = extensions.pop(name)
    if extensions:
        entry["extensions"] = extensions
    return entry


def add(book: Lorebook, uid: str, raw: Any) -> None:
    if not isinstance(raw, dict):
        book.skipped.append(f"entry {uid} (not an object)")
        return
    book.unknown_fields |= {
        name for name in raw if name not in WORLD_INFO_FIELDS and not name.startswith("card_")
    }
    try:
        book.entries.append(entry(uid, raw))
    except Invalid as exc:
        book.skipped.append(f"“{label(raw, uid)}” ({exc})")


def label(raw: dict[str, Any], uid: str) -> str:
    """How a report names an entry: its comment, else its id."""
    comment = raw.get("comment")
    text = " ".join(comment.split()) if isinstance(comment, str) else ""
    return (text or f"entry {uid}")[:LABEL_CHARS]


def problems(exc: ValidationError) -> list[str]:
    return [
        f"“{'.'.join(str(p) for p in error['loc'])}” is not valid ({error['input']!r:.40})"
        for error in exc.errors()
    ]


def _checked(model: type[BaseModel], values: dict[str, Any]) -> tuple[Any, list[str]]:
    try:
        return model.model_validate(values), []
    except ValidationError as exc:
        return None, problems(exc)


def extra_problems(extra: dict[str, Any]) -> list[str]:
    """What is wrong with the World Info fields kept in an entry's `extra` (a world import's)."""
    return _checked(KeptFields, {k: v for k, v in extra.items() if k not in MAPPED | RULES})[1]


def _keys(value: list[str | int | float] | str) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def entry(uid: str, raw: dict[str, Any]) -> ParsedEntry:
    """One entry, every field checked; Invalid naming each field of the wrong type."""
    own, problems = _checked(WorldInfoEntry, {k: v for k, v in raw.items() if k in MAPPED})
    kept, more = _checked(
        KeptFields, {k: v for k, v in raw.items() if k not in MAPPED and k not in RULES}
    )
    problems += more
    extensions = dict(own.extensions or {}) if own else {}
    ours, more = _checked(DsfExtension, extensions.pop("dsf", None) or {})
    problems += [p.replace("“", "“extensions.dsf.", 1) for p in more]
    keys = _keys(own.key) if own else []
    activation, plain, more = ActivationRules.from_world_info(
        {k: v for k, v in raw.items() if k in RULES} | {"key": keys}
    )
    for ours_name, wi_name in RULE_NAMES.items():
        more = [p.replace(ours_name, wi_name) for p in more]
    problems += more
    if problems or own is None or kept is None or ours is None:
        raise Invalid("; ".join(problems))
    comment = " ".join((own.comment or "").split())[:200]
    name = comment or (plain[0] if plain else keys[0] if keys else f"Entry {uid}")
    content = own.content or ""
    summary = ours.summary
    if summary and content.startswith(summary):
        body = content[len(summary) :].lstrip("\n")
    else:
        summary, body = "", content
    labels = [str(raw.get(k)) for k in ("group", "folder") if isinstance(raw.get(k), str)]
    kind = ours.kind or codex_kinds.infer(comment, plain, labels)
    fields = validation.model(
        EntryFields,
        {"name": name, "kind": kind, "aliases": plain, "summary": summary, "body": body}
        | {"tags": ours.tags},
    )
    fields.applied()  # an alias too long is refused here, so the entry is reported by name
    extra = kept.model_dump(mode="json", exclude_defaults=True)
    if extensions:
        extra["extensions"] = extensions
    name_is_key = any(key.casefold() == name.casefold() for key in plain)
    return ParsedEntry(
        fields,
        pinned=own.constant is True,
        excluded=own.disable is True,
        activation=activation.model_copy(update={"name_is_key": name_is_key}),
        extra=extra,
        links=[(link.to, link.relation) for link in ours.links],
    )


# ---- writing entries -------------------------------------------------------------------------


def world_info_entry(entry: CodexEntry, uid: int, links: list[dict[str, str]]) -> dict[str, Any]:
    extra = dict(entry.extra or {})
    extensions = dict(extra.pop("extensions", None) or {})
    extensions["dsf"] = {
        "kind": str(entry.kind),
        "summary": entry.summary,
        "tags": list(entry.tags),
        "links": links,
    }
    content = "\n\n".join(part for part in (entry.summary, entry.body) if part)
    rules = entry.activation.to_world_info()
    name = [entry.name] if entry.activation.name_is_key else []
    return {
        **WORLD_INFO_DEFAULTS,
        "uid": uid,
        **rules,
        **extra,
        "key": name + [str(a) for a in entry.aliases] + rules["key"],
        "comment": entry.name,
        "content": content,
        "constant": entry.pinned,
        "disable": entry.excluded,
        "extensions": extensions,
    }


def card_book_entry(world_info: dict[str, Any]) -> dict[str, Any]:
    """A World Info entry as a character book's entry (as SillyTavern's
    convertWorldInfoToCharacterBook writes it)."""
    card: dict[str, Any] = {name: world_info[wi] for name, wi in CARD_FIELDS.items()}
    card["id"] = world_info["uid"]
    card["enabled"] = not world_info["disable"]
    card["position"] = "before_char" if world_info["position"] == 0 else "after_char"
    extensions = dict(world_info["extensions"])
    for name, wi in CARD_EXTENSIONS.items():
        if wi in world_info:
            extensions[name] = world_info[wi]
    for name in CARD_OWN:
        if f"card_{name}" in world_info:
            card[name] = world_info[f"card_{name}"]
    known = {*CARD_FIELDS.values(), *CARD_EXTENSIONS.values(), "uid", "disable", "extensions"}
    for name, value in world_info.items():  # fields the format does not define, kept as they were
        if name not in known and not name.startswith("card_"):
            card[name] = value
    card["extensions"] = extensions
    return card
