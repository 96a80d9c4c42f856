"""SillyTavern lorebooks into and out of a world's Codex: a parsed file (`lorebook_format`)
added to the world's entries in one new version of the world, with a report of what was made,
left as it was, skipped or kept unread; and the world's active entries, with their links,
written as one World Info file.
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
from dsf_app.errors import ServiceUnavailable
from dsf_app.models import CodexEntry, CodexLink, CodexStatus, Meter
from dsf_app.services import codex, codex_history, quotas
from dsf_app.services.access import Permission, require_world
from dsf_app.services.actor import Actor
from dsf_app.services.codex import Author, locked_world
from dsf_app.services.export_text import html_safe_json
from dsf_app.services.exports import slug
from dsf_app.services.lorebook_format import MAX_ENTRIES, Lorebook, parse, world_info_entry
from dsf_app.services.world_updates import record_changes

REPORTED_NAMES = 10


@dataclass(frozen=True)
class ImportReport:
    source: str
    created: int
    duplicates: list[str]  # names the world already had: left as they were
    skipped: list[str]  # entries that could not be read, and why
    unknown_fields: list[str]  # fields the format does not define, kept in `extra`

    def sentence(self) -> str:
        parts = [f"Imported {self.created} entries from a {self.source}."]
        if self.duplicates:
            parts.append(
                f"{len(self.duplicates)} already in the Codex were left as they were: "
                + _listed(self.duplicates)
                + "."
            )
        if self.skipped:
            parts.append(f"{len(self.skipped)} could not be read: {_listed(self.skipped)}.")
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


def import_file(actor: Actor, world_id: uuid.UUID, data: bytes, author: Author) -> ImportReport:
    """Parse `data`, then add its entries to the world in one short session: the whole
    import, as a heavy process runs it (`pools.in_heavy_process`)."""
    book = parse(data)
    try:
        with session_scope() as session:
            return import_lorebook(session, actor, world_id, book, author=author)
    except OperationalError as exc:
        raise ServiceUnavailable(
            "The database did not answer, so the lorebook was not imported; try again in a moment."
        ) from exc


def import_lorebook(
    session: Session, actor: Actor, world_id: uuid.UUID, book: Lorebook, *, author: Author
) -> ImportReport:
    """Add a parsed lorebook's entries to the world's Codex as active entries (one new version
    of the world for the whole file). Names the world already has are left as they were; a name
    twice in the file gets a number. Embeddings are left for `codex_embeddings.embed_missing`. It counts as
    one of the person's imports today, in the same transaction."""
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
                "extra": parsed.extra,
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


def export_lorebook(session: Session, actor: Actor, world_id: uuid.UUID) -> tuple[str, str]:
    """(file name, JSON text): the world's active entries as a SillyTavern World Info file."""
    world = require_world(session, actor, world_id)
    entries = codex.list_entries(session, actor, world.id, limit=MAX_ENTRIES)
    names = {entry.id: entry.name for entry in entries}
    links: dict[uuid.UUID, list[dict[str, str]]] = {}
    if entries:
        for link in session.exec(
            select(CodexLink)
            .where(CodexLink.world_id == world.id)
            .order_by(col(CodexLink.created_at), col(CodexLink.id))
        ):
            if link.from_id in names and link.to_id in names:
                links.setdefault(link.from_id, []).append(
                    {"to": names[link.to_id], "relation": link.relation}
                )
    book = {
        "entries": {
            str(uid): world_info_entry(entry, uid, links.get(entry.id, []))
            for uid, entry in enumerate(entries)
        }
    }
    # HTML-safe like the world JSON: a viewer that sniffs the file as HTML finds no tag.
    text = html_safe_json(json.dumps(book, indent=2, ensure_ascii=False))
    return f"{slug(world.name)}.lorebook.json", text
