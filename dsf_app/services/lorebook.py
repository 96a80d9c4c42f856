"""SillyTavern lorebooks and character cards into and out of a world's Codex: a parsed file
(`lorebook_format`) added to the world's entries in one new version of the world, with a report of
what was made, left as it was, skipped (each named with why) or kept unread — a PNG card's avatar
stored in S3 first (no session open) and shown as its character's image in the gallery; and the
world's active entries, with their links, written as one World Info file, or a character entry
with the others as a PNG card (`card_png`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from dsf_app.db import session_scope
from dsf_app.errors import Invalid, ServiceUnavailable
from dsf_app.models import (
    Asset,
    AssetCategory,
    CodexEntry,
    CodexKind,
    CodexLink,
    CodexStatus,
    Meter,
)
from dsf_app.pools import Progress, ReportProgress, unreported
from dsf_app.services import asset_files, character_cards, codex, codex_history, png_cards, quotas
from dsf_app.services.access import Permission, require_entry, require_world
from dsf_app.services.actor import Actor
from dsf_app.services.codex import Author, locked_world
from dsf_app.services.export_text import html_safe_json
from dsf_app.services.exports import slug
from dsf_app.services.lorebook_entries import MAX_ENTRIES, Lorebook, world_info_entry
from dsf_app.services.lorebook_format import parse
from dsf_app.services.world_updates import record_changes
from dsf_app.storage import AssetStorage, asset_key

REPORTED_NAMES = 10


@dataclass(frozen=True)
class ImportReport:
    source: str
    created: int
    duplicates: list[str]  # names the world already had: left as they were
    skipped: list[str]  # entries that could not be read, and why
    unknown_fields: list[str]  # fields the format does not define, kept in `extra`
    image: str = ""  # the character whose image a PNG card's avatar became

    def sentence(self) -> str:
        parts = [f"Imported {self.created} entries from a {self.source}."]
        if self.duplicates:
            parts.append(
                f"{len(self.duplicates)} already in the Codex were left as they were: "
                + _listed(self.duplicates)
                + "."
            )
        if self.skipped:
            parts.append(f"{len(self.skipped)} entries skipped: {_listed(self.skipped)}.")
        if self.image:
            parts.append(f"The card's image is now {self.image}'s, in the gallery.")
        if self.unknown_fields:
            parts.append(
                "Kept fields DSF does not use, for the export: "
                + _listed(self.unknown_fields)
                + "."
            )
        return " ".join(parts)


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:REPORTED_NAMES])
    return shown + (
        f" and {len(names) - REPORTED_NAMES} more" if len(names) > REPORTED_NAMES else ""
    )


# ---- into a world ----------------------------------------------------------------------------


def require_writable(session: Session, actor: Actor, world_id: uuid.UUID) -> None:
    """NotFound or Forbidden unless the actor may write the world: asked before a byte of the
    upload is read or parsed."""
    require_world(session, actor, world_id, Permission.WRITE)


def import_file(
    actor: Actor,
    world_id: uuid.UUID,
    data: bytes,
    author: Author,
    progress: ReportProgress = unreported,
) -> ImportReport:
    """Parse `data`, store a PNG card's avatar in S3, then add the entries to the world in one
    short session: the whole import, as a heavy process runs it (`pools.in_heavy_process`),
    telling `progress` its stages. The avatar's bytes are deleted again when the entries cannot
    be written."""
    progress(Progress("Reading the lorebook"))
    book = parse(data)
    progress(Progress(f"Read {len(book.entries):,} entries; adding them to the Codex"))
    avatar = _store_avatar(actor, world_id, book)
    try:
        with session_scope() as session:
            report = import_lorebook(session, actor, world_id, book, author=author, avatar=avatar)
    except BaseException as exc:
        if avatar is not None:
            asset_files.asset_storage().delete(avatar.key)
        if isinstance(exc, OperationalError):
            raise ServiceUnavailable(
                "The database did not answer, so the lorebook was not imported; try again in "
                "a moment."
            ) from exc
        raise
    if avatar is not None and not report.image:  # its character was in the Codex already
        asset_files.asset_storage().delete(avatar.key)
    return report


def _store_avatar(
    actor: Actor, world_id: uuid.UUID, book: Lorebook
) -> asset_files.StoredBytes | None:
    character = next((e for e in book.entries if e.is_card), None)
    if book.avatar is None or character is None:
        return None
    content_type = asset_files.checked_image(book.avatar, "image/png")
    name = asset_files.filename_for(character.fields.name, content_type)
    key = asset_key(actor.user_id, world_id, name)
    asset_files.asset_storage().put(key, book.avatar, content_type)
    return asset_files.StoredBytes(key, content_type, len(book.avatar))


def import_lorebook(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    book: Lorebook,
    *,
    author: Author,
    avatar: asset_files.StoredBytes | None = None,
) -> ImportReport:
    """Add a parsed lorebook's entries to the world's Codex as active entries (one new version
    of the world for the whole file). Names the world already has are left as they were; a name
    twice in the file gets a number. A card's character gets `avatar` (bytes already in S3) as
    its image, recorded as one of the world's images. Embeddings are left for
    `codex_embeddings.embed_missing`. It counts as one of the person's imports today, in the
    same transaction."""
    world = locked_world(session, actor, world_id)
    quotas.reserve(session, actor, Meter.IMPORTS)
    taken = {
        name.casefold()
        for name in session.exec(
            select(CodexEntry.name).where(
                CodexEntry.world_id == world.id, CodexEntry.status != CodexStatus.REJECTED
            )
        ).all()
    }
    duplicates: list[str] = []
    image = ""
    in_file: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    ids: dict[str, uuid.UUID] = {}
    for parsed in book.entries:
        values = parsed.fields.applied()
        name = values["name"]
        if name.casefold() in taken:
            duplicates.append(name)
            continue
        count = in_file[name.casefold()] = in_file.get(name.casefold(), 0) + 1
        if count > 1:
            values["name"] = name = f"{name} ({count})"[:200]
        entry_id = uuid.uuid4()
        ids.setdefault(name.casefold(), entry_id)
        image_id = None
        if parsed.is_card and avatar is not None:
            image = name
            image_id = asset_files.record_image(
                session,
                actor,
                avatar,
                world_id=world.id,
                category=AssetCategory.CHARACTER,
                description=f"{name} (from a character card)",
            ).id
        rows.append(
            {
                "id": entry_id,
                "world_id": world.id,
                "kind": values["kind"].value,
                "name": name,
                "aliases": values.get("aliases", []),
                "summary": values.get("summary", ""),
                "body": values.get("body", ""),
                "tags": values.get("tags", []),
                "status": CodexStatus.ACTIVE.value,
                "pinned": parsed.pinned,
                "excluded": parsed.excluded and not parsed.pinned,
                "activation": parsed.activation,
                "extra": parsed.extra,
                "image_asset_id": image_id,
                "version": world.version + 1,
                "created_by": actor.user_id,
                "updated_by": actor.user_id,
            }
        )
    if rows:
        session.execute(insert(CodexEntry), rows)
        links = _links(book, ids, world.id)
        if links:
            session.execute(insert(CodexLink), links)
        version = record_changes(
            session,
            world,
            [
                {
                    "author": author,
                    "path": "codex",
                    "operation": "add",
                    "value": {"entries": len(rows), "source": book.source},
                    "reason": f"Imported {len(rows)} entries from a {book.source}.",
                }
            ],
        )
        codex_history.record_new(session, rows, links, version)
    return ImportReport(
        source=book.source,
        created=len(rows),
        duplicates=duplicates,
        skipped=book.skipped,
        unknown_fields=sorted(book.unknown_fields),
        image=image,
    )


def _links(book: Lorebook, ids: dict[str, uuid.UUID], world_id: uuid.UUID) -> list[dict[str, Any]]:
    found = {}
    for parsed in book.entries:
        source = ids.get(parsed.fields.name.casefold())
        for name, relation in parsed.links:
            target = ids.get(name.casefold())
            if source and target and source != target:
                found[(source, target, relation[:100])] = None
    return [
        {"id": uuid.uuid4(), "world_id": world_id, "from_id": s, "to_id": t, "relation": r}
        for s, t, r in found
    ]


# ---- out of a world --------------------------------------------------------------------------


def _world_info(
    session: Session, actor: Actor, world_id: uuid.UUID
) -> list[tuple[CodexEntry, dict[str, Any]]]:
    """The world's active entries, each with its World Info entry (its links named in it)."""
    entries = codex.list_entries(session, actor, world_id, limit=MAX_ENTRIES)
    names = {entry.id: entry.name for entry in entries}
    links: dict[uuid.UUID, list[dict[str, str]]] = {}
    if entries:
        for link in session.exec(
            select(CodexLink)
            .where(CodexLink.world_id == world_id)
            .order_by(col(CodexLink.created_at), col(CodexLink.id))
        ):
            if link.from_id in names and link.to_id in names:
                links.setdefault(link.from_id, []).append(
                    {"to": names[link.to_id], "relation": link.relation}
                )
    return [
        (entry, world_info_entry(entry, uid, links.get(entry.id, [])))
        for uid, entry in enumerate(entries)
    ]


