"""A world's Codex: lore entries (characters, places, factions…) that people and agents create,
change, pin, exclude and delete, and the suggestions an agent makes, which a person accepts or
rejects. Adding, changing or removing an active entry bumps the world's version and goes into its
changelog, like a foundation edit; the entry keeps that version, so a write that names an older
one is refused as stale.

Beside it: `codex_links` (links between entries), `codex_search` (finding entries by name and
meaning), `codex_embeddings` (what an entry's embedding reads, and filling in missing ones),
`codex_form` (the editor's form), `codex_history` (the Codex's part of the world's versions) and
`lorebook` (SillyTavern lorebooks in and out). Embeddings are not computed here (services run
inside short sessions): a write whose text changed leaves the entry's embedding empty, and
`codex_embeddings.embed_missing` fills it in, from a worker thread.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import func
from sqlmodel import Session, col, select

from dsf_app.errors import Invalid
from dsf_app.models import AssetType, CodexEntry, CodexKind, CodexStatus, World
from dsf_app.models.columns import utcnow
from dsf_app.services import codex_history, validation
from dsf_app.services.access import (
    Permission,
    require_asset,
    require_entry,
    require_world,
    world_with_level,
)
from dsf_app.services.actor import Actor
from dsf_app.services.codex_embeddings import embedding_text
from dsf_app.services.world_updates import record_changes

Author = Literal["person", "agent"]
LISTED = 500  # entries a list shows at once; search finds the others


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


def changelog_line(
    entry: CodexEntry, author: Author, operation: str, reason: str
) -> dict[str, Any]:
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
            [
                changelog_line(
                    entry, author, "add", reason or f"Added the {entry.kind} “{entry.name}”."
                )
            ],
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
    touch(entry, actor)
    if entry.status == CodexStatus.ACTIVE:
        entry.version = record_changes(
            session,
            world,
            [changelog_line(entry, author, "update", reason or f"Edited “{entry.name}”.")],
        )
    session.add(entry)
    session.flush()
    codex_history.record(session, [entry], entry.version)
    return entry


def touch(entry: CodexEntry, actor: Actor) -> None:
    """Mark the entry as changed now, by the actor."""
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
        change = changelog_line(entry, author, "remove", reason or f"Removed “{entry.name}”.")
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
    touch(entry, actor)
    if chosen == CodexStatus.ACTIVE:
        world = locked_world(session, actor, world.id)
        entry.version = record_changes(
            session,
            world,
            [
                changelog_line(
                    entry, author, "add", f"Accepted the suggested {entry.kind} “{entry.name}”."
                )
            ],
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
    touch(entry, actor)
    session.add(entry)
    session.flush()
    return entry


def toggle_flag(
    session: Session, actor: Actor, entry_id: uuid.UUID, flag: Literal["pinned", "excluded"]
) -> CodexEntry:
    """Turn the entry's pin or exclusion on if it is off, off if it is on."""
    entry = get_entry(session, actor, entry_id)
    if flag == "pinned":
        return set_flags(session, actor, entry_id, pinned=not entry.pinned)
    return set_flags(session, actor, entry_id, excluded=not entry.excluded)
