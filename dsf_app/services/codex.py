"""A world's Codex: lore entries (characters, places, factions…) that people and agents create,
change, link, pin, exclude and delete. Adding, changing or removing an active entry bumps the
world's version and goes into its changelog, like a foundation edit; the entry keeps that version,
so a write that names an older one is refused as stale.

Embeddings are not computed here (services run inside short sessions): a write leaves the
entry's embedding empty and `embed_missing` fills it in, from a worker thread.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from dsf_app import embeddings
from dsf_app.db import cosine_distance, session_scope
from dsf_app.errors import Invalid, NotFound, ServiceUnavailable
from dsf_app.models import (
    AssetType,
    CodexEntry,
    CodexKind,
    CodexLink,
    CodexStatus,
    World,
)
from dsf_app.models.columns import utcnow
from dsf_app.services import codex_history, validation
from dsf_app.services.access import (
    Permission,
    not_visible,
    readable_worlds_clause,
    require_asset,
    require_entry,
    require_world,
    world_with_level,
)
from dsf_app.services.actor import Actor
from dsf_app.services.world_updates import record_changes

log = logging.getLogger(__name__)

Author = Literal["person", "agent"]
LISTED = 500  # entries a list shows at once; search finds the others
EMBED_BATCH = 16
# What an entry's embedding reads: more than the model's 256 tokens would be cut anyway.
EMBED_CHARS = 1200
# all-MiniLM-L6-v2: related texts sit above about 0.35 cosine similarity (see runs.MAX_DISTANCE).
MAX_DISTANCE = 0.7


def clean_names(values: list[str], *, max_length: int, without: str = "") -> list[str]:
    """Stripped, non-empty, each once whatever its case, and not `without`."""
    seen = {without.strip().casefold()} if without.strip() else set()
    kept = []
    for value in values:
        text = " ".join(str(value).split())
        if text and text.casefold() not in seen:
            if len(text) > max_length:
                raise ValueError(f"“{text[:40]}…” is longer than {max_length} characters")
            seen.add(text.casefold())
            kept.append(text)
    return kept


class EntryChanges(BaseModel):
    """Fields of a Codex entry; a field left out is left as it is."""

    name: str | None = Field(
        default=None, min_length=1, max_length=200, description="What the entry is called."
    )
    kind: CodexKind | None = Field(default=None, description="What sort of thing it is.")
    aliases: list[str] | None = Field(
        default=None,
        max_length=50,
        description="Other names it goes by (nicknames, titles, short forms); mentions of any "
        "of them in a message or a story bring the entry to mind.",
    )
    summary: str | None = Field(
        default=None, max_length=2000, description="One or two sentences: what matters most."
    )
    body: str | None = Field(default=None, max_length=50_000, description="Everything else.")
    tags: list[str] | None = Field(default=None, max_length=30, description="Short labels.")
    image_asset_id: uuid.UUID | None = Field(
        default=None, description="An image of the world's assets that shows it."
    )

    @field_validator("name", "summary", "body")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        return None if value is None else value.strip()

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else clean_names(value, max_length=60)

    def applied(self) -> dict[str, Any]:
        """The fields given, checked: aliases never repeat the name, a name is never empty."""
        given = self.model_dump(exclude_unset=True)
        changes = {k: v for k, v in given.items() if v is not None or k == "image_asset_id"}
        if "name" in changes and not changes["name"]:
            raise Invalid("An entry needs a name; it cannot be empty.")
        if "aliases" in changes:
            try:
                changes["aliases"] = clean_names(
                    changes["aliases"] or [], max_length=200, without=changes.get("name") or ""
                )
            except ValueError as exc:
                raise Invalid(f"An alias is too long: {exc}.") from None
        return changes


class EntryFields(EntryChanges):
    """A whole new entry: a name is required, the kind defaults to concept (narrower than the
    changes' optional fields on purpose)."""

    name: str = Field(min_length=1, max_length=200, description="What the entry is called.")  # pyright: ignore[reportIncompatibleVariableOverride]
    kind: CodexKind = Field(default=CodexKind.CONCEPT, description="What sort of thing it is.")  # pyright: ignore[reportIncompatibleVariableOverride]


@dataclass(frozen=True)
class EntryHit:
    entry: CodexEntry
    reason: str  # "name", "alias" or "meaning"
    similarity: float | None = None


@dataclass(frozen=True)
class LinkView:
    id: uuid.UUID
    other_id: uuid.UUID
    other_name: str
    relation: str
    outgoing: bool  # from this entry to the other


def embedding_text(entry: CodexEntry) -> str:
    """What an entry's embedding is computed from."""
    aliases = ", ".join(str(a) for a in entry.aliases)
    head = f"{entry.name} ({entry.kind})" + (f", also called {aliases}" if aliases else "")
    return "\n".join(part for part in (head, entry.summary, entry.body) if part)[:EMBED_CHARS]


# ---- reading ---------------------------------------------------------------------------------


def get_entry(session: Session, actor: Actor, entry_id: uuid.UUID) -> CodexEntry:
    return require_entry(session, actor, entry_id)[0]


def list_entries(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    *,
    statuses: tuple[CodexStatus, ...] = (CodexStatus.ACTIVE,),
    limit: int = LISTED,
) -> list[CodexEntry]:
    """The world's entries with these statuses, by kind then name (suggested and rejected ones
    only for those who may write the world)."""
    world, level = world_with_level(session, actor, world_id)
    if level < Permission.WRITE:
        statuses = tuple(s for s in statuses if s == CodexStatus.ACTIVE)
    if not statuses:
        return []
    return list(
        session.exec(
            select(CodexEntry)
            .where(
                CodexEntry.world_id == world.id,
                col(CodexEntry.status).in_([s.value for s in statuses]),
            )
            .order_by(col(CodexEntry.kind), func.lower(CodexEntry.name), col(CodexEntry.id))
            .limit(limit)
        ).all()
    )


def count_entries(session: Session, actor: Actor, world_id: uuid.UUID) -> int:
    world = require_world(session, actor, world_id)
    return session.exec(
        select(func.count(col(CodexEntry.id))).where(
            CodexEntry.world_id == world.id, CodexEntry.status == CodexStatus.ACTIVE
        )
    ).one()


def search(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    query: str,
    vector: list[float],
    *,
    limit: int = 20,
) -> list[EntryHit]:
    """Active entries whose name or an alias contains `query`, then those nearest in meaning
    to it (`vector` is its embedding, from `query_vector`)."""
    term = validation.search_term(query)
    if term is None:
        return []
    world = require_world(session, actor, world_id)
    pattern = validation.like_pattern(term)
    active = (CodexEntry.world_id == world.id, CodexEntry.status == CodexStatus.ACTIVE)
    named = session.exec(
        select(CodexEntry)
        .where(
            *active,
            or_(
                col(CodexEntry.name).ilike(pattern),
                cast(CodexEntry.aliases, String).ilike(pattern),
            ),
        )
        .order_by(func.length(CodexEntry.name), col(CodexEntry.name))
        .limit(limit)
    ).all()
    hits = [
        EntryHit(entry, "name" if term.casefold() in entry.name.casefold() else "alias")
        for entry in named
    ]
    distance = cosine_distance(col(CodexEntry.embedding), vector)
    seen = {hit.entry.id for hit in hits}
    for entry, how_far in session.exec(
        select(CodexEntry, distance)
        .where(*active, col(CodexEntry.embedding).is_not(None), distance <= MAX_DISTANCE)
        .order_by(distance)
        .limit(limit)
    ).all():
        if entry.id not in seen:
            hits.append(EntryHit(entry, "meaning", round(1 - float(how_far), 2)))
    return hits[:limit]


def query_vector(text: str) -> list[float]:
    """The embedding of a search text (milliseconds of CPU: call from a worker thread)."""
    try:
        return embeddings.embed([text.strip()[: validation.MAX_SEARCH]])[0]
    except Exception as exc:
        log.exception("Could not embed a Codex search")
        raise ServiceUnavailable(
            f"Searching the Codex by meaning is unavailable: the embedding model failed ({exc})."
        ) from exc


def find_by_name(
    session: Session, world_id: uuid.UUID, name: str, *, statuses: tuple[CodexStatus, ...]
) -> CodexEntry | None:
    """The entry of the world with this name (any case) and one of these statuses. The caller
    has checked access to the world."""
    return session.exec(
        select(CodexEntry).where(
            CodexEntry.world_id == world_id,
            func.lower(CodexEntry.name) == name.strip().lower(),
            col(CodexEntry.status).in_([s.value for s in statuses]),
        )
    ).first()


def links_of(session: Session, actor: Actor, entry_id: uuid.UUID) -> list[LinkView]:
    """The entry's links both ways, to entries the actor may see."""
    entry, world = require_entry(session, actor, entry_id)
    rows = session.exec(
        select(CodexLink, CodexEntry)
        .join(
            CodexEntry,
            or_(
                (col(CodexLink.from_id) == entry.id) & (col(CodexEntry.id) == CodexLink.to_id),
                (col(CodexLink.to_id) == entry.id) & (col(CodexEntry.id) == CodexLink.from_id),
            ),
        )
        .where(CodexLink.world_id == world.id, CodexEntry.status == CodexStatus.ACTIVE)
        .order_by(col(CodexLink.created_at))
    ).all()
    return [
        LinkView(link.id, other.id, other.name, link.relation, link.from_id == entry.id)
        for link, other in rows
    ]


# ---- writing ---------------------------------------------------------------------------------


def locked_world(session: Session, actor: Actor, world_id: uuid.UUID) -> World:
    """The world, writable by the actor, locked until the transaction ends, so two writers
    never take the same next version."""
    require_world(session, actor, world_id, Permission.WRITE)
    return session.exec(
        select(World)
        .where(World.id == world_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _stale(entry: CodexEntry, expected_version: int | None) -> None:
    if expected_version is not None and entry.version != expected_version:
        raise Invalid(
            f"The entry “{entry.name}” changed since you read it (it is at version "
            f"{entry.version}, you read version {expected_version}); nothing was saved. "
            "Read it again and make the change on what it says now."
        )


def _check_image(session: Session, actor: Actor, world: World, asset_id: uuid.UUID | None) -> None:
    if asset_id is None:
        return
    asset = require_asset(session, actor, asset_id)
    if asset.world_id != world.id or asset.type != AssetType.IMAGE:
        raise Invalid(
            f"Asset {asset_id} is not an image of “{world.name}”; pick one of the world's images."
        )


def _unique_name(session: Session, world: World, name: str, *, but: uuid.UUID | None) -> None:
    same = find_by_name(
        session, world.id, name, statuses=(CodexStatus.ACTIVE, CodexStatus.SUGGESTED)
    )
    if same is not None and same.id != but:
        raise Invalid(
            f"“{world.name}” already has an entry named “{same.name}” (id {same.id}); "
            "change that one, or give this one another name."
        )


def _change(entry: CodexEntry, author: Author, operation: str, reason: str) -> dict[str, Any]:
    """A changelog line for an entry, read like a foundation edit's."""
    value = {
        "id": str(entry.id),
        "name": entry.name,
        "kind": str(entry.kind),
        "aliases": list(entry.aliases),
        "summary": entry.summary,
    }
    return {
        "author": author,
        "path": f"codex/{entry.name}",
        "operation": operation,
        "value": None if operation == "remove" else value,
        "reason": reason,
    }


def create_entry(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    fields: EntryFields,
    *,
    author: Author,
    status: CodexStatus = CodexStatus.ACTIVE,
    reason: str = "",
) -> CodexEntry:
    """A new entry; an active one bumps the world's version. A suggestion whose name the world
    already has, or had rejected, is refused, so the agent does not propose it again."""
    values = fields.applied()
    world = locked_world(session, actor, world_id)
    _unique_name(session, world, values["name"], but=None)
    if status == CodexStatus.SUGGESTED:
        rejected = find_by_name(session, world.id, values["name"], statuses=(CodexStatus.REJECTED,))
        if rejected is not None:
            raise Invalid(f"“{rejected.name}” was suggested before and rejected; leave it out.")
    _check_image(session, actor, world, values.get("image_asset_id"))
    entry = CodexEntry(
        world_id=world.id,
        status=status,
        version=world.version,
        created_by=actor.user_id,
        updated_by=actor.user_id,
        **values,
    )
    session.add(entry)
    session.flush()
    if status == CodexStatus.ACTIVE:
        entry.version = record_changes(
            session,
            world,
            [_change(entry, author, "add", reason or f"Added the {entry.kind} “{entry.name}”.")],
        )
        session.add(entry)
        session.flush()
        codex_history.record(session, [entry], entry.version)
    return entry


def update_entry(
    session: Session,
    actor: Actor,
    entry_id: uuid.UUID,
    changes: EntryChanges,
    *,
    author: Author,
    expected_version: int | None,
    reason: str = "",
) -> CodexEntry:
    """Change the fields given; refused when the entry moved on past `expected_version`."""
    values = changes.applied()
    if not values:
        raise Invalid("Name at least one field to change: name, kind, aliases, summary, body…")
    entry, world = require_entry(session, actor, entry_id, Permission.WRITE)
    _stale(entry, expected_version)
    world = locked_world(session, actor, world.id)
    if "name" in values:
        _unique_name(session, world, values["name"], but=entry.id)
        if "aliases" not in values:
            values["aliases"] = clean_names(entry.aliases, max_length=200, without=values["name"])
    _check_image(session, actor, world, values.get("image_asset_id"))
    text_before = embedding_text(entry)
    for name, value in values.items():
        setattr(entry, name, value)
    if embedding_text(entry) != text_before:
        entry.embedding = None
    _touch(entry, actor)
    if entry.status == CodexStatus.ACTIVE:
        entry.version = record_changes(
            session,
            world,
            [_change(entry, author, "update", reason or f"Edited “{entry.name}”.")],
        )
    session.add(entry)
    session.flush()
    codex_history.record(session, [entry], entry.version)
    return entry


def _touch(entry: CodexEntry, actor: Actor) -> None:
    entry.updated_at = utcnow()
    entry.updated_by = actor.user_id


def delete_entry(
    session: Session,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    author: Author,
    expected_version: int | None = None,
    reason: str = "",
) -> None:
    """Delete the entry and its links; removing an active one bumps the world's version."""
    entry, world = require_entry(session, actor, entry_id, Permission.WRITE)
    _stale(entry, expected_version)
    if entry.status == CodexStatus.ACTIVE:
        world = locked_world(session, actor, world.id)
        change = _change(entry, author, "remove", reason or f"Removed “{entry.name}”.")
        linking = [e for e in codex_history.linking_to(session, entry.id) if e.id != entry.id]
        session.delete(entry)
        session.flush()
        version = record_changes(session, world, [change])
        codex_history.record_states(session, version, [(world.id, entry.id, None)])
        codex_history.record(session, linking, version)  # their links to it went with it
        return
    session.delete(entry)
    session.flush()


def set_status(
    session: Session, actor: Actor, entry_id: uuid.UUID, status: CodexStatus, *, author: Author
) -> CodexEntry:
    """Accept (make active) or reject a suggested entry; accepting adds it to the world."""
    entry, world = require_entry(session, actor, entry_id, Permission.WRITE)
    chosen = validation.choice(status, CodexStatus, what="entry status")
    if entry.status == chosen:
        return entry
    if entry.status != CodexStatus.SUGGESTED:
        raise Invalid(
            f"“{entry.name}” is not a suggestion; only suggestions are accepted or rejected."
        )
    entry.status = chosen
    _touch(entry, actor)
    if chosen == CodexStatus.ACTIVE:
        world = locked_world(session, actor, world.id)
        entry.version = record_changes(
            session,
            world,
            [_change(entry, author, "add", f"Accepted the suggested {entry.kind} “{entry.name}”.")],
        )
    session.add(entry)
    session.flush()
    if chosen == CodexStatus.ACTIVE:
        codex_history.record(session, [entry], entry.version)
    return entry


def set_flags(
    session: Session,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    pinned: bool | None = None,
    excluded: bool | None = None,
) -> CodexEntry:
    """Pin (always put in front of the World Agent) or exclude (never) an entry for the world;
    one cancels the other. A retrieval setting, not a change of the world's lore."""
    entry, _ = require_entry(session, actor, entry_id, Permission.WRITE)
    if pinned is not None:
        entry.pinned = pinned
        entry.excluded = entry.excluded and not pinned
    if excluded is not None:
        entry.excluded = excluded
        entry.pinned = entry.pinned and not excluded
    _touch(entry, actor)
    session.add(entry)
    session.flush()
    return entry


def add_link(
    session: Session,
    actor: Actor,
    from_id: uuid.UUID,
    to_id: uuid.UUID,
    relation: str,
    *,
    author: Author,
) -> CodexLink:
    """Link one entry to another of the same world (again: the link already made)."""
    label = validation.text(relation, what="link relation", max_length=100)
    source, world = require_entry(session, actor, from_id, Permission.WRITE)
    target, _ = require_entry(session, actor, to_id)
    if target.world_id != world.id:
        raise Invalid(f"Entry {to_id} belongs to another world; link entries of “{world.name}”.")
    if target.id == source.id:
        raise Invalid("An entry cannot link to itself.")
    existing = session.exec(
        select(CodexLink).where(
            CodexLink.from_id == source.id,
            CodexLink.to_id == target.id,
            CodexLink.relation == label,
        )
    ).first()
    if existing is not None:
        return existing
    world = locked_world(session, actor, world.id)
    link = CodexLink(world_id=world.id, from_id=source.id, to_id=target.id, relation=label)
    session.add(link)
    _touch(source, actor)
    source.version = record_changes(
        session,
        world,
        [
            {
                **_change(source, author, "update", ""),
                "value": {"link": target.name, "relation": label},
                "reason": f"Linked “{source.name}” to “{target.name}”"
                + (f" ({label})." if label else "."),
            }
        ],
    )
    session.add(source)
    session.flush()
    codex_history.record(session, [source], source.version)
    return link


def remove_link(session: Session, actor: Actor, link_id: uuid.UUID, *, author: Author) -> None:
    link = session.get(CodexLink, link_id)
    if link is None:
        raise NotFound(f"No link with id {link_id} is visible to you.")
    source, world = require_entry(session, actor, link.from_id, Permission.WRITE)
    target = session.get(CodexEntry, link.to_id)
    world = locked_world(session, actor, world.id)
    session.delete(link)
    _touch(source, actor)
    source.version = record_changes(
        session,
        world,
        [
            {
                **_change(source, author, "update", ""),
                "value": {"unlinked": target.name if target else "", "relation": link.relation},
                "reason": f"Unlinked “{source.name}” from “{target.name if target else '?'}”.",
            }
        ],
    )
    session.add(source)
    session.flush()
    codex_history.record(session, [source], source.version)


def toggle_flag(
    session: Session, actor: Actor, entry_id: uuid.UUID, flag: Literal["pinned", "excluded"]
) -> CodexEntry:
    """Turn the entry's pin or exclusion on if it is off, off if it is on."""
    entry = get_entry(session, actor, entry_id)
    if flag == "pinned":
        return set_flags(session, actor, entry_id, pinned=not entry.pinned)
    return set_flags(session, actor, entry_id, excluded=not entry.excluded)


# ---- the editor's form -----------------------------------------------------------------------

NO_IMAGE = "none"  # the image choice that means "no image"


def fields_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """The entry editor's form as entry fields: aliases one a line, tags separated by commas."""

    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    image = text("image")
    return {
        "name": text("name"),
        "kind": text("kind") or CodexKind.CONCEPT.value,
        "aliases": [line for line in text("aliases").splitlines() if line.strip()],
        "summary": text("summary"),
        "body": text("body"),
        "tags": [tag for tag in text("tags").split(",") if tag.strip()],
        "image_asset_id": None if image in ("", NO_IMAGE) else image,
    }


def save_form(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    entry_id: uuid.UUID | None,
    form: Mapping[str, Any],
    *,
    expected_version: int,
    accept: bool,
) -> CodexEntry:
    """The editor's form saved by a person: a new active entry (`entry_id` None), or a change
    of the entry (refused when stale), which also accepts it when it was a suggestion and
    `accept` says so. The form's `reason` goes in the changelog."""
    values = fields_from_form(form)
    reason = str(form.get("reason", "")).strip()[:1000]
    if entry_id is None:
        fields = validation.model(EntryFields, values)
        return create_entry(session, actor, world_id, fields, author="person", reason=reason)
    entry, world = require_entry(session, actor, entry_id, Permission.WRITE)
    if world.id != world_id:
        raise NotFound(not_visible("codex entry", entry_id))
    entry = update_entry(
        session,
        actor,
        entry.id,
        validation.model(EntryChanges, values),
        author="person",
        expected_version=expected_version,
        reason=reason,
    )
    if accept:
        entry = set_status(session, actor, entry.id, CodexStatus.ACTIVE, author="person")
    return entry


# ---- embeddings ------------------------------------------------------------------------------


def embed_missing(actor: Actor, world_id: uuid.UUID | None, *, limit: int | None = None) -> int:
    """Compute the embeddings that active entries lack — of one world, or (None) of every world,
    that the actor may read — at most `limit`, a batch at a time, each batch in its own short
    session; returns how many were stored. Slow (about 10 ms an entry): call from a worker
    thread. An entry edited meanwhile keeps its empty embedding for the next call."""
    done = 0
    while limit is None or done < limit:
        batch = EMBED_BATCH if limit is None else min(EMBED_BATCH, limit - done)
        with session_scope() as session:
            query = (
                select(CodexEntry)
                .join(World, col(World.id) == CodexEntry.world_id)
                .where(
                    readable_worlds_clause(actor),
                    CodexEntry.status == CodexStatus.ACTIVE,
                    col(CodexEntry.embedding).is_(None),
                )
            )
            if world_id is not None:
                query = query.where(CodexEntry.world_id == world_id)
            pending = [
                (row.id, row.updated_at, embedding_text(row))
                for row in session.exec(query.limit(batch)).all()
            ]
        if not pending:
            break
        vectors = embeddings.embed([text for _, _, text in pending])
        with session_scope() as session:
            for (entry_id, seen_at, _), vector in zip(pending, vectors, strict=True):
                entry = session.get(CodexEntry, entry_id)
                if entry is not None and entry.updated_at == seen_at:
                    entry.embedding = vector
                    session.add(entry)
        done += len(pending)
        if len(pending) < batch:
            break
    return done