def export_lorebook(session: Session, actor: Actor, world_id: uuid.UUID) -> tuple[str, str]:
    """(file name, JSON text): the world's active entries as a SillyTavern World Info file
    (what anyone who may read the world sees of its Codex: never a suggestion)."""
    world = require_world(session, actor, world_id)
    book = {"entries": {str(wi["uid"]): wi for _, wi in _world_info(session, actor, world.id)}}
    # HTML-safe like the world JSON: a viewer that sniffs the file as HTML finds no tag.
    text = html_safe_json(json.dumps(book, indent=2, ensure_ascii=False))
    return f"{slug(world.name)}.lorebook.json", text


@dataclass(frozen=True)
class CardExport:
    """A character's card before its image's bytes are fetched: read in one short transaction
    (`export_card`), so that S3 is asked with no session open (`card_png`)."""

    file_name: str
    v2: dict[str, Any]
    v3: dict[str, Any]
    image_key: str | None


def export_card(session: Session, actor: Actor, entry_id: uuid.UUID) -> CardExport:
    """An active character entry as a character card (V2 and V3), with the world's other
    active entries as its lorebook and its image as the avatar."""
    character, world = require_entry(session, actor, entry_id)
    if character.kind != CodexKind.CHARACTER or character.status != CodexStatus.ACTIVE:
        raise Invalid(
            f"“{character.name}” is not a character in the Codex; only a character is exported "
            "as a character card (change its kind to character first)."
        )
    book: list[dict[str, Any]] = []
    links: list[dict[str, str]] = []
    for entry, world_info in _world_info(session, actor, world.id):
        if entry.id == character.id:
            links = world_info["extensions"]["dsf"]["links"]
        else:
            book.append(world_info)
    image = session.get(Asset, character.image_asset_id) if character.image_asset_id else None
    return CardExport(
        file_name=f"{slug(character.name)}.card.png",
        v2=character_cards.card(character, book, links, "v2"),
        v3=character_cards.card(character, book, links, "v3"),
        image_key=image.storage_key if image else None,
    )


def card_png(card: CardExport, storage: AssetStorage) -> tuple[str, bytes]:
    """(file name, PNG bytes) of the card, its JSON in both chunks. Asks S3 for the character's
    image: call it with no session open."""
    image = storage.get(card.image_key) if card.image_key else None
    return card.file_name, png_cards.write(card.v2, card.v3, image)
