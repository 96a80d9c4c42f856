"""What sort of thing a Codex entry is: the kind an imported entry says it is (SillyTavern has no
kind: a `comment` such as "Location: Port Saline" or "Faction - Tidewardens", a key such as
"city", or its group or folder), and changing the kind of several entries at once.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from sqlmodel import Session, col, select

from dsf_app.errors import Invalid, NotFound
from dsf_app.models import CodexEntry, CodexKind, CodexStatus
from dsf_app.services import codex_history, validation
from dsf_app.services.access import not_visible
from dsf_app.services.actor import Actor
from dsf_app.services.codex import Author, changelog_line, locked_world, touch
from dsf_app.services.world_updates import record_changes

# Words that say what kind of thing an entry is, in a comment's prefix, a key, a group or folder.
KIND_WORDS: dict[CodexKind, tuple[str, ...]] = {
    CodexKind.CHARACTER: ("character", "characters", "people", "person", "npc", "cast"),
    CodexKind.PLACE: (
        "place",
        "places",
        "location",
        "locations",
        "city",
        "cities",
        "region",
        "regions",
        "geography",
        "planet",
        "planets",
        "station",
    ),
    CodexKind.FACTION: (
        "faction",
        "factions",
        "organization",
        "organisation",
        "organizations",
        "organisations",
        "guild",
        "guilds",
        "corporation",
    ),
    CodexKind.SPECIES: ("species", "race", "races", "creature", "creatures", "alien", "aliens"),
    CodexKind.ARTIFACT: (
        "artifact",
        "artifacts",
        "artefact",
        "artefacts",
        "item",
        "items",
        "object",
        "objects",
        "technology",
        "tech",
        "weapon",
        "ship",
        "vehicle",
        "device",
    ),
    CodexKind.EVENT: ("event", "events", "history", "timeline", "war", "battle"),
    CodexKind.CONCEPT: ("concept", "concepts", "rule", "magic", "religion"),
}
_KIND_OF = {word: kind for kind, words in KIND_WORDS.items() for word in words}
# "Location: Port Saline", "Faction - Tidewardens", "[NPC] Teo", "Place | Saltmarsh".
_PREFIX = re.compile(r"^\s*[\[(]?\s*([A-Za-z]+)\s*(?:[:|\]\)]|\s[-\u2013\u2014]\s)")
MAX_BULK = 500


def infer(comment: str, keys: Iterable[str], labels: Iterable[str]) -> CodexKind:
    """The kind a comment's prefix says, else a key that is a kind word ("city"), else a word
    of a group or folder name ("Places", "History/Unrest"), else concept."""
    prefix = _PREFIX.match(comment)
    if prefix and prefix[1].casefold() in _KIND_OF:
        return _KIND_OF[prefix[1].casefold()]
    for key in keys:
        if key.strip().casefold() in _KIND_OF:
            return _KIND_OF[key.strip().casefold()]
    for label in labels:
        for word in re.findall(r"[a-z]+", label.casefold()):
            if word in _KIND_OF:
                return _KIND_OF[word]
    return CodexKind.CONCEPT


def set_kind(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    entry_ids: list[uuid.UUID],
    kind: CodexKind | str,
    *,
    author: Author,
) -> int:
    """Make the chosen active entries of the world `kind`, in one new version of the world;
    returns how many changed. NotFound when one of them is not an active entry of the world."""
    chosen = validation.choice(kind, CodexKind, what="kind")
    wanted = list(dict.fromkeys(entry_ids))
    if not wanted:
        raise Invalid("Select at least one entry to change its kind.")
    if len(wanted) > MAX_BULK:
        raise Invalid(f"Change the kind of at most {MAX_BULK} entries at once.")
    world = locked_world(session, actor, world_id)
    entries = session.exec(
        select(CodexEntry).where(
            col(CodexEntry.id).in_(wanted),
            CodexEntry.world_id == world.id,
            CodexEntry.status == CodexStatus.ACTIVE,
        )
    ).all()
    found = {entry.id for entry in entries}
    missing = next((entry_id for entry_id in wanted if entry_id not in found), None)
    if missing is not None:
        raise NotFound(not_visible("codex entry", missing))
    changing = sorted((e for e in entries if e.kind != chosen), key=lambda e: e.name.casefold())
    if not changing:
        return 0
    for entry in changing:
        entry.kind = chosen
        touch(entry, actor)
    version = record_changes(
        session,
        world,
        [
            changelog_line(entry, author, "update", f"Made “{entry.name}” a {chosen}.")
            for entry in changing
        ],
    )
    for entry in changing:
        entry.version = version
        session.add(entry)
    session.flush()
    codex_history.record(session, changing, version)
    return len(changing)
